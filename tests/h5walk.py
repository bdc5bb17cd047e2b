"""h5walk.py: every object of an HDF5 file, for the test scripts that look at the whole of a
vixrisk run file: tests/extreme/extreme.py (no float dataset or attribute anywhere may be NaN or
Inf) and tests/mpi/h5same.py (two files have the same objects with the same bits). One walk, so
that both see the same objects: the root group and every group and dataset below it, at any depth.

    import h5walk
    for name, obj in h5walk.walk(f):       # ("/", f) first, then by path
        ...
    h5walk.objects(f)                      # {path: object} below the root"""
import h5py


def objects(f):
    """Every group and dataset below the root of the open file (or group) f: {path: object}."""
    out = {}

    def visit(name, obj):
        out[name] = obj  # visititems stops at the first callback that returns something

    f.visititems(visit)
    return out


def walk(f):
    """The root as ("/", f), then (path, object) for every group and dataset below it, sorted."""
    below = objects(f)
    return [("/", f)] + [(name, below[name]) for name in sorted(below)]


def is_dataset(obj):
    return isinstance(obj, h5py.Dataset)
