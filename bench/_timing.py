"""Shared timing of the bench scripts (run from the repository root: ``python bench/X.py``)."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """(best wall time in seconds over ``repeat`` runs after one warm-up, last result)."""
    fn()  # warm-up: imports, caches
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out
