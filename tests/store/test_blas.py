"""The build's steps run with one OpenBLAS thread (pacte.store.blas), the count restored
after, on success as on failure."""

import numpy as np  # noqa: F401  (loads numpy's OpenBLAS)
import pytest

from pacte import store
from pacte.errors import BuildError
from pacte.store.blas import loaded_openblas, one_blas_thread

LIBS = loaded_openblas()
needs_openblas = pytest.mark.skipif(not LIBS, reason="numpy without OpenBLAS here")


def counts() -> list[int]:
    return [getter() for _setter, getter in loaded_openblas()]


def two_threads() -> list[int]:
    """Each library set to 2 threads (what it then reports: a build may cap it)."""
    for setter, _getter in LIBS:
        setter(2)
    base = [getter() for _setter, getter in LIBS]
    if base == [1] * len(LIBS):
        pytest.skip("OpenBLAS limited to one thread here")
    return base


@needs_openblas
def test_one_thread_within_then_restored():
    base = two_threads()
    with one_blas_thread() as n:
        assert n == len(LIBS) and counts()[:n] == [1] * n
    assert counts()[:len(LIBS)] == base
    with pytest.raises(RuntimeError), one_blas_thread():
        raise RuntimeError("panne")
    assert counts()[:len(LIBS)] == base


@needs_openblas
@pytest.mark.parametrize("error", [None, ValueError("panne de l'étape")])
def test_build_steps_see_one_blas_thread(fictional_store, tmp_path, error):
    """Every step of a build computes with one BLAS thread; the process's count is back
    after the build, built or failed."""
    from fixtures.conftest_fictional import SNAPSHOT

    base = two_threads()
    seen = []

    def step(con, say):
        seen.append(counts())
        if error is not None:
            raise error
        return {}

    db = tmp_path / "b.duckdb"
    if error is None:
        store.build(db, SNAPSHOT, steps=[step, step])
    else:
        with pytest.raises(BuildError, match="panne de l'étape"):
            store.build(db, SNAPSHOT, steps=[step])
    assert seen and all(c and set(c) == {1} for c in seen)
    assert counts()[:len(LIBS)] == base
