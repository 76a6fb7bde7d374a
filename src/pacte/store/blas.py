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
import functools
import threading

#: The symbols' prefixes and suffixes (numpy 2: ``scipy_openblas_set_num_threads64_``;
#: scipy: ``scipy_openblas_set_num_threads``; numpy 1.26: ``openblas_set_num_threads64_``).
_PREFIXES = ("scipy_openblas", "openblas")
_SUFFIXES = ("64_", "", "_64")


def loaded_openblas() -> list[tuple[ctypes._CFuncPtr, ctypes._CFuncPtr]]:
    """(set, get) of the thread count of each OpenBLAS the process has loaded (none on a
    system without ``/proc`` or without OpenBLAS)."""
    return [fns for path in _paths() if (fns := _functions(path)) is not None]


def _paths() -> list[str]:
    """The files of the OpenBLAS libraries the process has loaded (by their name)."""
    try:
        with open("/proc/self/maps") as maps:
            return sorted({line.split(maxsplit=5)[-1].strip() for line in maps
                           if "openblas" in line.lower() and ".so" in line})
    except OSError:
        return []


@functools.cache
def _functions(path: str) -> tuple[ctypes._CFuncPtr, ctypes._CFuncPtr] | None:
    """(set, get) of the thread count of the OpenBLAS at ``path``, or None."""
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return None
    for prefix in _PREFIXES:
        for suffix in _SUFFIXES:
            setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
            getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            if setter is not None and getter is not None:
                setter.argtypes, setter.restype = [ctypes.c_int], None
                getter.argtypes, getter.restype = [], ctypes.c_int
                return setter, getter
    return None


class OneBlasThread:
    """Within (``with``): each OpenBLAS loaded computes on the calling thread only; after:
    its thread count as before. :meth:`again` limits those loaded since (scipy's is loaded
    by the spatial statistics, mid-build): the build calls it at each step's message, from
    any of its threads (a lock keeps each library's count before the first limit)."""

    def __init__(self) -> None:
        self._before: dict[str, tuple[ctypes._CFuncPtr, int]] = {}
        self._lock = threading.Lock()
        self._active = False

    def again(self) -> int:
        """Limit the libraries loaded since the last call (nothing outside ``with``);
        returns how many are limited."""
        with self._lock:
            if not self._active:
                return 0
            for path in _paths():
                if path not in self._before and (fns := _functions(path)) is not None:
                    setter, getter = fns
                    self._before[path] = (setter, getter())
                    setter(1)
            return len(self._before)

    def __enter__(self) -> OneBlasThread:
        self._active = True
        self.again()
        return self

    def __exit__(self, *_exc) -> None:
        with self._lock:
            self._active = False
            for setter, n in self._before.values():
                setter(n)
            self._before.clear()

