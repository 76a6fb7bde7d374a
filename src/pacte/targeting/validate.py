"""Checking a ranking against a list of territories: a programme's list, a
regional selection... How well does the score put the listed territories first?

Pure calculations:

- :func:`calc_auc`: area under the ROC curve by the rank sum (Mann-Whitney U / n1 n0): the
  probability that a listed territory scores above an unlisted one, ties counting half
  (Hanley & McNeil 1982);
- :func:`calc_precision_recall`: precision and recall in the top ``k`` (default: k = the
  number of listed territories found in the ranking, so both are equal);
- :func:`calc_validation`: both, overall, by région and by nature, with the listed
  territories ranked lowest and the unlisted ranked highest.

:func:`map_codes` maps the list onto the territories of the level through the geography:
current codes as they are; at EPCI level an older EPCI SIREN (2008-2024) through its
communes, their current codes and their current EPCI, weighted by population (the current
EPCI holding most of the old one's population: table ``epci_history``, written by the build,
:func:`pacte.store.build_tables.write_epci_history`);
a commune code to its EPCI. The rest is returned, to be named in French.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from pacte.errors import StoreError

#: How a listed code was found (French, shown in every output).
HOW_CURRENT = "code en vigueur"


def calc_auc(scores: np.ndarray, member: np.ndarray) -> float:
    """AUC of ``scores`` (higher = more of a priority) for the boolean ``member``, by the rank
    sum with average ranks for ties (a tie between a member and a non-member counts 1/2).
    NaN when either group is empty."""
    scores, member = np.asarray(scores, float), np.asarray(member, bool)
    n1, n0 = int(member.sum()), int((~member).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    r = pd.Series(scores).rank(method="average").to_numpy()
    return float((r[member].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def calc_precision_recall(rank: np.ndarray, member: np.ndarray, k: int | None = None
                          ) -> tuple[float, float, int]:
    """(precision, recall, k) of the top ``k`` ranks (1 = first) for ``member``; ``k``
    defaults to the number of members."""
    rank, member = np.asarray(rank), np.asarray(member, bool)
    k = int(member.sum()) if k is None else int(k)
    if k < 1 or not member.any():
        return float("nan"), float("nan"), k
    hits = int((member & (rank <= k)).sum())
    return hits / k, hits / int(member.sum()), k


def calc_validation(ranked: pd.DataFrame, members: set[str], n_listed: int, n_show: int = 10
                    ) -> dict:
    """Validation of ``ranked`` (columns code, name, rank, score, reg_name, optionally
    nature) against the codes ``members``: ``auc``, ``n_listed``, ``n_matched``,
    ``precision_at_k``, ``recall_at_k``, ``k``, ``by_region`` and ``by_nature`` (DataFrames:
    group, n, n_listed, auc), ``members_lowest`` and ``others_highest`` (DataFrames)."""
    member = ranked["code"].isin(members).to_numpy()
    score, rank = ranked["score"].to_numpy(float), ranked["rank"].to_numpy()
    prec, rec, k = calc_precision_recall(rank, member)

    def by(col: str) -> pd.DataFrame:
        if col not in ranked:
            return pd.DataFrame(columns=["group", "n", "n_listed", "auc"])
        rows = []
        for g, idx in ranked.groupby(col, dropna=False).indices.items():
            rows.append({"group": "—" if pd.isna(g) else g, "n": len(idx),
                         "n_listed": int(member[idx].sum()),
                         "auc": calc_auc(score[idx], member[idx])})
        return pd.DataFrame(rows).sort_values("group").reset_index(drop=True)

    cols = [c for c in ("rank", "code", "name", "score", "reg_name", "nature") if c in ranked]
    order = np.argsort(rank, kind="stable")
    lowest = ranked.iloc[order[member[order]][::-1][:n_show]][cols]
    highest = ranked.iloc[order[~member[order]][:n_show]][cols]
    return {"auc": calc_auc(score, member), "n_listed": int(n_listed),
            "n_matched": int(member.sum()), "precision_at_k": prec, "recall_at_k": rec,
            "k": k, "by_region": by("reg_name"), "by_nature": by("nature"),
            "members_lowest": lowest.reset_index(drop=True),
            "others_highest": highest.reset_index(drop=True)}


def map_codes(con, level: str, codes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """(found, unknown): ``found`` has columns listed, code (territory of ``level``), how
    (French); ``unknown`` the listed codes that nothing maps."""
    listed = list(dict.fromkeys(codes))
    current = {c for (c,) in con.execute("SELECT code FROM territory WHERE level = ?",
                                         [level]).fetchall()}
    rows = [{"listed": c, "code": c, "how": HOW_CURRENT} for c in listed if c in current]
    rest = [c for c in listed if c not in current]
    if level == "epci" and rest:
        pos = {c: i for i, c in enumerate(rest)}
        try:
            old = con.execute("SELECT listed, year, code, share FROM epci_history WHERE "
                              "listed IN (SELECT * FROM unnest(?))", [rest]).fetchall()
        except duckdb.CatalogException:
            raise StoreError("ce store ne contient pas l'historique des EPCI (store d'une "
                             "version antérieure) — relancez « pacte build »") from None
        com = con.execute("""SELECT code, epci FROM communes WHERE code IN
                             (SELECT * FROM unnest(?)) AND epci IS NOT NULL""",
                          [rest]).fetchall()
        old.sort(key=lambda r: pos[r[0]])
        com.sort(key=lambda r: pos[r[0]])
        for item, year, code, share in old:
            if code in current:
                part = "" if share > 0.999 else f", {share:.0%} de sa population".replace(
                    "%", "\u202f%")
                rows.append({"listed": item, "code": code,
                             "how": f"ancien EPCI ({year}) → EPCI actuel{part}"})
        for item, code in com:
            if code in current:
                rows.append({"listed": item, "code": code, "how": "commune → son EPCI"})
    found = pd.DataFrame(rows, columns=["listed", "code", "how"])
    done = set(found["listed"])
    return found, [c for c in listed if c not in done]
