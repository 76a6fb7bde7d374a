"""Building the store: the base tables (``pacte.store``), then the whole catalogue and the
default ranking in the same atomic build, so that readers never recompute. ``current_store``
tells whether a store was built from the current inputs and code (``pacte run`` reuses it)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from pacte import store
from pacte.errors import StoreError
from pacte.settings import default_db_path, package_data
from pacte.store.build import Step


def steps(beside_cards: Step | None = None) -> tuple[Step, ...]:
    """The build steps, in order: the cards read the indicators and the ranking's peers; the
    spatial step (Moran, LISA, candidate basins) reads the ranking. The indicators' step
    also writes the exposure's top industries (``exposure_top``) from the same run of the
    model. Steps run beside others that read none of their tables (:func:`pacte.store.
    build.beside`: a thread, its own DuckDB cursor): « montée en gamme » (the URSSAF jobs
    only) beside the catalogue, mostly single-threaded pandas, after the spatial contiguity
    (the contours only: one DuckDB query a level, :func:`pacte.spatial.weights.queen_sql`,
    0.2 s that releases the GIL). The contiguity ran beside the rankings, taking from their
    1.7 cores (their span, 5 and 4 alternated pairs: 2.38 -> 2.31 s, 2.76 -> 2.55 s); it
    comes first in its thread, before the models' memory grows (after the job series' rows
    the build's peak rose to 434-451 MB; first: 420-434 MB, against 422-426). Beside the
    rankings, whose
    second thread (ZE2020, ZE2010: 0.3 s of CPU) idles while the EPCI's (0.6 + 0.6 s in
    its Monte Carlo's thread) end, then the selection's table, the default rule's audit
    (indicators and census counts only; its 70 MB of draws beside the cards raised the
    build's peak by 40 MB; its run of every source taken from the EPCI ranking's draws,
    :class:`DefaultSteps`); beside both, in a third thread, the cards of the levels
    without a ranking (départements, regions, France: 0.9 s of the cards' 6 s of CPU,
    moved to where the rankings' threads leave a core idle: the audit and contiguity
    after them ended before the ranking in 3 builds of 3, while after the contiguity, in
    the same thread, they ended 0.9-2.1 s after it; 7 builds against main's, medians:
    the rankings' span 2.78 -> 2.98 s, the cards' 4.57 -> 3.74 s, the build's peak 435 ->
    434 MB: the rankings' steps stayed under the catalogue's 424 MB); the spatial
    statistics beside the other cards, whose DuckDB queries and Python leave a core idle
    part of the time (the cards' gzip runs in threads); their JSON rows made ahead by
    DuckDB where a core idles: the job series' beside the catalogue (after the
    diversification matrix), the indicators' beside the rankings (before the unranked
    levels' cards; :mod:`pacte.handlers.card_ahead`). The two spatial steps share the
    contiguity (:class:`SpatialSteps`), the ranking and the audit the draws, the two card
    steps the cards made first (:class:`CardSteps`): a new set for each build.

    ``beside_cards``: a step run after the spatial statistics, beside the ranked levels'
    cards (the build's last 3.5 s, 1.1 cores used): ``pacte run``'s report.

    Their modules are imported here, not with this one's: :func:`build_store` has them
    imported in a thread beside the derive steps (:func:`pacte.store.build.build`)."""
    from pacte.engine.materialise import Catalogue
    from pacte.handlers.card_build import CardSteps
    from pacte.handlers.diversify import write_diversify_matrix
    from pacte.handlers.ranking import SelectionRows
    from pacte.spatial.materialise import SpatialSteps
    from pacte.targeting.audit_store import DefaultSteps

    spatial, ranked, cards = SpatialSteps(), DefaultSteps(), CardSteps()

    def ranking(con, say):
        # the selection's table right after the ranking's tables, beside the contiguity
        # (or the audit's last run) instead of after them; its rows made in the ranking's
        # threads as each level is ranked
        selection = SelectionRows()
        return {**ranked.ranking(con, say, selected=selection.level),
                **selection.write(con, say)}

    return (store.beside(Catalogue(), spatial.contiguity, write_diversify_matrix,
                         cards.jobs_ahead),
            store.beside(ranking, store.beside(cards.unranked, ranked.audit)),
            store.beside(cards.cards, spatial.statistics,
                         *(() if beside_cards is None else (beside_cards,))))


def build_store(db: Path | str | None = None, progress=None, with_fetched: bool = False,
                cache_dir: Path | None = None, beside_cards: Step | None = None,
                **kw) -> dict:
    """Build the store with every derived answer; returns its meta (build hash...).
    ``beside_cards``: a step reading the finished tables but the cards (:func:`steps`);
    its tables, if any, enter the store."""
    return store.build(db, progress=progress, with_fetched=with_fetched, cache_dir=cache_dir,
                       steps=steps if beside_cards is None else partial(steps, beside_cards),
                       **kw)


def current_store(db: Path | str | None = None) -> dict | None:
    """The meta of the store at ``db`` if it was built from the bundled snapshot with the
    current code (same build hash), else None (absent, corrupted, outdated, or built with
    fetched files)."""
    path = Path(db) if db is not None else default_db_path()
    if not path.exists():
        return None
    try:
        with store.connect(path) as con:
            meta = store.read_meta(con)
    except StoreError:
        return None
    expected = store.build_hash(store.read_provenance(package_data()))
    return meta if meta.get("build_hash") == expected else None
