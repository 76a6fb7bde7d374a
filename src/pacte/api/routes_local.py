"""Routes of a territory's local finances (DCRTP on the real OFGL REI amounts) and of its
diversification paths (« montée en gamme »). Both need files fetched by ``pacte fetch`` and
loaded by ``pacte build --with-fetched``; without them the finance block answers
``available: false`` with the French how-to, and the other routes a 422 naming the command.
Registered in :data:`pacte.api.app.ROUTERS`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from pacte.api import schemas as S
from pacte.api.response import JSON, answer
from pacte.api.routes import Cur
from pacte.api.schemas import Envelope
from pacte.handlers import Answer, envelope

router = APIRouter(prefix="/api")
Code = Annotated[str, Path(max_length=12, pattern=r"^[0-9AB]{4,9}$", examples=["200023414"])]


@router.get("/finances/{code}", summary="Finances locales d'un territoire "
            "(DCRTP et FNGIR réels du REI, ou comment les obtenir)",
            response_model=Envelope[S.Finances])
def finances(cur: Cur, code: Code) -> JSON:
    from pacte.handlers.dcrtp_territory import finances_block, has_rei

    meta = envelope(cur, ["ofgl_rei"] if has_rei(cur) else [])
    return answer(Answer(finances_block(cur, code), meta))


@router.get("/simulate/dcrtp/{code}", summary="Minoration de la DCRTP pour un territoire "
            "(montants réels du REI, OFGL)", response_model=Envelope[S.TerritoryDcrtp])
def simulate_dcrtp_territory(
    cur: Cur, code: Code,
    year: Annotated[int | None, Query(ge=2017, le=2100)] = None,
    cut: Annotated[float | None, Query(ge=0, le=1e10, description="Minoration en euros.")
                   ] = None,
    stage: Annotated[str | None, Query(pattern="^(lfi|plf|senat)$")] = None,
) -> JSON:
    from pacte.handlers.dcrtp_territory import territory_dcrtp

    return answer(territory_dcrtp(cur, code, year, cut, stage))


@router.get("/diversify/{code}", summary="Montée en gamme : spécialisations, complexité et "
            "activités à développer (fichier national URSSAF)",
            response_model=Envelope[S.Diversify])
def diversify(
    cur: Cur, code: Code,
    level: Annotated[str, Query(pattern="^(epci|ze2020)$")] = "epci",
    industries: Annotated[str, Query(pattern="^(a88|a38|ape)$")] = "a88",
    year: Annotated[int | None, Query(ge=2006, le=2100)] = None,
    top: Annotated[int, Query(ge=1, le=200)] = 15,
) -> JSON:
    from pacte.handlers.diversify import diversify as handler

    ans = handler(cur, code, level, industries, year, top)
    data = {k: v for k, v in ans.data.items() if k != "industries"}
    return answer(ans, data)


@router.get("/crisis/{code}", summary="Crise 2008-2012 d'un EPCI activité par activité "
            "(détail APE de l'URSSAF, ou la mesure grossière qui en tient lieu)",
            response_model=Envelope[list[S.CrisisRow]])
def crisis(
    cur: Cur, code: Code,
    industries: Annotated[str, Query(pattern="^(a88|ape)$")] = "a88",
    top: Annotated[int, Query(ge=1, le=1000)] = 10,
) -> JSON:
    from pacte.handlers.crisis import crisis_industries

    return answer(crisis_industries(cur, code, industries, top))
