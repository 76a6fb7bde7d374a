"""The build's BLAS threads: one per call while the build's steps run.

The steps already keep both cores busy with their own threads (:func:`pacte.store.build.
beside`, DuckDB's workers). OpenBLAS, which numpy and scipy ship, starts a thread per core
for a matrix product from a few thousand elements and lets it spin, waiting for the next,
on the core the steps' other thread needs: the EPCI typology's silhouette (``D @ onehot``,
squared distances) took 0.31 s of process CPU for 0.13-0.16 s of its thread's, 0.125-0.13
s in all with one BLAS thread (bundled build, measured). Same results: a product's sums are
split the same way whatever the threads (the store built so equals the reference, cmp.py).

The libraries are found the way threadpoolctl finds them: among the shared objects the
process has loaded, by their name and the symbols OpenBLAS exports (numpy's
``scipy_openblas64_``, scipy's ``scipy_openblas``, a system ``openblas``)."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager

#: The symbols' prefixes and suffixes (numpy 2: ``scipy_openblas_set_num_threads64_``;
#: scipy: ``scipy_openblas_set_num_threads``; numpy 1.26: ``openblas_set_num_threads64_``).
_PREFIXES = ("scipy_openblas", "openblas")
_SUFFIXES = ("64_", "", "_64")


def loaded_openblas() -> list[tuple[ctypes._CFuncPtr, ctypes._CFuncPtr]]:
    """(set, get) of the thread count of each OpenBLAS the process has loaded (none on a
    system without ``/proc`` or without OpenBLAS)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split(maxsplit=5)[-1].strip() for line in maps
                            if "openblas" in line.lower() and ".so" in line})
    except OSError:
        return []
    found = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in _PREFIXES:
            for suffix in _SUFFIXES:
                setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    setter.argtypes, setter.restype = [ctypes.c_int], None
                    getter.argtypes, getter.restype = [], ctypes.c_int
                    found.append((setter, getter))
                    break
            else:
                continue
            break
    return found


@contextmanager
def one_blas_thread() -> Iterator[int]:
    """Within: each loaded OpenBLAS computes on the calling thread only; after: its thread
    count as before. Yields how many libraries were limited."""
    libs = loaded_openblas()
    before = [getter() for _setter, getter in libs]
    for setter, _getter in libs:
        setter(1)
    try:
        yield len(libs)
    finally:
        for (setter, _getter), n in zip(libs, before, strict=True):
            setter(n)
