"""The build's steps run with one OpenBLAS thread (pacte.store.blas), the count restored
after, on success as on failure."""

import numpy as np  # noqa: F401  (loads numpy's OpenBLAS)
import pytest

from pacte import store
from pacte.errors import BuildError
from pacte.store.blas import OneBlasThread, loaded_openblas

#: Libraries may load later (scipy's, when a test imports it): each test lists them anew.
needs_openblas = pytest.mark.skipif(not loaded_openblas(), reason="numpy without OpenBLAS here")


def counts() -> list[int]:
    return [getter() for _setter, getter in loaded_openblas()]


def two_threads() -> list[int]:
    """Each library loaded set to 2 threads (what it then reports: a build may cap it)."""
    libs = loaded_openblas()
    for setter, _getter in libs:
        setter(2)
    base = [getter() for _setter, getter in libs]
    if base == [1] * len(libs):
        pytest.skip("OpenBLAS limited to one thread here")
    return base


@needs_openblas
def test_one_thread_within_then_restored():
    base = two_threads()
    with OneBlasThread() as limit:
        assert limit.again() == len(base) and counts() == [1] * len(base)
    assert counts() == base
    with pytest.raises(RuntimeError), OneBlasThread():
        raise RuntimeError("panne")
    assert counts() == base


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
    assert counts()[:len(base)] == base


@needs_openblas
def test_library_loaded_by_a_step_is_limited_at_the_next_message(fictional_store, tmp_path):
    """A step that loads another OpenBLAS (scipy's: the spatial statistics load it
    mid-build) has it limited at the build's next message; outside a build, ``again``
    limits nothing."""
    from fixtures.conftest_fictional import SNAPSHOT


    base = two_threads()
    seen = []

    def loading(con, say):
        import scipy.linalg  # noqa: F401  (loads scipy's OpenBLAS, if not yet)

        say("étape suivante")
        seen.append(counts())
        return {}

    store.build(tmp_path / "b.duckdb", SNAPSHOT, steps=[loading])
    assert seen and set(seen[0]) == {1} and len(seen[0]) >= len(base)
    assert OneBlasThread().again() == 0 and counts()[:len(base)] == base
