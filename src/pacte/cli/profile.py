"""``pacte profile``: the one-page profile of a territory (HTML, PDF or JSON), or of every
territory of a level (``--all``, with a progress bar).

Registered on the main Typer app by ``pacte.cli.main`` (``register(app)``).
"""

from __future__ import annotations

import gc
import os
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pacte.cli.common import DbOpt, err, friendly
from pacte.errors import InvalidParameterError, PacteError
from pacte.geography import PROFILE_LEVELS, Level, check_level


class ProfileFormat(StrEnum):
    html = "html"
    pdf = "pdf"
    json = "json"


#: The worker's store connection (one per process, opened read-only by ``_init``).
_WORKER: dict = {}


def _init(db: str | None) -> None:
    """Open the store; the cyclic garbage collector runs once after each profile
    (:func:`_collect`) rather than whenever allocations pile up."""
    from pacte import store

    gc.disable()
    _WORKER["con"] = store.connect(db)


#: Profiles between two collections of the whole heap (:func:`_collect`).
THAW_EVERY = 100


def _collect() -> None:
    """Free the cycles a profile left (WeasyPrint's boxes, matplotlib's artists) and freeze
    what survives (modules, fonts, the store's caches, the lines of text
    :mod:`pacte.report.pdf_text` keeps), which the next collections do not scan again.
    Left to its thresholds, the collector scanned that heap about 14 times per 10 profiles:
    57 ms per EPCI profile, against 8 ms with one freezing after the first profile (CPU,
    measured with ``gc.callbacks``). The lines kept grow by about 120 per profile: frozen
    once, the collection went from 17 to 83 ms per profile over 80 EPCI profiles (9,336
    lines), frozen after each profile 10 to 13 ms. Every :data:`THAW_EVERY` profiles the
    whole heap is collected once, which frees what died after being frozen (a chart's
    artists, replaced on the figure the next profile reuses...: 13,275 objects after 50
    EPCI profiles never thawed)."""
    count = _WORKER["profiles"] = _WORKER.get("profiles", 0) + 1
    if count % THAW_EVERY == 0:
        gc.unfreeze()
    gc.collect()
    gc.freeze()
    _WORKER["frozen"] = True


def _one(code: str, level: str, fmt: str, out: str) -> tuple[str, str | None]:
    """Write one profile; (code, None) or (code, French error message): a failure names its
    territory and does not stop the others."""
    from pacte.handlers.profile import profile
    from pacte.report.profile import write_profile

    try:
        con = _WORKER["con"]
        write_profile(con, profile(con, code, level), fmt, Path(out) / f"{code}.{fmt}")
    except Exception as exc:  # noqa: BLE001 - reported per territory, the others go on
        return code, f"{type(exc).__name__} : {exc}"
    finally:
        _collect()
    return code, None


def write_all(db: str | None, level: str, fmt: str, out: Path, jobs: int | None = None,
              codes: list[str] | None = None, progress: bool = True
              ) -> tuple[list[str], dict[str, str]]:
    """Every profile of ``level`` (or of ``codes``) written to ``out`` by ``jobs`` worker
    processes (default: the number of CPUs; 1: in this process), each opening the store
    read-only once. Returns (codes written, {code: error message})."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from pacte import store

    with store.connect(db) as con:
        names = dict(con.execute("SELECT code, name FROM territory WHERE level = ? "
                                 "ORDER BY code", [level]).fetchall())
    codes = list(names) if codes is None else codes
    out.mkdir(parents=True, exist_ok=True)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(codes) or 1))
    done, failed = [], {}
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeRemainingColumn(), console=err.rich(),
                  disable=not progress) as bar:
        task = bar.add_task(f"Profils ({level}, {jobs} processus)", total=len(codes))

        def record(code: str, why: str | None) -> None:
            if why:
                failed[code] = why
            else:
                done.append(code)
            bar.advance(task)

        if jobs == 1:
            enabled = gc.isenabled()
            _init(db)
            try:
                for code in codes:
                    record(*_one(code, level, fmt, str(out)))
            finally:
                _WORKER.pop("con").close()
                _WORKER.pop("profiles", None)
                if _WORKER.pop("frozen", False):
                    gc.unfreeze()
                if enabled:
                    gc.enable()
        else:
            import multiprocessing  # here: every other command starts without it
            from concurrent.futures import ProcessPoolExecutor, as_completed

            ctx = multiprocessing.get_context("spawn")  # no DuckDB handle crosses a fork
            with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init,
                                     initargs=(db,)) as pool:
                futures = {pool.submit(_one, c, level, fmt, str(out)): c for c in codes}
                for fut in as_completed(futures):
                    try:
                        record(*fut.result())
                    except Exception as exc:  # noqa: BLE001 - a worker died: name the code
                        record(futures[fut], f"processus interrompu ({exc})")
    return done, {c: f"{names.get(c, c)} ({c}) : {why}" for c, why in failed.items()}


def _all(db, level: str, fmt: ProfileFormat, out: Path, jobs: int | None) -> None:
    t0 = time.perf_counter()
    done, failed = write_all(None if db is None else str(db), level, fmt.value, out, jobs)
    err.print(f"{len(done)} profils écrits dans {out} ({time.perf_counter() - t0:.0f} s)")
    if failed:
        lines = "\n".join(f"  {why}" for why in failed.values())
        raise PacteError(f"{len(failed)} profil(s) non écrit(s) :\n{lines}")


def register(app: typer.Typer) -> None:
    """Add ``pacte profile`` to ``app``."""


    @app.command("profile")
    @friendly
    def profile_cmd(
        code: Annotated[str | None, typer.Argument(
            help="Code (SIREN d'EPCI, code de zone d'emploi, de département, de région) ou nom "
            "exact.")] = None,
        level: Annotated[str | None, typer.Option(
            "--level", "-l", help=f"Niveau : {', '.join(PROFILE_LEVELS)}, bassin.")] = None,
        fmt: Annotated[ProfileFormat, typer.Option(
            "--format", "-f", help="html, pdf ou json.")] = ProfileFormat.pdf,
        out: Annotated[Path | None, typer.Option(
            "--out", "-o", help="Fichier de sortie (dossier avec --all ; défaut : "
            "profil_CODE.pdf, ou la sortie standard en json).")] = None,
        all_: Annotated[bool, typer.Option(
            "--all", help="Tous les territoires du niveau (--level), un fichier chacun dans "
            "le dossier --out.")] = False,
        jobs: Annotated[int | None, typer.Option(
            "--jobs", "-j", min=1, help="Avec --all : nombre de processus (défaut : nombre "
            "de processeurs).")] = None,
        db: DbOpt = None,
    ) -> None:
        """Profil d'un territoire sur une ou deux pages A4 : identité, chiffres clés face à la
        France et aux territoires semblables, emploi industriel, chaînes de valeur,
        mondialisation, classement et sources."""
        from pacte import store
        from pacte.handlers.profile import profile
        from pacte.report.profile import render_json, write_profile

        if all_:
            if code is not None:
                raise InvalidParameterError("--all ne prend pas de code de territoire")
            if level is None or out is None:
                raise InvalidParameterError("--all demande --level NIVEAU et --out DOSSIER")
            check_level(level, PROFILE_LEVELS, "pour un profil")
            if fmt is ProfileFormat.json:
                raise InvalidParameterError("--all écrit des profils html ou pdf")
            _all(db, level, fmt, out, jobs)
            return
        if code is None:
            raise InvalidParameterError("indiquez un code de territoire (ou --all --level "
                                        "NIVEAU --out DOSSIER)")
        if level == Level.BASSIN:  # a candidate basin (B001...): its own profile
            from pacte.handlers.basins import basin
            from pacte.report.basin import write_basin_profile
            with store.connect(db) as con:
                ans = basin(con, code)
                if fmt is ProfileFormat.json and out is None:
                    sys.stdout.write(render_json(ans))
                    return
                path = write_basin_profile(con, ans, fmt.value,
                                           out or Path(f"profil_{code}.{fmt.value}"))
            err.print(f"Profil de {ans.data['basin']['name']} écrit dans {path}")
            return
        with store.connect(db) as con:
            with err.status("Profil…"):
                ans = profile(con, code, level)
                if fmt is ProfileFormat.json and out is None:
                    sys.stdout.write(render_json(ans))
                    return
                path = out or Path(f"profil_{ans.data['territory']['code']}.{fmt.value}")
                write_profile(con, ans, fmt.value, path)
        err.print(f"Profil de {ans.data['territory']['name']} écrit dans {path}")
