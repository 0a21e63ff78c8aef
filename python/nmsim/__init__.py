"""nmsim from Python: build, run and sweep scenarios in process and get the
results as NumPy arrays.

    import nmsim
    run = nmsim.run("scenarios/quickstart.yaml", set={"steps": 200})
    steps, neurons = run.spikes("exc")

The module binds nmsim's C library (libnmsim.so, include/nmsim/api.h) with
ctypes: the simulation runs in this process, with the interpreter's lock
released, and its run file stays in memory unless a path is given. The
results are the command line's, bit for bit. docs/python.md walks through it.
"""
import ctypes
import io
import itertools
import json
import os
import sqlite3
import sys

__all__ = ["Scenario", "Network", "Run", "NmsimError", "InputError", "load", "validate", "run",
           "open", "sweep"]

_builtin_open = open

# ---- the C library ---------------------------------------------------------

_STATUS = {0: "OK", 1: "EINVAL", 2: "ENOMEM", 3: "EIO", 4: "EINPUT", 5: "EFORMAT"}


class NmsimError(RuntimeError):
    """A run or a read that failed; .status is nmsim's status name."""

    def __init__(self, message, status="ERROR"):
        super().__init__(message)
        self.status = status


class InputError(NmsimError, ValueError):
    """Bad input: the message names the file, line, column and field, as the
    command line does."""


class _Source(ctypes.Structure):
    _fields_ = [("path", ctypes.c_char_p), ("text", ctypes.c_char_p), ("name", ctypes.c_char_p),
                ("sets", ctypes.POINTER(ctypes.c_char_p)), ("n_sets", ctypes.c_size_t)]


_PROGRESS = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)


class _RunOpts(ctypes.Structure):
    _fields_ = [("h5_path", ctypes.c_char_p), ("image", ctypes.c_int), ("db", ctypes.c_char_p),
                ("sweep_id", ctypes.c_char_p), ("on_progress", _PROGRESS),
                ("progress_ctx", ctypes.c_void_p), ("threads", ctypes.c_int)]


def _find_library():
    """libnmsim.so: $NMSIM_LIB, beside this file (an installed module), or in
    the build folders of the checkout this file is in."""
    env = os.environ.get("NMSIM_LIB")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.path.join(here, "libnmsim.so")]
    root = os.path.dirname(os.path.dirname(here))
    for build in ("build", "build-rel", "build-test"):
        candidates.append(os.path.join(root, build, "libnmsim.so"))
    for c in candidates:
        if os.path.exists(c):
            return c
    raise ImportError("nmsim: libnmsim.so not found (looked in %s); install the module with "
                      "scripts/install-python.sh or set NMSIM_LIB" % ", ".join(candidates))


_lib = ctypes.CDLL(_find_library())
_lib.nmsim_api_run.argtypes = [ctypes.POINTER(_Source), ctypes.POINTER(_RunOpts),
                               ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_size_t]
_lib.nmsim_api_validate.argtypes = [ctypes.POINTER(_Source), ctypes.c_char_p, ctypes.c_size_t]
_lib.nmsim_result_json.argtypes = [ctypes.c_void_p]
_lib.nmsim_result_json.restype = ctypes.c_char_p
_lib.nmsim_result_image.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t)]
_lib.nmsim_result_image.restype = ctypes.c_void_p
_lib.nmsim_result_free.argtypes = [ctypes.c_void_p]
_lib.nmsim_api_report.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p),
                                  ctypes.c_char_p, ctypes.c_size_t]
_lib.nmsim_api_free.argtypes = [ctypes.c_void_p]
_lib.nmsim_status_name.argtypes = [ctypes.c_int]
_lib.nmsim_status_name.restype = ctypes.c_char_p
_lib.nmsim_version.restype = ctypes.c_char_p

__version__ = _lib.nmsim_version().decode()


def _raise(status, msg):
    name = _lib.nmsim_status_name(status).decode()
    text = msg.value.decode(errors="replace")
    if name == "EINTR":
        raise KeyboardInterrupt(text)
    if name == "ENOMEM":
        raise MemoryError(text)
    if name in ("EINPUT", "EIO", "EFORMAT", "ECAPACITY"):
        raise InputError(text, name)
    raise NmsimError(text, name)


# ---- scenarios ---------------------------------------------------------------

def _plain(v):
    """A value for the scenario text: NumPy arrays and scalars as lists and
    numbers (exact: a float keeps all its digits)."""
    if hasattr(v, "tolist"):
        return v.tolist()
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _set_value(v):
    """A --set value: strings as they are, anything else as JSON (YAML reads it)."""
    if isinstance(v, str):
        return v
    return json.dumps(_plain(v))


class Scenario:
    """A scenario: a file (path), or a dict with the scenario file's structure,
    with --set style overrides (a dict KEY: VALUE; KEY dotted as for --set,
    e.g. "populations.exc.params.tau_m")."""

    def __init__(self, source, set=None, name=None):
        self.path = None
        self.text = None
        if isinstance(source, Scenario):
            self.path, self.text, self.name = source.path, source.text, source.name
            self.sets = dict(source.sets)
        else:
            if isinstance(source, dict):
                self.text = json.dumps(_plain(source))
                self.name = name or str(source.get("name", "<dict>"))
            elif isinstance(source, (str, os.PathLike)):
                self.path = os.fspath(source)
                self.name = name or self.path
            else:
                raise TypeError("a scenario is a path, a dict or a Scenario, got %r"
                                % type(source).__name__)
            self.sets = {}
        if set:
            self.sets.update(set)

    def with_set(self, **kw):
        """A copy with more overrides; keyword names use __ for dots
        (populations__exc__size=100)."""
        s = Scenario(self)
        s.sets.update({k.replace("__", "."): v for k, v in kw.items()})
        return s

    def _source(self, keep):
        sets = ["%s=%s" % (k, _set_value(v)) for k, v in self.sets.items()]
        arr = (ctypes.c_char_p * max(1, len(sets)))(*[s.encode() for s in sets])
        keep.append(arr)
        src = _Source(self.path.encode() if self.path else None,
                      self.text.encode() if self.text else None,
                      (self.name or "<scenario>").encode(), arr, len(sets))
        return src

    def __repr__(self):
        what = self.path if self.path else "<dict %s>" % self.name
        return "Scenario(%s%s)" % (what, ", set=%r" % self.sets if self.sets else "")


def load(source, set=None):
    """A Scenario from a file or a dict, checked (InputError if it is bad)."""
    s = Scenario(source, set=set)
    validate(s)
    return s


def validate(scenario, set=None):
    """Load and check a scenario; raise InputError with the command line's
    message (file, line, column, field) if it is bad."""
    s = scenario if isinstance(scenario, Scenario) and not set else Scenario(scenario, set=set)
    keep = []
    src = s._source(keep)
    msg = ctypes.create_string_buffer(4096)
    st = _lib.nmsim_api_validate(ctypes.byref(src), msg, len(msg))
    if st != 0:
        _raise(st, msg)
    return True


class Network:
    """A small builder for a scenario, taking NumPy arrays wherever the
    scenario language takes per-neuron values, weights or connection lists.

        net = nmsim.Network(chip="loihi", steps=100, seed=1)
        net.population("in", 10, "poisson", params={"rate": "50 Hz"})
        net.population("exc", 20, "lif", params={"tau_m": np.linspace(10, 30, 20)})
        net.connect("in", "exc", pairs=np.array([[0, 1, 0.5], [3, 2, 0.7]]))
        net.record(spikes="all")
        run = nmsim.run(net)
    """

    def __init__(self, chip="loihi", steps=100, dt="1 ms", seed=1, name="network", **top):
        self.doc = {"name": name, "seed": seed, "chip": chip, "steps": steps, "dt": dt}
        self.doc.update(top)
        self.doc["populations"] = {}
        self.doc["projections"] = []

    def population(self, name, size, model, params=None, **fields):
        """A population; params values may be arrays of one value per neuron."""
        p = {"size": int(size), "model": model}
        if params:
            p["params"] = _plain(params)
        p.update(_plain(fields))
        self.doc["populations"][name] = p
        return self

    def connect(self, pre, post, connector=None, weight=None, pairs=None, matrix=None, **fields):
        """A projection: connector as in the scenario language, or pairs (an
        array of rows [pre, post(, weight(, delay))]) or matrix (rows: from,
        columns: to; zero is no synapse)."""
        if sum(x is not None for x in (connector, pairs, matrix)) != 1:
            raise ValueError("connect: give exactly one of connector, pairs, matrix")
        if pairs is not None:
            connector = {"list": _plain(pairs)}
        elif matrix is not None:
            connector = {"matrix": _plain(matrix)}
        pj = {"from": pre, "to": post, "connector": _plain(connector)}
        if weight is not None:
            pj["weight"] = _plain(weight)
        pj.update(_plain(fields))
        self.doc["projections"].append(pj)
        return self

    def record(self, spikes=None, state=None, **fields):
        rec = self.doc.setdefault("record", {})
        if spikes is not None:
            rec["spikes"] = spikes
        if state is not None:
            rec["state"] = _plain(state)
        rec.update(_plain(fields))
        return self

    def to_dict(self):
        return json.loads(json.dumps(self.doc))

    def scenario(self, set=None):
        return Scenario(self.to_dict(), set=set, name=self.doc["name"])


def _as_scenario(scenario, set=None, mode=None):
    if isinstance(scenario, Network):
        s = scenario.scenario()
    else:
        s = Scenario(scenario)
    if set:
        s.sets.update(set)
    if mode:
        s.sets["engine.mode"] = mode
    return s


# ---- runs --------------------------------------------------------------------

def _progress_sink():
    """A progress line for runs over a second, on a terminal or in a notebook
    (both show stderr; "\\r" rewrites the line)."""
    shown = {"len": 0}

    def sink(_ctx, line):
        if line is None:
            sys.stderr.write("\r" + " " * shown["len"] + "\r")
        else:
            text = line.decode()
            sys.stderr.write("\r" + text.ljust(shown["len"]))
            shown["len"] = len(text)
        sys.stderr.flush()
    return _PROGRESS(sink)


def _want_progress():
    if "ipykernel" in sys.modules:
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class Run:
    """A finished run: .report (the JSON report as a dict), spikes, state,
    energy and latency as NumPy arrays. From nmsim.run (its run file in
    memory, or at the path given) or nmsim.open (an existing run file)."""

    def __init__(self, report, image=None, path=None):
        self.report = report
        self._image = image
        self.path = path
        self._file = None

    @property
    def file(self):
        """The run file as an h5py.File (docs/hdf5-layout.md)."""
        if self._file is None:
            import h5py
            if self._image is not None:
                self._file = h5py.File(io.BytesIO(self._image), "r")
            elif self.path is not None:
                self._file = h5py.File(self.path, "r")
            else:
                raise NmsimError("this run kept no run file")
        return self._file

    def save(self, path):
        """Write the in-memory run file to path."""
        if self._image is None:
            raise NmsimError("this run's file is already at %s" % self.path)
        with _builtin_open(path, "wb") as f:
            f.write(self._image)

    def spikes(self, population):
        """(steps, neurons): two arrays (int64 steps, uint32 neuron indices),
        one entry per recorded spike, in step order (the population's spikes
        must be recorded: record.spikes)."""
        f = self.file
        g = "/populations/%s" % population
        if g not in f:
            raise KeyError("no population %r in this run" % population)
        if "spikes" not in f[g]:
            raise KeyError("the spikes of %r were not recorded (record: {spikes: [%s]})"
                           % (population, population))
        # steps as int64 (stored as uint64): NumPy then indexes and counts with them
        return f[g + "/spikes/step"][()].astype("int64"), f[g + "/spikes/neuron"][()]

    def state(self, population, var):
        """values[steps, k] at the end of each step, and the k neuron indices
        (record.state of the scenario)."""
        name = "/state/%s/%s" % (population, var)
        if name not in self.file:
            raise KeyError("%s was not recorded (record: {state: {%s: {vars: [%s]}}})"
                           % (name, population, var))
        ds = self.file[name]
        return ds[()], ds.attrs["neurons"][()]

    def energy(self):
        """Energy by category in pJ (the report's), dynamic and static."""
        return dict(self.report["energy_pj"])

    def energy_per_step(self):
        """(pJ[steps, categories], category names): the dynamic energy of
        every step by category."""
        ds = self.file["/steps/energy_pj"]
        cols = [c.decode() if isinstance(c, bytes) else str(c) for c in ds.attrs["columns"]]
        return ds[()], cols

    def energy_per_core(self):
        """(pJ[cores, categories], category names), timed and functional runs."""
        ds = self.file["/cores/energy_pj"]
        cols = [c.decode() if isinstance(c, bytes) else str(c) for c in ds.attrs["columns"]]
        return ds[()], cols

    def latency_per_step(self):
        """ns[steps]: the hardware length of each step (timed runs)."""
        return self.file["/steps/latency_ns"][()]

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None

    def __repr__(self):
        r = self.report
        return "<nmsim.Run %s on %s, %s steps, %s>" % (r.get("scenario"), r.get("chip"),
                                                       r.get("steps"), r.get("status"))


def run(scenario, set=None, mode=None, out=None, db=None, progress=None, threads=1,
        _sweep_id=None):
    """Run a scenario (a path, a dict, a Scenario or a Network) in this
    process. set: --set overrides; mode: "timed", "functional" or "network";
    out: also write the run file there (else it stays in memory); db: record
    the run in a results database; threads: split the run over that many
    threads (the same results; in network mode they share the neuron update
    of large populations). Returns a Run."""
    s = _as_scenario(scenario, set, mode)
    keep = []
    src = s._source(keep)
    if progress is None:
        progress = _want_progress()
    sink = _progress_sink() if progress else _PROGRESS()
    opts = _RunOpts(os.fspath(out).encode() if out else None, 0 if out else 1,
                    os.fspath(db).encode() if db else None,
                    _sweep_id.encode() if _sweep_id else None, sink, None, int(threads))
    res = ctypes.c_void_p()
    msg = ctypes.create_string_buffer(8192)
    st = _lib.nmsim_api_run(ctypes.byref(src), ctypes.byref(opts), ctypes.byref(res), msg,
                            len(msg))
    if st != 0:
        _raise(st, msg)
    try:
        report = json.loads(_lib.nmsim_result_json(res).decode())
        n = ctypes.c_size_t()
        p = _lib.nmsim_result_image(res, ctypes.byref(n))
        image = ctypes.string_at(p, n.value) if p else None
    finally:
        _lib.nmsim_result_free(res)
    return Run(report, image=image, path=os.fspath(out) if out else None)


def open(path):
    """A Run from an existing run file (its report read as `nmsim report`)."""
    js = ctypes.c_void_p()
    msg = ctypes.create_string_buffer(8192)
    st = _lib.nmsim_api_report(os.fspath(path).encode(), ctypes.byref(js), msg, len(msg))
    if st != 0:
        _raise(st, msg)
    try:
        report = json.loads(ctypes.string_at(js).decode())
    finally:
        _lib.nmsim_api_free(js)
    return Run(report, path=os.fspath(path))


def sweep(scenario, grid, db=None, set=None, mode=None, progress=None, threads=1):
    """Run every combination of grid ({KEY: [values]}, KEY dotted as for
    --set) and return one row per run: a pandas DataFrame when pandas is
    installed, else a list of dicts. With db, every run is recorded there
    (the command line's schema, `nmsim report --db` reads it) and the rows
    are the database's; without, the rows hold the parameters and the
    report's main figures."""
    keys = list(grid)
    combos = list(itertools.product(*[list(grid[k]) for k in keys]))
    sweep_id = None
    if db:
        import uuid
        sweep_id = "py-" + uuid.uuid4().hex[:12]
    rows = []
    for combo in combos:
        sets = dict(set or {})
        sets.update(dict(zip(keys, combo)))
        r = run(scenario, set=sets, mode=mode, db=db, progress=progress, threads=threads,
                _sweep_id=sweep_id)
        if not db:
            rep = r.report
            row = dict(zip(keys, combo))
            row.update({"status": rep.get("status"), "energy_total_pj":
                        rep["energy_pj"].get("total"), "spikes": rep["counts"].get("spikes")})
            lat = rep.get("latency_ns")
            if isinstance(lat, dict):
                row["hw_time_ns"] = lat.get("total")
            rows.append(row)
        r.close()
    if db:
        con = sqlite3.connect(os.fspath(db))
        con.row_factory = sqlite3.Row
        try:
            for rr in con.execute("SELECT * FROM runs WHERE sweep_id = ? ORDER BY id",
                                  (sweep_id,)):
                row = dict(rr)
                params = json.loads(row.get("parameters") or "{}")
                row.update({k: params.get(k) for k in keys})
                rows.append(row)
        finally:
            con.close()
    try:
        import pandas
        return pandas.DataFrame(rows)
    except ImportError:
        return rows
