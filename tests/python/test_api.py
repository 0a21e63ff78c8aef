"""Tests of the Python module (python/nmsim) with pytest, run by ctest
(tests/CMakeLists.txt: test python_api) against the build's libnmsim.so and
nmsim binary: the same results as the command line on every bundled
scenario, scenarios from dicts and the builder, errors as exceptions (bad
input with the command line's message, out of memory, an interrupted run),
the interpreter free while a run goes on, run files, sweeps into the
results database, the progress line."""
import glob
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import nmsim

SRC = os.environ.get("NMSIM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("NMSIM_BINARY", os.path.join(SRC, "build", "nmsim"))
BUNDLED = sorted(glob.glob(os.path.join(SRC, "scenarios", "*.yaml")))


def cli(*args, check=True):
    p = subprocess.run([BIN, *args], capture_output=True, text=True)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def child(code, env_extra=None):
    """Run code in a fresh interpreter with the module importable."""
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=env, timeout=300)


# ---- the same results as the command line ------------------------------------

@pytest.mark.parametrize("path", BUNDLED, ids=os.path.basename)
def test_bundled_scenario_equals_the_command_line(path, tmp_path):
    """The report is the CLI's JSON exactly, and every recorded spike and
    state value of the in-memory run file equals the CLI's run file."""
    assert BUNDLED, "no bundled scenarios"
    out = tmp_path / "cli.h5"
    want = json.loads(cli("run", path, "--set", "steps=40", "--json", "--quiet", "-o",
                          str(out)).stdout)
    run = nmsim.run(path, set={"steps": 40}, progress=False)
    assert run.report == want
    import h5py
    with h5py.File(out, "r") as f:
        compared = 0
        for pop in f["/populations"]:
            if "spikes" in f["/populations"][pop]:
                steps, neurons = run.spikes(pop)
                assert np.array_equal(steps, f["/populations/%s/spikes/step" % pop][()])
                assert np.array_equal(neurons, f["/populations/%s/spikes/neuron" % pop][()])
                compared += 1
        for pop in f.get("/state", {}):
            for var in f["/state"][pop]:
                values, idx = run.state(pop, var)
                assert np.array_equal(values, f["/state/%s/%s" % (pop, var)][()])
                compared += 1
        assert compared > 0
        if "/steps/latency_ns" in f:
            assert np.array_equal(run.latency_per_step(), f["/steps/latency_ns"][()])
        assert np.array_equal(run.energy_per_step()[0], f["/steps/energy_pj"][()])
    run.close()


def test_threads_give_the_same_run():
    path = os.path.join(SRC, "scenarios", "multichip.yaml")
    one = nmsim.run(path, set={"steps": 15}, progress=False)
    two = nmsim.run(path, set={"steps": 15}, threads=2, progress=False)
    assert two.report == one.report
    assert np.array_equal(two.energy_per_step()[0], one.energy_per_step()[0])
    net = os.path.join(SRC, "tests", "data", "net_threads.yaml")
    one = nmsim.run(net, set={"steps": 10}, progress=False)
    two = nmsim.run(net, set={"steps": 10}, threads=2, progress=False)
    assert two.report == one.report


def test_modes_and_overrides():
    base = nmsim.run(os.path.join(SRC, "scenarios", "quickstart.yaml"), set={"steps": 30},
                     progress=False)
    fun = nmsim.run(os.path.join(SRC, "scenarios", "quickstart.yaml"), set={"steps": 30},
                    mode="functional", progress=False)
    assert fun.report["mode"] == "functional" and base.report["mode"] == "timed"
    assert fun.report["counts"]["spikes"] == base.report["counts"]["spikes"]
    s = nmsim.load(os.path.join(SRC, "scenarios", "quickstart.yaml")).with_set(steps=20, seed=9)
    r = nmsim.run(s, progress=False)
    assert r.report["steps"] == 20 and r.report["seed"] == 9


# ---- scenarios from Python ---------------------------------------------------

SMALL = {
    "name": "small", "seed": 3, "chip": "test", "steps": 50,
    "populations": {
        "in": {"size": 4, "model": "spike_array", "spikes": [[1, 5, 9], [2], [3, 30], []]},
        "exc": {"size": 6, "model": "lif",
                "params": {"tau_m": [5, 8, 11, 14, 17, 20], "tau_syn_e": "4 ms"}},
    },
    "projections": [{"from": "in", "to": "exc", "connector": "all_to_all",
                     "weight": "0.6 nA"}],
    "record": {"spikes": "all", "state": {"exc": {"vars": ["v"]}}},
}

SMALL_YAML = """name: small
seed: 3
chip: test
steps: 50
populations:
  in: {size: 4, model: spike_array, spikes: [[1, 5, 9], [2], [3, 30], []]}
  exc: {size: 6, model: lif, params: {tau_m: [5, 8, 11, 14, 17, 20], tau_syn_e: 4 ms}}
projections:
  - {from: in, to: exc, connector: all_to_all, weight: 0.6 nA}
record: {spikes: all, state: {exc: {vars: [v]}}}
"""


def test_dict_equals_file(tmp_path):
    p = tmp_path / "small.yaml"
    p.write_text(SMALL_YAML)
    a = nmsim.run(SMALL, progress=False)
    b = nmsim.run(str(p), progress=False)
    for k in ("energy_pj", "counts", "latency_ns", "populations"):
        assert a.report[k] == b.report[k]
    va, ia = a.state("exc", "v")
    vb, ib = b.state("exc", "v")
    assert va.shape == (50, 6) and np.array_equal(va, vb) and np.array_equal(ia, ib)


def test_builder_takes_arrays():
    """Per-neuron values and a connection list as NumPy arrays give the run
    the equivalent scenario text gives."""
    net = nmsim.Network(chip="test", steps=50, seed=3, name="small")
    net.population("in", 4, "spike_array", spikes=[[1, 5, 9], [2], [3, 30], []])
    net.population("exc", 6, "lif", params={"tau_m": np.array([5., 8, 11, 14, 17, 20]),
                                             "tau_syn_e": "4 ms"})
    pairs = np.array([[i, j, 0.6] for i in range(4) for j in range(6)])
    net.connect("in", "exc", pairs=pairs, weight="1 nA")
    net.record(spikes="all", state={"exc": {"vars": ["v"]}})
    a = nmsim.run(net, progress=False)
    b = nmsim.run(SMALL, progress=False)
    assert a.report["counts"] == b.report["counts"]
    assert np.array_equal(a.spikes("exc")[1], b.spikes("exc")[1])
    assert np.array_equal(a.state("exc", "v")[0], b.state("exc", "v")[0])
    with pytest.raises(ValueError):
        net.connect("in", "exc")


# ---- errors --------------------------------------------------------------------

def test_bad_input_raises_the_command_line_message(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(SMALL_YAML.replace("weight: 0.6 nA", "wieght: 0.6 nA"))
    with pytest.raises(nmsim.InputError) as e:
        nmsim.validate(str(p))
    want = cli("validate", str(p), check=False).stderr.strip()
    assert str(e.value) in want and ":9:" in str(e.value) and "wieght" in str(e.value)
    assert e.value.status == "EINPUT"
    with pytest.raises(nmsim.InputError) as e:
        nmsim.run(str(p), progress=False)
    with pytest.raises(nmsim.InputError, match="steps"):
        nmsim.run(SMALL, set={"steps": "many"}, progress=False)
    with pytest.raises(nmsim.InputError, match="No such file"):
        nmsim.run(str(tmp_path / "nothere.yaml"), progress=False)
    with pytest.raises(KeyError, match="not recorded"):
        nmsim.run(SMALL, progress=False).state("exc", "i_syn_e")


def test_out_of_memory_is_an_exception():
    """A run that cannot get its memory raises MemoryError with nmsim's
    message. The limit: 1 GiB of address space, or under AddressSanitizer
    (which reserves terabytes of shadow) its own cap on one allocation."""
    asan = "libasan" in os.environ.get("LD_PRELOAD", "")
    limit = "pass" if asan else "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))"
    env = {"ASAN_OPTIONS": "detect_leaks=0:allocator_may_return_null=1:"
                           "max_allocation_size_mb=1024"} if asan else None
    r = child("""
        import resource, nmsim
        LIMIT
        try:
            nmsim.run({"name": "big", "chip": "test", "steps": 2, "engine": {"mode": "network"},
                       "populations": {"p": {"size": 400000000, "model": "lif"}}},
                      progress=False)
        except MemoryError as e:
            print("MemoryError:", e)
        """.replace("LIMIT", limit), env)
    assert r.returncode == 0, r.stderr
    assert "MemoryError:" in r.stdout and "out of memory" in r.stdout, r.stdout + r.stderr


def test_interrupted_run_raises_and_the_interpreter_goes_on():
    r = child("""
        import os, signal, threading, nmsim
        path = os.path.join(os.environ["NMSIM_SOURCE_DIR"], "scenarios", "quickstart.yaml")
        threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        try:
            nmsim.run(path, set={"steps": 100000}, progress=False)
            print("finished")
        except KeyboardInterrupt as e:
            print("interrupted:", e)
        print("alive", nmsim.run(path, set={"steps": 5}, progress=False).report["status"])
        """)
    assert r.returncode == 0, r.stderr
    assert "interrupted:" in r.stdout and "alive complete" in r.stdout, r.stdout + r.stderr


def test_sigterm_ends_the_run_then_the_process(tmp_path):
    """SIGTERM during a run ends it at a step (its run file marked
    interrupted), then the process, as the host's default asks."""
    out = tmp_path / "t.h5"
    r = child("""
        import os, signal, threading, nmsim
        path = os.path.join(os.environ["NMSIM_SOURCE_DIR"], "scenarios", "quickstart.yaml")
        threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGTERM)).start()
        nmsim.run(path, set={"steps": 100000}, out="OUT", progress=False)
        print("not reached")
        """.replace("OUT", str(out)))
    assert r.returncode == -15 and "not reached" not in r.stdout, (r.returncode, r.stderr)
    import h5py
    with h5py.File(out, "r") as f:
        assert f.attrs["status"] == "interrupted"


def test_the_interpreter_runs_during_a_run():
    """The lock is released: another thread counts while the run goes on."""
    count = [0]
    done = threading.Event()

    def spin():
        while not done.is_set():
            count[0] += 1
    t = threading.Thread(target=spin)
    t.start()
    before = count[0]
    nmsim.run(os.path.join(SRC, "scenarios", "quickstart.yaml"), set={"steps": 400},
              progress=False)
    during = count[0] - before
    done.set()
    t.join()
    assert during > 1000, during


# ---- run files, sweeps, progress ------------------------------------------------

def test_open_a_run_file(tmp_path):
    out = tmp_path / "r.h5"
    a = nmsim.run(SMALL, out=str(out), progress=False)
    assert os.path.exists(out)
    b = nmsim.open(str(out))
    assert b.report == json.loads(cli("report", str(out), "--json").stdout)
    assert np.array_equal(a.state("exc", "v")[0], b.state("exc", "v")[0])
    mem = nmsim.run(SMALL, progress=False)
    mem.save(str(tmp_path / "m.h5"))
    c = nmsim.open(str(tmp_path / "m.h5"))
    assert np.array_equal(c.spikes("exc")[0], a.spikes("exc")[0])
    with pytest.raises(nmsim.InputError):
        nmsim.open(str(tmp_path / "nothere.h5"))


def test_sweep_into_the_database(tmp_path):
    db = tmp_path / "r.sqlite"
    rows = nmsim.sweep(SMALL, {"seed": [1, 2], "populations.exc.params.tau_syn_e": ["2 ms",
                                                                                 "6 ms"]},
                       db=str(db), progress=False)
    rows = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
    assert len(rows) == 4
    assert {(r["seed"], r["populations.exc.params.tau_syn_e"]) for r in rows} == \
        {(1, "2 ms"), (1, "6 ms"), (2, "2 ms"), (2, "6 ms")}
    assert len({r["sweep_id"] for r in rows}) == 1 and all(r["status"] == "complete"
                                                          for r in rows)
    rep = json.loads(cli("report", "--db", str(db), "--json").stdout)
    assert len(rep["runs"]) == 4
    con = sqlite3.connect(str(db))
    assert con.execute("SELECT count(*) FROM run_populations").fetchone()[0] == 8
    con.close()
    plain = nmsim.sweep(SMALL, {"seed": [1, 2]}, progress=False)
    plain = plain.to_dict("records") if hasattr(plain, "to_dict") else plain
    assert [r["seed"] for r in plain] == [1, 2] and all(r["energy_total_pj"] > 0 for r in plain)


def test_progress_line_for_runs_over_a_second(capfd):
    nmsim.run(os.path.join(SRC, "scenarios", "quickstart.yaml"), set={"steps": 30000},
              mode="network", progress=True)
    err = capfd.readouterr().err
    assert "\rstep " in err and "events/s" in err and "left" in err, err[-400:]
