#!/usr/bin/env python3
"""Generate the small inputs the bundled scenarios read, so that they run from a
fresh clone with nothing beside it:

  digit_nmnist.bin  a synthetic event-camera recording in the N-MNIST binary
                    format (34 x 34 pixels, 40-bit events): a drawn digit moved
                    along the three saccades of the N-MNIST recordings (about
                    100 ms each), with events where the log intensity of a pixel
                    changes by more than a contrast threshold;
  cnn_nmnist.nir    a NIR graph with the layers of the NIR paper's N-MNIST CNN
                    (Conv2d 2->16 k5 s2, IF, Conv2d 16->16 k3, IF, SumPool 2,
                    Conv2d 16->8 k3, IF, SumPool 2, Flatten, Affine 128->256,
                    IF, Affine 256->10, IF), its weights drawn at random with
                    the mean and spread of trained ones, layer by layer: a
                    stand-in, not a classifier.

Deterministic (fixed seeds); needs numpy and h5py (Debian's python3-numpy and
python3-h5py). Run from anywhere: python3 scenarios/data/make_samples.py
"""
import os

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def glyph(size=28):
    """A '3' drawn with strokes of width ~3 px on a size x size canvas, in [0, 1]."""
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    img = np.zeros((size, size))
    def arc(cx, cy, r, a0, a1):
        ang = np.arctan2(yy - cy, xx - cx)
        d = np.abs(np.hypot(xx - cx, yy - cy) - r)
        inside = (ang >= a0) & (ang <= a1)
        return np.where(inside, np.clip(1.6 - d, 0, 1), 0)
    img = np.maximum(img, arc(13, 8.5, 5.5, -np.pi, np.pi / 2))
    img = np.maximum(img, arc(13, 19, 6, -np.pi / 2, np.pi))
    return img


def shift(img, dx, dy, out=34):
    """img placed at (3 + dx, 3 + dy) on an out x out canvas, bilinear."""
    canvas = np.zeros((out, out))
    h, w = img.shape
    x0, y0 = 3 + dx, 3 + dy
    ix, iy = int(np.floor(x0)), int(np.floor(y0))
    fx, fy = x0 - ix, y0 - iy
    for oy, ox, wgt in ((0, 0, (1 - fx) * (1 - fy)), (0, 1, fx * (1 - fy)),
                        (1, 0, (1 - fx) * fy), (1, 1, fx * fy)):
        ys, xs = iy + oy, ix + ox
        y_lo, x_lo = max(ys, 0), max(xs, 0)
        y_hi, x_hi = min(ys + h, out), min(xs + w, out)
        if y_hi > y_lo and x_hi > x_lo:
            canvas[y_lo:y_hi, x_lo:x_hi] += wgt * img[y_lo - ys:y_hi - ys, x_lo - xs:x_hi - xs]
    return canvas


def make_recording(path, seed=7):
    rng = np.random.RandomState(seed)
    g = glyph()
    # three saccades of 100 ms: a triangle of about 3 px, as the N-MNIST camera moved
    corners = [(0.0, 0.0), (1.5, 3.0), (3.0, 0.0), (0.0, 0.0)]
    threshold = 0.3                       # log-intensity contrast of one event
    ref = np.log(0.05 + shift(g, 0, 0))   # each pixel's last event level
    events = []
    for t_us in range(1000, 300001, 1000):
        seg = min((t_us - 1) // 100000, 2)
        a = (t_us - seg * 100000) / 100000.0
        (x0, y0), (x1, y1) = corners[seg], corners[seg + 1]
        level = np.log(0.05 + shift(g, x0 + a * (x1 - x0), y0 + a * (y1 - y0)))
        diff = level - ref
        for pol, mask in ((1, diff >= threshold), (0, diff <= -threshold)):
            ys, xs = np.nonzero(mask)
            for y, x in zip(ys, xs):
                n = int(abs(diff[y, x]) // threshold)
                for k in range(n):
                    events.append((t_us - 1000 + int(rng.randint(0, 1000)), x, y, pol))
                ref[y, x] += (1 if pol else -1) * n * threshold
    events.sort()
    with open(path, "wb") as f:
        for t, x, y, p in events:
            f.write(bytes([x, y, (p << 7) | ((t >> 16) & 0x7F), (t >> 8) & 0xFF, t & 0xFF]))
    return len(events)


def write_str(group, name, text):
    group.create_dataset(name, data=text, dtype=h5py.string_dtype("utf-8"))


def make_nir(path, seed=11):
    rng = np.random.RandomState(seed)
    layers = [  # name, type, params
        ("0", "Conv2d", dict(weight=(16, 2, 5, 5), mean=-0.013, std=0.24, stride=2, padding=1, input_shape=(34, 34))),
        ("1", "IF", dict(shape=(16, 16, 16))),
        ("2", "Conv2d", dict(weight=(16, 16, 3, 3), mean=-0.007, std=0.21, stride=1, padding=1, input_shape=(16, 16))),
        ("3", "IF", dict(shape=(16, 16, 16))),
        ("4", "SumPool2d", {}),
        ("5", "Conv2d", dict(weight=(8, 16, 3, 3), mean=-0.010, std=0.18, stride=1, padding=1, input_shape=(8, 8))),
        ("6", "IF", dict(shape=(8, 8, 8))),
        ("7", "SumPool2d", {}),
        ("8", "Flatten", {}),
        ("9", "Affine", dict(weight=(256, 128), mean=-0.025, std=0.17)),
        ("10", "IF", dict(shape=(256,))),
        ("11", "Affine", dict(weight=(10, 256), mean=-0.029, std=0.15)),
        ("12", "IF", dict(shape=(10,))),
    ]
    with h5py.File(path, "w") as f:
        write_str(f, "version", "0.2.0")
        node = f.create_group("node")
        write_str(node, "type", "NIRGraph")
        nodes = node.create_group("nodes")
        names = ["input"] + [l[0] for l in layers] + ["output"]
        edges = [[names[i], names[i + 1]] for i in range(len(names) - 1)]
        node.create_dataset("edges", data=np.array(edges, dtype=object),
                            dtype=h5py.string_dtype("utf-8"))
        g = nodes.create_group("input")
        write_str(g, "type", "Input")
        g.create_dataset("shape", data=np.array([2, 34, 34], dtype=np.int64))
        g = nodes.create_group("output")
        write_str(g, "type", "Output")
        g.create_dataset("shape", data=np.array([10], dtype=np.int64))
        for name, kind, p in layers:
            g = nodes.create_group(name)
            write_str(g, "type", kind)
            if kind in ("Conv2d", "Affine"):
                # the mean and spread of trained weights of this network
                w = rng.normal(p["mean"], p["std"], size=p["weight"]).astype(np.float32)
                g.create_dataset("weight", data=w)
                g.create_dataset("bias", data=np.zeros(p["weight"][0], dtype=np.float32))
            if kind == "Conv2d":
                for k, v in (("stride", p["stride"]), ("padding", p["padding"]), ("dilation", 1)):
                    g.create_dataset(k, data=np.array([v, v], dtype=np.int64))
                g.create_dataset("groups", data=np.int64(1))
                g.create_dataset("input_shape", data=np.array(p["input_shape"], dtype=np.int64))
            elif kind == "IF":
                g.create_dataset("r", data=np.ones(p["shape"], dtype=np.float32))
                g.create_dataset("v_threshold", data=np.ones(p["shape"], dtype=np.float32))
            elif kind == "SumPool2d":
                for k, v in (("kernel_size", 2), ("stride", 2), ("padding", 0)):
                    g.create_dataset(k, data=np.array([v, v], dtype=np.int64))
            elif kind == "Flatten":
                g.create_dataset("start_dim", data=np.int64(0))
                g.create_dataset("end_dim", data=np.int64(-1))
                g.create_dataset("input_type", data=np.array([8, 4, 4], dtype=np.int64))


if __name__ == "__main__":
    n = make_recording(os.path.join(HERE, "digit_nmnist.bin"))
    make_nir(os.path.join(HERE, "cnn_nmnist.nir"))
    print(f"digit_nmnist.bin: {n} events; cnn_nmnist.nir written")
