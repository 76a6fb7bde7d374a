"""``pacte profile``: the one-page profile of a territory (HTML, PDF or JSON), or of every
territory of a level (``--all``, with a progress bar).

Registered on the main Typer app by ``pacte.cli.main`` (``register(app)``).
"""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pacte.cli.common import DbOpt, err, friendly
from pacte.errors import InvalidParameterError
from pacte.geography import PROFILE_LEVELS


class ProfileFormat(StrEnum):
    html = "html"
    pdf = "pdf"
    json = "json"


def _all(con, level: str, fmt: ProfileFormat, out: Path) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from pacte.handlers.profile import profile
    from pacte.report.profile import write_profile

    codes = [r[0] for r in con.execute("SELECT code FROM territory WHERE level = ? ORDER BY code",
                                       [level]).fetchall()]
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeRemainingColumn(), console=err) as bar:
        task = bar.add_task(f"Profils ({level})", total=len(codes))
        for code in codes:
            write_profile(con, profile(con, code, level), fmt.value, out / f"{code}.{fmt.value}")
            bar.advance(task)
    err.print(f"{len(codes)} profils écrits dans {out} ({time.perf_counter() - t0:.0f} s)")


def register(app: typer.Typer) -> None:
    """Add ``pacte profile`` to ``app``."""


    @app.command("profile")
    @friendly
    def profile_cmd(
        code: Annotated[str | None, typer.Argument(
            help="Code (SIREN d'EPCI, code de zone d'emploi, de département, de région) ou nom "
            "exact.")] = None,
        level: Annotated[str | None, typer.Option(
            "--level", "-l", help=f"Niveau : {', '.join(PROFILE_LEVELS)}.")] = None,
        fmt: Annotated[ProfileFormat, typer.Option(
            "--format", "-f", help="html, pdf ou json.")] = ProfileFormat.pdf,
        out: Annotated[Path | None, typer.Option(
            "--out", "-o", help="Fichier de sortie (dossier avec --all ; défaut : "
            "profil_CODE.pdf, ou la sortie standard en json).")] = None,
        all_: Annotated[bool, typer.Option(
            "--all", help="Tous les territoires du niveau (--level), un fichier chacun dans "
            "le dossier --out.")] = False,
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
            if level not in PROFILE_LEVELS:
                raise InvalidParameterError(f"pas de profil au niveau {level!r} (niveaux : "
                                            f"{', '.join(PROFILE_LEVELS)})")
            if fmt is ProfileFormat.json:
                raise InvalidParameterError("--all écrit des profils html ou pdf")
            with store.connect(db) as con:
                _all(con, level, fmt, out)
            return
        if code is None:
            raise InvalidParameterError("indiquez un code de territoire (ou --all --level "
                                        "NIVEAU --out DOSSIER)")
        with store.connect(db) as con:
            with err.status("Profil…"):
                ans = profile(con, code, level)
                if fmt is ProfileFormat.json and out is None:
                    sys.stdout.write(render_json(ans))
                    return
                path = out or Path(f"profil_{ans.data['territory']['code']}.{fmt.value}")
                write_profile(con, ans, fmt.value, path)
        err.print(f"Profil de {ans.data['territory']['name']} écrit dans {path}")
