#!/usr/bin/env python3
"""Compare two vixrisk run files: every dataset and every attribute bit for bit, except the
attributes that record when, where and how fast a run ran (the schema's timing attributes:
wall_seconds, marks_build_seconds, utc_time, ranks, and run --stages' stage_seconds,
stage_threads, stage_wall_seconds, but not its stage_counts, which are the same for any threads
and ranks; threads, which only says how many threads each rank used; command_line and overrides, which record the invocation: its output name
and --threads differ between the runs compared, and mpi_run.py checks them on its own). Exit 0
when equal, 1 with the first differences listed.

usage: h5same.py A.h5 B.h5"""
import os, sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import h5walk  # noqa: E402  (tests/h5walk.py)

SKIP = {"wall_seconds", "marks_build_seconds", "utc_time", "ranks", "threads", "command_line",
        "overrides", "stage_seconds", "stage_threads", "stage_wall_seconds"}


def same_value(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind in "fiu":
        return a.tobytes() == b.tobytes()  # bits: NaN equals NaN, -0 differs from 0
    return bool(np.all(a == b))


def compare(fa, fb):
    bad = []
    ia, ib = h5walk.objects(fa), h5walk.objects(fb)
    if sorted(ia) != sorted(ib):
        bad.append(f"objects differ: only in A {sorted(set(ia) - set(ib))[:5]}, "
                   f"only in B {sorted(set(ib) - set(ia))[:5]}")
    for name in ["/"] + sorted(set(ia) & set(ib)):
        oa, ob = (fa, fb) if name == "/" else (ia[name], ib[name])
        ka = {k for k in oa.attrs if k not in SKIP}
        kb = {k for k in ob.attrs if k not in SKIP}
        if ka != kb:
            bad.append(f"{name}: attributes differ: {sorted(ka ^ kb)}")
        for k in sorted(ka & kb):
            if not same_value(oa.attrs[k], ob.attrs[k]):
                bad.append(f"{name}@{k}: {oa.attrs[k]!r} != {ob.attrs[k]!r}")
        if h5walk.is_dataset(oa):
            if not same_value(oa[...], ob[...]):
                bad.append(f"{name}: dataset values differ")
    return bad


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with h5py.File(sys.argv[1], "r") as fa, h5py.File(sys.argv[2], "r") as fb:
        bad = compare(fa, fb)
    for line in bad[:20]:
        print("h5same: " + line)
    if bad:
        print(f"h5same: {sys.argv[1]} and {sys.argv[2]} differ ({len(bad)} differences)")
        return 1
    print(f"h5same: {sys.argv[1]} and {sys.argv[2]} are the same")
    return 0


if __name__ == "__main__":
    sys.exit(main())
