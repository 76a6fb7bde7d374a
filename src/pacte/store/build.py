"""Atomic build of the DuckDB store: provenance, build hash, temporary file then rename.

A build writes a temporary file next to the target, validates it, then renames it over the
target (``os.replace`` is atomic on one file system). Any failure removes the temporary file
and leaves the previous store untouched.
"""

from __future__ import annotations

import gc
import glob
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pacte.errors import BuildError, PacteError
from pacte.settings import PACKAGE_DIR, VERSION, default_db_path, package_data, sha256_file
from pacte.store.blas import OneBlasThread
from pacte.store.build_tables import write_epci_history
from pacte.store.early import EarlyWork
from pacte.store.heap import bound_heap, release_duckdb_heap, release_heap, system_arrow_pool
from pacte.store.provenance import write_source_tables


def read_provenance(snap: Path) -> dict:
    path = snap / "PROVENANCE.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BuildError(f"{path} : fichier de provenance illisible ({exc})") from exc


def verify_snapshot(snap: Path, provenance: dict) -> None:
    """Check every table's sha256 against PROVENANCE.json, naming the file at fault."""
    for name, meta in provenance.items():
        path = snap / meta.get("file", f"{name}.parquet")
        if not path.exists():
            raise BuildError(f"{path} : table du snapshot absente")
        sha = sha256_file(path)
        if sha != meta["sha256"]:
            raise BuildError(f"{path} : empreinte sha256 différente de PROVENANCE.json "
                             f"(attendue {meta['sha256'][:12]}…, trouvée {sha[:12]}…)")


def code_fingerprint() -> str:
    """sha256 over the package's Python sources and rules (``*.yaml``: the default ranking
    rule, the law's parameters): changes whenever the code or a rule does."""
    h = hashlib.sha256(VERSION.encode())
    root = PACKAGE_DIR
    for p in sorted([*root.rglob("*.py"), *root.rglob("*.yaml")]):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def build_hash(provenance: dict, extra_inputs: dict[str, str] | None = None) -> str:
    """Hash of the inputs' sha256 and the code: same inputs and code, same hash."""
    h = hashlib.sha256()
    for name in sorted(provenance):
        h.update(f"{name}:{provenance[name]['sha256']}\n".encode())
    for name in sorted(extra_inputs or {}):
        h.update(f"{name}:{extra_inputs[name]}\n".encode())
    h.update(code_fingerprint().encode())
    return h.hexdigest()[:16]


#: Block size of a new store file (bytes; DuckDB's default is 262,144).
BLOCK_SIZE = 65_536

Progress = Callable[[str], None]
Step = Callable[[duckdb.DuckDBPyConnection, Progress], dict | None]
#: The build steps, or a function importing their modules and returning them (called in a
#: thread beside the derive steps, :func:`build`).
Steps = Sequence[Step] | Callable[[], Sequence[Step]]


def beside(main: Step, *side: Step) -> Step:
    """A step running ``main`` on the build's connection while the ``side`` steps run, one
    after another, in a thread on a cursor of it (their own DuckDB connection to the same
    database): steps that read none of each other's tables. Their tables together; the
    first failure raised (``main``'s if both fail), once both are done."""
    from concurrent.futures import ThreadPoolExecutor

    def run_side(cur: duckdb.DuckDBPyConnection, say: Progress) -> dict:
        out: dict = {}
        for step in side:
            out.update(step(cur, say) or {})
        return out

    def step(con: duckdb.DuckDBPyConnection, say: Progress) -> dict:
        cur = con.cursor()
        try:
            with ThreadPoolExecutor(1) as pool:
                future = pool.submit(run_side, cur, say)
                try:
                    out = dict(main(con, say) or {})
                except BaseException:
                    future.exception()  # waits for the side steps
                    raise
                out.update(future.result())
                return out
        finally:
            cur.close()

    step.__name__ = f"{main.__name__}+{'+'.join(s.__name__ for s in side)}"
    # the steps' early work (:class:`EarlyWork`), one after another
    earlies = [e for s in (main, *side) if (e := getattr(s, "early", None)) is not None]
    if earlies:
        def early() -> Callable[[duckdb.DuckDBPyConnection], None]:
            works = [e() for e in earlies]

            def run(cur: duckdb.DuckDBPyConnection) -> None:
                for work in works:
                    work(cur)
            return run
        step.early = early  # type: ignore[attr-defined]
    return step


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    except OSError:
        return False
    return True


def remove_stale_temporaries(db_path: Path) -> list[Path]:
    """Delete the temporary files (``.NAME.PID.tmp`` and its ``.wal``) left next to
    ``db_path`` by builds that were killed: only those whose PID is no longer alive.
    Returns the removed paths."""
    removed = []
    prefix = f".{db_path.name}."
    for p in db_path.parent.glob(f".{glob.escape(db_path.name)}.*.tmp*"):
        rest = p.name[len(prefix):]
        pid_text, _, suffix = rest.partition(".")
        if not pid_text.isdigit() or suffix not in ("tmp", "tmp.wal"):
            continue
        if _pid_alive(int(pid_text)):
            continue
        try:
            p.unlink()
        except OSError:
            continue
        removed.append(p)
    return removed


def check_target(db_path: Path, force: bool = False) -> None:
    """Refuse, before any work, a target the build would destroy or could not write: a
    directory, a file that is not a pacte store (unless ``force``), a read-only folder."""
    from pacte.store.connect import is_store

    if db_path.is_dir():
        raise BuildError(f"{db_path} est un dossier : donnez un nom de fichier pour le store "
                         "(--db CHEMIN/pacte.duckdb)")
    if db_path.exists() and db_path.stat().st_size > 0 and not force and not is_store(db_path):
        raise BuildError(f"{db_path} existe et n'est pas un store pacte lisible : refus de "
                         "l'écraser (rien n'a été modifié). Choisissez un autre --db, ou "
                         "ajoutez --force pour le remplacer")
    parent = db_path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BuildError(f"{parent} : dossier non accessible en écriture, le store "
                         f"{db_path.name} ne peut pas y être construit")


def _derive(con: duckdb.DuckDBPyConnection, snap: Path, prov: dict, say: Progress,
            overrides: dict, steps: Steps, early: EarlyWork | None = None):
    """The derive steps (:func:`pacte.store.derive.run`) on ``con``; the build ``steps``, if
    a function, called (their modules imported) in a thread meanwhile. Returns the derive
    module, the derived tables' rows and the steps. ``early``: the steps' early work,
    started by the derive steps once the jobs table is written (:class:`EarlyWork`).

    Without ``overrides`` (the bundled snapshot), a thread first reads its Parquet tables
    (:func:`pacte.store.reading.preload`) while pandas and the derive module are imported:
    DuckDB's reading releases the GIL, and the imports (~0.55 s of CPU, one core) are no
    longer before it. The steps' modules (the catalogue's, the rankings', the cards': ~0.2 s
    of CPU) are imported beside the derive steps, mostly DuckDB's work. Measured (bundled
    build, per thread, « Lecture du snapshot » to « Territoires »): 0.40 s of CPU on the
    build's thread, 0.56-0.62 s on the others at once; the same CPU time as before in all
    (4 pairs), the derive steps' peak memory 414 -> 421 MB (the build's, later, unchanged)."""
    from concurrent.futures import ThreadPoolExecutor

    from pacte.store.reading import preload

    read = not overrides
    with ThreadPoolExecutor(1) as pool:
        if read:
            say("Lecture du snapshot")
            reading = pool.submit(preload, con, snap, prov)
        collecting = gc.isenabled()
        gc.disable()  # the imports make ~150,000 objects: 0.03-0.04 s of CPU less, of 0.4
        try:
            # pyarrow.pandas_compat: imported on first use by DuckDB's frames, here rather
            # than in the derive steps while the steps' modules import in a thread (a module
            # imported by two threads at once has one wait for the other; within a cycle of
            # imports, Python may raise rather than wait)
            import pyarrow.pandas_compat  # noqa: F401

            from pacte.store import derive as pipeline
        except BaseException:
            if read:
                reading.exception()  # waits for the reading before the connection closes
            raise
        finally:
            if collecting:
                gc.enable()
        if read:
            reading.result()
        system_arrow_pool()
        importing = pool.submit(steps) if callable(steps) else None
        if early is not None:
            early.steps = importing.result if importing is not None else lambda: steps
        try:
            tables = pipeline.run(con, snap, prov, say, overrides, read=read,
                                  early=early.start if early is not None else None)
        except BaseException:
            if importing is not None:
                importing.exception()
            raise
        return pipeline, tables, importing.result() if importing is not None else steps


def build(db_path: Path | None = None, snap: Path | None = None,
          progress: Progress | None = None, with_fetched: bool = False,
          cache_dir: Path | None = None, steps: Steps = (), *,
          force: bool = False, allow_partial: bool = False) -> dict:
    """Build the store at ``db_path`` from the snapshot ``snap``, atomically.

    With ``with_fetched``, the official files fetched by ``pacte fetch`` into the cache
    (``cache_dir``, default ``$PACTE_CACHE`` or the user cache directory) replace the bundled
    tables they cover (the national URSSAF file replaces the Rouen extract); provenance and
    build hash then record the fetched files. ``steps`` run on the new store before its
    validation (``step(con, say) -> {table: rows}``): the indicators and the default
    ranking computed by the layers above enter the store in the same atomic build
    (``steps`` may be a function returning them: called, its modules imported, in a thread
    beside the derive steps). Returns
    the meta dict (build hash, counts). Raises BuildError (or another PacteError) with a
    French message naming the file, row or code at fault; the previous store, if any, is left
    untouched.

    Before any work: a target that is not a pacte store is refused unless ``force``, a
    read-only folder is refused, and the temporary files of killed builds are removed. A
    fetched national file covering under 90 % of communes is refused unless
    ``allow_partial`` (:mod:`pacte.store.fetched`).
    """
    db_path = Path(db_path or default_db_path())
    snap = Path(snap or package_data())
    report = progress or (lambda _msg: None)

    blas = OneBlasThread()  # entered for the steps below

    def say(msg: str) -> None:  # a message starts a step: the previous one's heap freed
        release_heap()
        release_duckdb_heap()
        blas.again()  # during the steps: a library the previous step loaded limited too
        report(msg)

    bound_heap()
    check_target(db_path, force)
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(f"{db_path.parent} : dossier impossible à créer ({exc.strerror})"
                         ) from None
    for stale in remove_stale_temporaries(db_path):
        say(f"Fichier temporaire d'une construction interrompue supprimé : {stale.name}")
    tmp = db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        say("Vérification du snapshot")
        prov = read_provenance(snap)
        verify_snapshot(snap, prov)
        overrides: dict = {}
        if with_fetched:  # fetched official files replace the bundled tables they cover
            from pacte.store.fetched import snapshot_overrides

            system_arrow_pool()
            over = snapshot_overrides(cache_dir, say=say, stream=True,
                                      allow_partial=allow_partial,
                                      n_communes=prov.get("communes", {}).get("rows"))
            prov, overrides = {**prov, **over.provenance}, over.tables
        # DuckDB spills to disk beyond this: the national URSSAF file then builds in ~2 GB;
        # the bundled snapshot's DuckDB work (sorting the jobs table, the cards) fits in 512 MB,
        # which lowers the peak memory at the same build time
        limit = "768MB" if overrides else "512MB"
        # 64 KiB blocks instead of DuckDB's 256 KiB: each of the store's ~45 small tables
        # takes at least one block, so the file is 16 % smaller (real store: 89.7 -> 73.9 MB)
        # for the same reading times
        # memory DuckDB frees goes back to the system between steps (background threads,
        # flushed above 32 MB), instead of being kept by its allocator up to the limit; a
        # bulk release above 32 MB (the jobs table's sort, a dropped temporary table) is
        # flushed at once rather than left to the allocator's decay (~1 s), under which the
        # next step's memory came on top of it (the catalogue's peak: 120 MB more)
        con = duckdb.connect(str(tmp), config={
            "memory_limit": limit, "default_block_size": str(BLOCK_SIZE),
            "allocator_background_threads": True, "allocator_flush_threshold": "32MB",
            "allocator_bulk_deallocation_flush_threshold": "32MB"})
        con.execute("SET enable_progress_bar = false")
        early = EarlyWork()
        try:
            pipeline, tables, steps = _derive(con, snap, prov, say, overrides, steps, early)
            # the build-only tables (pipeline.run made them temporary): what readers need
            tables.update(write_epci_history(con))
            bh = build_hash(prov)
            meta = {"build_hash": bh, "code_version": VERSION,
                    "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "snapshot": str(snap)}
            import pandas as pd  # here: readers import this package without pandas

            prov_df = pd.DataFrame([
                {"table_name": k, "source": v["source"], "vintage": v["vintage"],
                 "origin": v["origin"], "licence": v["licence"], "rows": v["rows"],
                 "sha256": v["sha256"]} for k, v in sorted(prov.items())])
            con.register("prov_df", prov_df)
            con.execute("CREATE TABLE provenance AS SELECT * FROM prov_df")
            write_source_tables(con)  # which of them each source reads (the envelopes)
            meta_df = pd.DataFrame(sorted(meta.items()), columns=["key", "value"])
            con.register("meta_df", meta_df)
            con.execute("CREATE TABLE meta AS SELECT * FROM meta_df")
            # derived answers (indicators, ranking, cards), in the same atomic build; they
            # may carry the envelope (build hash, provenance) written above
            with blas:  # the steps' threads have the cores (pacte.store.blas)
                for step in steps:
                    tables.update(step(con, say) or {})
            early.check()
            rows = {f"rows_{k}": str(v) for k, v in tables.items()}
            con.executemany("INSERT INTO meta VALUES (?, ?)", sorted(rows.items()))
            meta.update(rows)
            say("Validation du store")
            pipeline.validate(con)
            con.execute("CHECKPOINT")
        finally:
            early.close()  # its thread done before the connection closes
            con.close()
        os.replace(tmp, db_path)
        return meta
    except PacteError:
        raise
    except (PermissionError, duckdb.PermissionException) as exc:
        raise BuildError(f"{db_path} : écriture refusée ({exc}) ; le store précédent, s'il "
                         "existe, est intact") from None
    except Exception as exc:  # any other failure: wrap it, name where it happened
        raise BuildError(f"échec de la construction du store ({type(exc).__name__} : {exc}); "
                         f"le store précédent ({db_path}) est intact") from exc
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
