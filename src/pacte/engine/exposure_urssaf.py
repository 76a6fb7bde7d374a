"""The EPCI of the URSSAF file in the exposure model (:mod:`pacte.engine.exposure`): their
start-of-period jobs by WIOD sector from their 732 APE codes (APE -> A38 -> WIOD) instead of
the census « fabrication » function split by the région's mix."""

from __future__ import annotations

import numpy as np

from pacte.engine.exposure import (
    URSSAF_CENSUS,
    WIOD,
    Period,
    _pivot,
    _q,
    _split_key,
    _to_wiod,
)


def urssaf_detail(con, p: Period, emp, total, res, note, src) -> None:
    """Overwrite the URSSAF-covered EPCI with APE -> A38 -> WIOD jobs (in place)."""
    ur = _q(con, """SELECT j.code, n.a38, sum(j.jobs) AS jobs
                    FROM jobs j JOIN naf n ON n.ape = j.sector
                    WHERE j.source = 'urssaf' AND j.level = 'epci' AND j.year = ?
                    GROUP BY ALL""", [p.urssaf])
    if ur.empty:
        return
    a38 = _pivot(ur.fillna({"jobs": 0.0}), "a38").fillna(0.0)
    emp.loc[a38.index] = _to_wiod(a38, _split_key(con, p.start, "a38"))
    cov = _q(con, """SELECT c.epci AS code, sum(r.jobs) AS total FROM jobs r
                     JOIN communes c ON c.code = r.code
                     WHERE r.source = 'rp' AND r.level = 'commune' AND r.sector = 'TOTAL'
                       AND r.year = ? AND r.code IN (SELECT DISTINCT code FROM jobs
                           WHERE source = 'urssaf' AND level = 'commune')
                     GROUP BY 1""", [URSSAF_CENSUS]).set_index("code")["total"]
    n = _q(con, "SELECT code, n_communes, n_covered FROM coverage WHERE level = 'epci'")
    n = n.set_index("code")
    # the census total (all jobs, 2006) can fall below URSSAF's industrial jobs of a year
    # (different sources and dates): the base is then raised to them, and said
    industrial = emp.loc[a38.index].sum(axis=1)
    census = cov.reindex(a38.index)
    raised = set(industrial.index[industrial > census])
    total.loc[a38.index] = np.fmax(census, industrial)
    res.loc[a38.index] = f"732 codes APE -> A38 -> WIOD, URSSAF {p.urssaf}"
    src.loc[a38.index] = f"{WIOD} ; URSSAF {p.urssaf} ; Insee, recensement {URSSAF_CENSUS}"
    for code in a38.index:
        txt = "emploi salarié privé URSSAF"
        if p.urssaf != p.start:
            txt += f" de {p.urssaf} (première année disponible)"
        if code in n.index and n.at[code, "n_covered"] < n.at[code, "n_communes"]:
            txt += (f" ; couverture partielle : {n.at[code, 'n_covered']} communes sur "
                    f"{n.at[code, 'n_communes']}, parts calculées sur les communes couvertes")
        txt += f" ; emploi total : recensement {URSSAF_CENSUS}"
        if code in raised:
            txt += (" (inférieur aux emplois industriels URSSAF : base portée à ces "
                    "emplois)")
        note.loc[code] = txt
