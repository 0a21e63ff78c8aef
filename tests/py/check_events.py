"""check_events.py: reads the HDF5 events file of `nmsim dvs convert` with h5py
alone and checks it against what the test generated (docs/dvs.md). Used by
tests/test_dvs_cli.c.

  check_events.py EVENTS.h5 KEY=VALUE ...
    n=N               t_us, x, y and p each hold exactly N events (1-D)
    width=W height=H  the width and height attributes
    format=NAME       the format attribute (a str)
    t_us=FIRST,LAST x=FIRST,LAST y=FIRST,LAST p=FIRST,LAST
                      the first and last value of each dataset

Prints "ok N" on success; on failure a line saying what was found and what was
expected, and exits 1.
"""
import sys

import h5py
import numpy as np

DTYPES = {"t_us": np.int64, "x": np.uint16, "y": np.uint16, "p": np.uint8}


def s(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def main():
    path = sys.argv[1]
    opt = dict(a.split("=", 1) for a in sys.argv[2:])
    bad = []

    def expect(cond, what, got, want):
        if not cond:
            bad.append("%s: got %r, expected %r" % (what, got, want))

    with h5py.File(path, "r") as f:
        a = f.attrs
        n = int(opt["n"])
        for name, dt in DTYPES.items():
            if name not in f:
                bad.append("dataset %s: missing" % name)
                continue
            d = f[name]
            expect(d.ndim == 1, name + " rank", d.ndim, 1)
            expect(d.dtype == dt, name + " dtype", str(d.dtype), np.dtype(dt).name)
            expect(d.shape[0] == n if d.ndim else False, name + " length", d.shape, (n,))
            if name in opt and d.ndim == 1 and d.shape[0] > 0:
                want = [int(v) for v in opt[name].split(",")]
                got = [int(d[0]), int(d[-1])]
                expect(got == want, name + " first,last", got, want)
        for k in ("width", "height"):
            if k in opt:
                got = int(a[k]) if k in a else None
                expect(got == int(opt[k]), "attribute " + k, got, int(opt[k]))
        if "format" in opt:
            got = a["format"] if "format" in a else None
            expect(isinstance(got, str), "attribute format type", type(got).__name__, "str")
            got = s(got) if got is not None else None
            expect(got == opt["format"], "attribute format", got, opt["format"])
    if bad:
        print("\n".join(bad))
        sys.exit(1)
    print("ok %d" % n)


main()
