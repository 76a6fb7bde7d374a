"""Editorial condensation of the printed profile (the "fiche territoire" on two A4 pages):
short units, notes renumbered and abridged, sources grouped by licence. The full texts stay
in the HTML annex and in ``--format json``."""

from __future__ import annotations

import re

#: Units shortened in the printed tables (the annex keeps the catalogue's unit).
SHORT_UNITS = {"milliers de dollars US courants par emploi": "k$ courants / emploi",
               "milliers de dollars US courants (non déflatés) par emploi":
                   "k$ courants / emploi",
               "emplois (modèle)": "emplois (modèle)",
               "équipements pour 10 000 habitants": "pour 10 000 hab.",
               "points (équipements pour 10 000 habitants)": "points",
               "euros par habitant": "€ / hab.", "emplois": "emplois"}
#: Label endings dropped in print (the unit says it) and prefixes the group title says.
LABEL_TAILS = (", pour 10 000 habitants", " par habitant")
LABEL_HEADS = ("Shift-share : ",)
NOTE_CHARS, SOURCE_CHARS, VINTAGE_CHARS, RESOLUTION_CHARS = 95, 52, 30, 48
#: Reference tables (codes, names, compositions, crosswalks, contours of the map): named in
#: one line of the printed sources, with their licences; vintages in the annex and the JSON.
REFERENCE_TABLES = ("cog_codes", "commune_passage", "commune_splits", "commune_supracom",
                    "commune_ze2010", "territory_names", "naf", "wiod_crosswalk_a17",
                    "wiod_crosswalk_a38", "wiod_sector_labels", "wiod_low_wage",
                    "contours_epci", "contours_ze2020", "contours_dep", "contours_reg")


def short_unit(unit: str) -> str:
    """The unit as printed after a label ('' for %, shown with the figure)."""
    if unit == "%":
        return ""
    return SHORT_UNITS.get(unit, unit)


def source_short(name: str) -> str:
    """A job source's or model's name without its parenthesis ('chaînes de valeur')."""
    return name.split(" (")[0]


def short_label(label: str) -> str:
    for tail in LABEL_TAILS:
        if label.endswith(tail):
            label = label[: -len(tail)]
    for head in LABEL_HEADS:
        if label.startswith(head):
            label = label[len(head):]
            label = label[:1].upper() + label[1:]
    return label


def cut(text: str, limit: int) -> str:
    """``text`` cut at a word boundary before ``limit`` characters, with an ellipsis."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    head = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:(")
    return head + "\u00a0…"  # no-break space: the ellipsis never wraps alone


def abridge(note: str, limit: int = NOTE_CHARS) -> str:
    """A note's first sentences up to ``limit`` characters (the first one cut otherwise)."""
    note = " ".join(note.split())
    if len(note) <= limit:
        return note
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-ZÉÈÀ])", note)
    out = ""
    for s in sentences:
        if len(out) + len(s) + 1 > limit:
            break
        out = f"{out} {s}".strip()
    return out or cut(note, limit)


def print_notes(families: list[dict], texts: list[str]) -> tuple[list[str], dict[int, int]]:
    """The notes the printed figures cite, in order of first citation, abridged and
    deduplicated, and the map from the answer's note numbers to the printed ones."""
    renum: dict[int, int] = {}
    out: list[str] = []
    for fam in families:
        for g in fam["groups"]:
            for row in g["headline"]:
                for n in row["notes"]:
                    if n in renum or not 1 <= n <= len(texts):
                        continue
                    short = abridge(texts[n - 1])
                    if short not in out:
                        out.append(short)
                    renum[n] = out.index(short) + 1
    return out, renum


def _top_split(text: str) -> list[str]:
    """``text`` split at the commas, colons and semicolons outside parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "(«"
        depth -= ch in ")»"
        if depth == 0 and ch in ",:;":
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return [p for p in [*parts, cur.strip()] if p]


def short_source(text: str) -> str:
    """The producer and the data set of a source text ('Insee, Base permanente des
    équipements (BPE)'), without the processing details."""
    parts = _top_split(text)
    head = parts[0]
    if len(head) < 25 and len(parts) > 1:  # a producer alone: add the data set
        head = f"{head}, {parts[1]}"
    return cut(head, SOURCE_CHARS)


def references(sources: list[dict]) -> dict:
    """The reference tables of the envelope in one line: {names, licences}."""
    refs = [s for s in sources if s.get("table") in REFERENCE_TABLES]
    names = dict.fromkeys(cut(_top_split(str(s.get("source") or s["table"]))[0], 40)
                          for s in refs)
    return {"names": list(names),
            "licences": list(dict.fromkeys(str(s.get("licence") or "") for s in refs))}


def sources_by_licence(sources: list[dict]) -> list[dict]:
    """The envelope's data sources (not the reference tables) grouped by licence, each data
    set once with its vintages: [{licence, sets: [{source, vintage}]}], the most cited
    licence first."""
    groups: dict[str, dict[str, list[str]]] = {}
    for s in sources:
        if s.get("table") in REFERENCE_TABLES:
            continue
        items = groups.setdefault(str(s.get("licence") or "non précisée"), {})
        vint = items.setdefault(short_source(str(s.get("source") or s.get("table"))), [])
        v = cut(str(s.get("vintage") or ""), VINTAGE_CHARS)
        if v and v not in vint:
            vint.append(v)
    out = [{"licence": lic, "sets": [{"source": k, "vintage": " ; ".join(v)}
                                      for k, v in items.items()]}
           for lic, items in groups.items()]
    return sorted(out, key=lambda g: -len(g["sets"]))


def resolutions_text(resolutions: list[dict]) -> list[dict]:
    """One resolution per source (the first, abridged) and how many others the annex
    lists."""
    by: dict[str, list[str]] = {}
    for r in resolutions:
        by.setdefault(r["source_name"], []).append(r["resolution"])
    return [{"source_name": k, "resolution": cut(v[0], RESOLUTION_CHARS), "more": len(v) - 1}
            for k, v in by.items()]


def pair_changes(rows: list[dict]) -> tuple[list[dict], dict | None]:
    """Level figures and their change printed side by side (``equip_X_per10k`` beside
    ``equip_X_change``: one line per domain instead of two) when at least two pairs share
    a label head ('Équipements : ...') and their periods; the other rows unchanged."""
    pairs = []
    for r in rows:
        ind = r["indicator"]
        if not ind.endswith("_change"):
            continue
        stem = ind[: -len("_change")] + "_"
        lv = next((x for x in rows if x["indicator"].startswith(stem)
                   and not x["indicator"].endswith("_change")), None)
        if lv is not None and " : " in lv["label"]:
            pairs.append((lv, r))
    heads = {lv["label"].split(" : ")[0] for lv, _ in pairs}
    periods = {(lv["period"], ch["period"], lv["unit"]) for lv, ch in pairs}
    if len(pairs) < 2 or len(heads) != 1 or len(periods) != 1:
        return rows, None
    used = {r["indicator"] for p in pairs for r in p}
    level_period, change_period, unit = periods.pop()
    out = []
    for lv, ch in pairs:
        domain = short_label(lv["label"].split(" : ", 1)[1])
        out.append({"label": domain[:1].upper() + domain[1:], "level": lv, "change": ch})
    return [r for r in rows if r["indicator"] not in used], {
        "title": heads.pop(), "unit": short_unit(unit), "level_period": level_period,
        "change_period": change_period, "rows": out,
        "change_unit": short_unit(pairs[0][1]["unit"]),
        "notes": sorted({n for _, ch in pairs for n in ch["notes"]})}
