"""French words and number formatting: one home for what users read.

Levels' names, column headers, A5 sector names and the French number format (narrow
no-break space for thousands, decimal comma) are defined here and nowhere else.
"""

from __future__ import annotations

import math
import sys

#: French labels of the territorial levels.
LEVEL_LABELS = {
    "commune": "commune", "epci": "intercommunalité (EPCI)", "ze2020": "zone d'emploi 2020",
    "ze2010": "zone d'emploi 2010", "dep": "département", "reg": "région", "fr": "France",
}
#: Plural short names of the levels, for titles ("Classement des EPCI").
LEVEL_PLURALS = {
    "commune": "communes", "epci": "EPCI", "ze2020": "zones d'emploi 2020",
    "ze2010": "zones d'emploi 2010", "dep": "départements", "reg": "régions", "fr": "France",
}

#: The five A5 sectors (ESTEL, quarterly estimates).
A5_LABELS = {"AZ": "Agriculture", "BE": "Industrie", "FZ": "Construction",
             "GU": "Tertiaire marchand", "OQ": "Tertiaire non marchand", "TOTAL": "Total"}

#: Domains of the INSEE permanent equipment base (BPE), as pacte groups its types.
BPE_DOMAIN_LABELS = {
    "business_services": "services aux entreprises", "personal_services":
    "services aux particuliers", "transport": "transports", "education":
    "enseignement et formation", "health": "santé et action sociale", "retail": "commerces",
    "other": "sports, loisirs, culture et tourisme"}

#: French column headers for what users read in tables.
COLUMN_LABELS = {
    "code": "Code", "name": "Nom", "level": "Niveau", "population": "Population",
    "n_communes": "Communes", "nature": "Nature", "fiscal_regime": "Régime fiscal",
    "population_dgcl": "Population DGCL", "population_gap": "Écart DGCL",
    "density_class": "Classe de densité", "dominant_density_class": "Classe de densité dominante",
    "urban_share": "Part urbaine", "area_type": "Type d'espace", "source": "Source",
    "source_label": "Source", "resolution": "Résolution", "scheme": "Nomenclature",
    "period": "Période", "year": "Année", "sector": "Secteur", "jobs": "Emplois",
    "n_missing": "Communes manquantes", "estimate": "Estimation", "partial": "Couverture partielle",
    "value": "Valeur", "unit": "Unité", "indicator": "Indicateur", "national": "France",
    "rural_typology": "Typologie ANCT", "label": "Libellé", "id": "Identifiant",
    "vintage": "Millésime", "format": "Format", "licence": "Licence", "url": "Adresse",
    "cache": "Cache", "store": "Store", "rank": "Rang", "score": "Score", "note": "Note",
    "family": "Famille",
}

#: French headers of the ranking columns (dimension columns are added from the rule).
RANKING_LABELS = {
    "rank": "Rang", "code": "Code", "name": "Nom", "score": "Score",
    "rank_low": "Rang le meilleur (5e centile)", "rank_high": "Rang le moins bon (95e centile)",
    "area_type": "Type d'espace", "type": "Type de territoire",
    "top_dimension": "Dimension principale", "reg": "Code région", "reg_name": "Région",
    "population": "Population", "n_imputed": "Valeurs imputées",
    "peers": "Territoires les plus semblables", "selected": "Sélectionné",
    "eligible": "Éligible", "eligibility_note": "Motif de non-éligibilité",
    "eligible_rank": "Rang parmi les éligibles",
    "p_top": "Probabilité d'être dans les N premiers", "tier": "Palier",
    "imputed_note": "Données imputées", "region_rank": "Rang régional",
}

ATTRIBUTION = ("Sources : Insee, URSSAF, DGCL, ANCT, ARCEP, IGN (Licence Ouverte / Etalab 2.0), "
               "WIOD (CC-BY, Timmer et al. 2015) ; traitement pacte")


def fr_number(x, decimals: int = 0) -> str:
    """French number format: narrow no-break space for thousands, comma for decimals;
    "—" for a missing value, "oui"/"non" for booleans; never "-0"."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if isinstance(x, bool):
        return "oui" if x else "non"
    if isinstance(x, int | float):
        if isinstance(x, float) and math.isinf(x):
            return "∞" if x > 0 else "-∞"
        s = f"{x:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
        if s.startswith("-") and not any(c in "123456789" for c in s):
            s = s[1:]
        return s
    np = sys.modules.get("numpy")  # a numpy scalar means numpy is loaded: never import it
    if np is not None and isinstance(x, np.generic):
        return fr_number(x.item(), decimals)
    return str(x)


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """"1 territoire", "1 255 territoires" (French thousands separator)."""
    word = singular if abs(n) < 2 else (plural_form or singular + "s")
    return f"{fr_number(n)} {word}"


def upper_first(text: str) -> str:
    """The first letter in upper case, the rest untouched ("EPCI" stays "EPCI"; str.capitalize
    would give "Epci")."""
    return text[:1].upper() + text[1:]


def fr_ordinal(n: int) -> str:
    """French ordinal with a superscript suffix: "1er", "2ᵉ", "218ᵉ", "1 255ᵉ"."""
    n = int(n)
    return "1er" if n == 1 else f"{fr_number(n)}\u1d49"


def fr_rank(rank: int, total: int) -> str:
    """"218ᵉ sur 1 255": a rank among ``total`` territories."""
    return f"{fr_ordinal(rank)} sur {fr_number(int(total))}"


def fr_bool(x) -> str:
    """"oui" / "non" (a missing value is "—")."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return "oui" if bool(x) else "non"


def fr_duration(seconds: float) -> str:
    """A duration as a French reader writes it: "0,8 s", "26 s", "1 min 05 s", "2 h 03 min"."""
    s = float(seconds)
    if s < 10:
        return f"{fr_number(s, 1)} s"
    if s < 60:
        return f"{round(s):d} s"
    m, sec = divmod(round(s), 60)
    if m < 60:
        return f"{m} min {sec:02d} s"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")


def fr_datetime(value, with_time: bool = True) -> str:
    """An ISO date or timestamp (string or datetime) in French: "6 décembre 2026 à 12 h 40 UTC"
    ("1er décembre 2026" without time). Unparseable text is returned unchanged."""
    import datetime as dt

    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if not isinstance(value, dt.date):
        return str(value)
    day = "1er" if value.day == 1 else str(value.day)
    text = f"{day} {MONTHS[value.month - 1]} {value.year}"
    if with_time and isinstance(value, dt.datetime):
        tz = " UTC" if value.utcoffset() == dt.timedelta(0) else ""
        text += f" à {value.hour} h {value.minute:02d}{tz}"
    return text


def with_unit(label: str, unit: str | None) -> str:
    """A label and its unit without nested brackets: "Indice de Krugman (0 à 2)", not
    "Indice de Krugman (indice (0 à 2))"."""
    unit = (unit or "").strip()
    if not unit:
        return label
    if unit.startswith("indice (") and unit.endswith(")"):
        unit = unit[len("indice ("):-1]
    elif unit.startswith("(") and unit.endswith(")"):
        unit = unit[1:-1]
    return f"{label} ({unit})"


def count_title(n: int, singular: str = "territoire", plural_form: str | None = None) -> str:
    """"1 territoire", "1 255 territoires": the counts in titles."""
    return plural(int(n), singular, plural_form)


def ranking_title(level: str, n: int | None = None) -> str:
    """"Classement des EPCI", "Classement des zones d'emploi 2020 : 306 territoires"."""
    plural_name = LEVEL_PLURALS.get(level, level)
    article = "de la" if level == "fr" else "des"
    title = f"Classement {article} {plural_name}"
    return title if n is None else f"{title} : {count_title(n)}"


def ranking_headers(columns, dimensions: dict[str, str] | None = None) -> dict[str, str]:
    """Column -> French header for a ranking table, with the rule's dimension labels."""
    out = dict(RANKING_LABELS)
    for dim_id, label in (dimensions or {}).items():
        out[f"dim_{dim_id}"] = f"Score : {label}"
        out[f"contrib_{dim_id}"] = f"Contribution : {label}"
    return {c: out.get(c, c) for c in columns}


#: Unit of the jobs that a model computes (value chains, jobs at risk): shown to two
#: significant figures in texts and tables (:func:`fr_value`).
MODELLED_JOBS = "emplois (modèle)"


def round_significant(x: float, digits: int = 2) -> float:
    """``x`` rounded to ``digits`` significant figures (NaN, infinities and 0 unchanged):
    the precision of a modelled figure in text and tables (full precision stays in csv,
    json and parquet)."""
    x = float(x)
    if not math.isfinite(x) or x == 0:
        return x
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def fr_modelled(x, digits: int = 2) -> str:
    """A modelled figure (jobs of an input-output model, jobs at risk) in French, to
    ``digits`` significant figures: 2 871,73 -> « 2 900 », -116,4 -> « -120 »."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    r = round_significant(float(x), digits)
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(r))))) if r else 0
    return fr_number(r, decimals)


def fr_value(value, unit: str = "", decimals: int = 2) -> str:
    """A figure in French, rounded by its unit: modelled jobs (:data:`MODELLED_JOBS`) to two
    significant figures, counted jobs to the unit, percentages to one decimal, others to
    ``decimals``; "—" when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == MODELLED_JOBS:
        return fr_modelled(value)
    if unit == "emplois":
        return fr_number(float(value), 0)
    if unit == "%":
        return fr_number(float(value), 1)
    return fr_number(float(value), decimals)
