#!/usr/bin/env python3
"""Make the inputs of the DVS-gesture case (README.md): a synthetic recording in
the DvsGesture format and a network in NIR.

  gestures.aedat       AEDAT 3.1 from a DVS128 (128 x 128), like the DvsGesture
                       dataset's files: three gestures of 1.2 s each, 0.4 s apart
                       (a hand clap: two blobs meeting and parting; a right-hand
                       wave; a left-hand wave), events where a moving blob's edge
                       passes (ON ahead, OFF behind), timestamps jittered within 1 ms
  gestures_labels.csv  the DvsGesture label file of those three segments
                       (class, startTime_usec, endTime_usec; classes 1, 2, 3)
  network.nir          the layers of the gesture networks converted for Loihi
                       (a 32 x 32 input; 3 x 3 convolutions of 16 (stride 2), 32, 64
                       and 11 channels; 11 outputs: the network SANA-FE validates on
                       Loihi), integrate-and-fire neurons, weights drawn at random
                       (the trained ones are not published): a stand-in for the
                       mapping, the activity and the cost, not a classifier

Deterministic (fixed seeds); needs numpy and h5py (python3-numpy, python3-h5py).
Run from anywhere: python3 scenarios/cases/dvs_gesture_loihi/make_case.py
"""
import os
import struct

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
W = H = 128


def disk(cx, cy, r):
    yy, xx = np.mgrid[0:H, 0:W]
    return (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r


def blobs(kind, t):
    """Centres of the blobs of gesture kind at time t in [0, 1] (s of the gesture / 1.2)."""
    ph = 2 * np.pi * 2.5 * t  # two and a half cycles
    if kind == 1:  # clap: two hands meet in the middle and part
        d = 30 * abs(np.cos(ph / 2))
        return [(64 - 6 - d, 64), (64 + 6 + d, 64)]
    if kind == 2:  # right hand waves left-right on the right
        return [(92 + 16 * np.sin(ph), 48)]
    return [(36 + 16 * np.sin(ph), 48)]  # left hand wave


def make_recording(seed=3):
    rng = np.random.RandomState(seed)
    events = []
    labels = []
    t0 = 400_000  # the recording starts 0.4 s before the first gesture
    for kind in (1, 2, 3):
        start, dur = t0, 1_200_000
        prev = None
        for ms in range(dur // 1000):
            img = np.zeros((H, W), bool)
            for cx, cy in blobs(kind, ms / (dur / 1000)):
                img |= disk(cx, cy, 9)
            if prev is not None:
                for pol, mask in ((1, img & ~prev), (0, prev & ~img)):
                    ys, xs = np.nonzero(mask)
                    keep = rng.rand(len(xs)) < 0.7
                    for x, y in zip(xs[keep], ys[keep]):
                        events.append((start + ms * 1000 + int(rng.randint(0, 1000)), x, y, pol))
            prev = img
        labels.append((kind, start, start + dur))
        t0 = start + dur + 400_000
    events.sort()
    return events, labels


def write_aedat3(path, events, per_packet=4096):
    with open(path, "wb") as f:
        f.write(b"#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n"
                b"#Start-Time: 2026-12-07 00:00:00 (TZ+0000)\r\n#!END-HEADER\r\n")
        for i in range(0, len(events), per_packet):
            chunk = events[i:i + per_packet]
            ovf = chunk[0][0] >> 31
            n = len(chunk)
            # type 1 (polarity), source 1, event size 8, ts offset 4, overflow, capacity,
            # number, valid
            f.write(struct.pack("<HHiiiiii", 1, 1, 8, 4, ovf, n, n, n))
            for t, x, y, p in chunk:
                f.write(struct.pack("<Ii", (x << 17) | (y << 2) | (p << 1) | 1, t & 0x7FFFFFFF))


def write_str(group, name, text):
    group.create_dataset(name, data=text, dtype=h5py.string_dtype("utf-8"))


def make_nir(path, seed=5):
    rng = np.random.RandomState(seed)
    convs = [  # name, in shape (C, H, W), out channels, stride, weight mean and SD
        ("conv1", (1, 32, 32), 16, 2, 0.45, 0.25),
        ("conv2", (16, 15, 15), 32, 1, 0.0, 0.12),
        ("conv3", (32, 13, 13), 64, 1, -0.01, 0.08),
        ("conv4", (64, 11, 11), 11, 1, -0.01, 0.06),
    ]
    with h5py.File(path, "w") as f:
        write_str(f, "version", "0.2.0")
        node = f.create_group("node")
        write_str(node, "type", "NIRGraph")
        nodes = node.create_group("nodes")
        names = ["input"]
        g = nodes.create_group("input")
        write_str(g, "type", "Input")
        g.create_dataset("shape", data=np.array([1, 32, 32], dtype=np.int64))
        shape = None
        for name, (c, h, w), oc, st, mean, sd in convs:
            g = nodes.create_group(name)
            write_str(g, "type", "Conv2d")
            g.create_dataset("weight", data=rng.normal(mean, sd, (oc, c, 3, 3)).astype(np.float32))
            g.create_dataset("bias", data=np.zeros(oc, dtype=np.float32))
            g.create_dataset("stride", data=np.array([st, st], dtype=np.int64))
            g.create_dataset("padding", data=np.array([0, 0], dtype=np.int64))
            g.create_dataset("dilation", data=np.array([1, 1], dtype=np.int64))
            g.create_dataset("groups", data=np.int64(1))
            g.create_dataset("input_shape", data=np.array([h, w], dtype=np.int64))
            shape = (oc, (h - 3) // st + 1, (w - 3) // st + 1)
            n = name + "_if"
            g = nodes.create_group(n)
            write_str(g, "type", "IF")
            g.create_dataset("r", data=np.ones(shape, dtype=np.float32))
            g.create_dataset("v_threshold", data=np.ones(shape, dtype=np.float32))
            names += [name, n]
        g = nodes.create_group("flat")
        write_str(g, "type", "Flatten")
        g.create_dataset("start_dim", data=np.int64(0))
        g.create_dataset("end_dim", data=np.int64(-1))
        g.create_dataset("input_type", data=np.array(shape, dtype=np.int64))
        g = nodes.create_group("dense")
        write_str(g, "type", "Affine")
        g.create_dataset("weight", data=rng.normal(0.0, 0.08, (11, int(np.prod(shape)))).astype(np.float32))
        g.create_dataset("bias", data=np.zeros(11, dtype=np.float32))
        g = nodes.create_group("dense_if")
        write_str(g, "type", "IF")
        g.create_dataset("r", data=np.ones(11, dtype=np.float32))
        g.create_dataset("v_threshold", data=np.ones(11, dtype=np.float32))
        g = nodes.create_group("output")
        write_str(g, "type", "Output")
        g.create_dataset("shape", data=np.array([11], dtype=np.int64))
        names += ["flat", "dense", "dense_if", "output"]
        edges = [[names[i], names[i + 1]] for i in range(len(names) - 1)]
        node.create_dataset("edges", data=np.array(edges, dtype=object),
                            dtype=h5py.string_dtype("utf-8"))


if __name__ == "__main__":
    ev, lab = make_recording()
    write_aedat3(os.path.join(HERE, "gestures.aedat"), ev)
    with open(os.path.join(HERE, "gestures_labels.csv"), "w") as f:
        f.write("class,startTime_usec,endTime_usec\n")
        for c, a, b in lab:
            f.write(f"{c},{a},{b}\n")
    make_nir(os.path.join(HERE, "network.nir"))
    print(f"gestures.aedat: {len(ev)} events, {len(lab)} gestures; network.nir written")
