"""The build's memory: what the process's allocators (glibc's heap, DuckDB's jemalloc,
Arrow's pool) hold once freed, given back to the system between and within the build's steps
(the build's peak memory is one of the issue's targets: 450 MB for the bundled build)."""

from __future__ import annotations

import functools

#: Allocations from this size up get their own memory map (glibc's ``M_MMAP_THRESHOLD``),
#: given back to the system when freed. glibc's default threshold rises with each large
#: buffer freed (up to 32 MB): the cards' JSON and gzip bytes, the catalogue's arrays then
#: stayed in the heap, freed but held, under the next ones (bundled build, measured: the
#: catalogue step's peak 692 -> 636 MB, the cards' 685 -> 583 MB, the same CPU time).
MMAP_THRESHOLD = 1 << 20


def bound_heap() -> None:
    """Large buffers mapped on their own (:data:`MMAP_THRESHOLD`), for the rest of the
    process (glibc only; nothing elsewhere)."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD


def release_heap() -> None:
    """Give the heap's free memory back to the system (glibc's ``malloc_trim``; nothing
    elsewhere): a step's freed buffers otherwise stay in the process under the next step's
    (40-180 MB at the build's step boundaries, measured). About 0.1 ms."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def release_duckdb_heap() -> None:
    """Give the memory DuckDB freed back to the system now: its allocator (jemalloc) keeps
    freed pages for a second (its decay), so that a run of queries held the last second's
    working memory on top of everything else (bundled build, measured: 90 MB held at the
    cards' start for 15 MB in use; 70-130 MB through the cards' queries). Purges every
    arena of DuckDB's jemalloc through the ``mallctl`` its extension module exports; nothing
    when it does not (another build of DuckDB, another system). About 1 ms."""
    ctl = _duckdb_mallctl()
    if ctl is not None:
        ctl(b"arena.4096.purge", None, None, None, 0)  # 4096: MALLCTL_ARENAS_ALL


@functools.cache
def _duckdb_mallctl():
    """``mallctl`` of the jemalloc bundled in DuckDB's extension module, or None."""
    import ctypes
    import sys

    # the extension module duckdb loaded: ``_duckdb`` (DuckDB 1.4 on), ``duckdb.duckdb`` before
    module = sys.modules.get("_duckdb") or sys.modules.get("duckdb.duckdb")
    try:
        ctl = ctypes.CDLL(module.__file__).duckdb_je_mallctl
    except (AttributeError, OSError, TypeError):
        return None
    ctl.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                    ctypes.c_size_t]
    ctl.restype = ctypes.c_int
    return ctl


@functools.cache
def _libc():
    """glibc, or None (another C library, another system)."""
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim, libc.mallopt  # noqa: B018  (glibc's, absent elsewhere)
    except (OSError, AttributeError):
        return None
    return libc


def system_arrow_pool() -> None:
    """The build's frames (Arrow text) freed between steps go back to the system: Arrow's
    default pool (mimalloc) kept them, the process then holding ~130 MB more."""
    import pyarrow as pa  # here: readers import this package without pyarrow

    pa.set_memory_pool(pa.system_memory_pool())
