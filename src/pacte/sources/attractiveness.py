"""Anchoring-asset sources: INSEE BPE equipment per commune, ARCEP fibre deployment, ANCT
barometer files (very-high-speed eligibility, NEET, productive functions, CIF), State
investment grants (DETR/DSIL 2018, DETR/DSIL/DSID 2019) and the census diploma IRIS base.

Each ``parse_*`` reads one official file and returns a tidy frame with string codes; a bad
cell raises :class:`~pacte.errors.ParseError` naming the file, the line and the value.

BPE domains
-----------
The pivoted BPE files count each equipment type by its French label. Every label is put in
one of seven groups (:data:`BPE_DOMAINS`). Five follow INSEE's BPE domains: commerce (B),
enseignement et formation (C), santé et action sociale (D), transports (E), and sports,
loisirs, culture et tourisme (F and G, kept apart as ``other``). INSEE's domain A (services
aux particuliers) is split in two by pacte: **services aux entreprises** = the services
firms buy or use (building trades A4, temporary-work agencies, banks, vehicle rental and
repair of cars and farm machinery, Pôle emploi, commercial courts and prud'hommes); the rest
of A (public services, post, justice except commerce/prud'hommes, personal services) are
**services aux particuliers**. Opticians are counted as commerce (as in later BPE
vintages). Labels are compared without accents and case ("Ecole"/"École"); a label absent
from the table raises ParseError, so no equipment is silently dropped.

``n_common`` counts only the types published in both 2009 and 2013 (renamed types are
matched: opticien-lunetier / magasin d'optique, Pôle emploi / its four 2013 types,
trésorerie / DGFIP-DDFIP-DRFIP, SET / SGT...); types first published in 2013
(:data:`NEW_IN_2013`: airports, stations, courts, maisons de santé...) are left out of it so
that a change 2009-2013 is not a change of nomenclature.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from pacte.errors import ParseError
from pacte.labels import BPE_DOMAIN_LABELS
from pacte.sources._csv import (
    first_bad,
    parse_fr_numbers,
    read_header,
    read_table,
    require_columns,
)
from pacte.sources.diplomas import COLUMNS as DIPLOMA_COLUMNS
from pacte.sources.diplomas import LEVELS_2017, LEVELS_OLD
from pacte.sources.geo import COMMUNE_RE, EPCI_RE

#: group -> French label (what users read)
_BPE = {
    "business_services": "agence de travail temporaire|banque, caisse d'epargne|entreprise "
    "generale du batiment|macon|platrier peintre|menuisier, charpentier, serrurier|plombier, "
    "couvreur, chauffagiste|electricien|location automobiles, utilitaires legers|reparation "
    "automobile et de materiel agricole|pole emploi|agence de proximite pole emploi|relais "
    "pole emploi|permanence pole emploi|agence specialisee|tribunal de commerce (tco)|"
    "conseil de prud'hommes (cph)",
    "personal_services": "police|gendarmerie|tresorerie|direction generale des finances "
    "publiques (dgfip)|direction departementale des finances publiques (ddfip)|direction "
    "regionale des finances publiques (drfip)|cour d'appel (ca)|tribunal de grande instance "
    "(tgi)|tribunal d'instance (ti)|bureau de poste|agence postale communale|relais poste "
    "commercant|relais (rsp) et maison (msp) de service public|point d'information et de "
    "mediation multiservices (piims)|espace public numerique et autre|pompes funebres|"
    "coiffure|soins de beaute|blanchisserie-teinturerie|agence de voyages|agence immobiliere|"
    "restaurant|veterinaire|ecole de conduite|controle technique automobile",
    "transport": "taxi|aeroport|gare avec train a grande vitesse (tagv)|gare sous convention "
    "avec l'etat|gare sous convention avec les conseils regionaux ou les stif",
    "education": "ecole maternelle|ecole elementaire|classe maternelle de regroupement "
    "pedagogique intercommunal (rpi|classe elementaire de regroupement pedagogique "
    "intercommunal (rp|college|lycee d'enseignement general et/ou technologique|lycee "
    "d'enseignement professionnel|lycee technique et/ou professionnel agricole|sgt : section "
    "enseignement general et technologique|set : section enseignement technologique|sep : "
    "section enseignement professionnel|section technicien superieur, classe preparatoire aux"
    " grandes ec|ufr|institut universitaire|ecole d'ingenieurs|enseignement general superieur "
    "prive|autres enseignements superieurs|autre formation post bac non universitaire|"
    "formation sante|formation commerce|formation aux metiers du sport|centre de formation "
    "d'apprentis (hors agriculture)|centre de formation d'apprentis agricole|greta|formation "
    "professionnelle continue agricole|autres formations continues|residence universitaire|"
    "restaurant universitaire",
    "health": "adultes handicapes : hebergement|adultes handicapes : services|enfants "
    "handicapes : hebergement|enfants handicapes : soins a domicile|enfants handicapes : "
    "services a domicile ou ambulatoires|aide sociale a l'enfance : action educative|aide "
    "sociale a l'enfance : hebergement|ambulance|audio prothesiste|autres etablissements|"
    "centre accueil demandeur d'asile|centre de sante|centre lutte cancer|centre medecine "
    "preventive|centre provisoire d'hebergement|chirurgien dentiste|chrs : centre "
    "d'hebergement et de reinsertion sociale|dialyse|ergotherapeute|etablissement lutte "
    "contre l'alcoolisme|etablissement psychiatrique avec hebergement|etablissement sante "
    "court sejour|etablissement sante long sejour|etablissement sante moyen sejour|"
    "etablissement thermal|garde d'enfant d'age prescolaire|hospitalisation a domicile|"
    "infirmier|laboratoire d'analyses medicales|maison de sante pluridisciplinaire|masseur "
    "kinesitherapeute|maternite|medecin omnipraticien|orthophoniste|orthoptiste|"
    "pedicure-podologue|personnes agees : foyer restaurant|personnes agees : hebergement|"
    "personnes agees : services d'aide|personnes agees : services de repas a domicile|"
    "personnes agees : soins a domicile|pharmacie|psychomotricien|sage-femme|specialiste en "
    "cardiologie|specialiste en dermatologie venereologie|specialiste en gastro-enterologie|"
    "specialiste en gynecologie medicale|specialiste en gynecologie obstetrique|specialiste "
    "en ophtalmologie|specialiste en oto-rhino-laryngologie|specialiste en pediatrie|"
    "specialiste en pneumologie|specialiste en psychiatrie|specialiste en radiodiagnostic et "
    "imagerie medicale|specialiste en stomatologie|structures psychiatriques en ambulatoire|"
    "transfusion sanguine|travail protege|urgences",
    "retail": "hypermarche|supermarche|superette|epicerie|boulangerie|boucherie charcuterie|"
    "produits surgeles|poissonnerie|grande surface de bricolage|droguerie quincaillerie "
    "bricolage|librairie papeterie journeaux|magasin de vetements|magasin de chaussures|"
    "magasin d'electromenager et de materiel audio-video|magasin de meubles|magasin "
    "d'equipements du foyer|magasin d'articles de sports et de loisirs|magasin de revetements"
    " murs et sols|horlogerie bijouterie|fleuriste|parfumerie|opticien-lunetier|magasin "
    "d'optique|station service",
    "other": "athletisme|baignade amenagee|bassin de natation|boucle de randonnee|boulodrome|"
    "camping homologue|centre equestre|cinema|domaine skiable|equipement de cyclisme|hotel "
    "homologue|information touristique|parcours sportif|plateau exterieur ou salle "
    "multisports|port de plaisance - mouillage|roller-skate-velo bicross et freestyle|salle "
    "de combat|salle de terrains de petits jeux|salle ou terrain de petits jeux|salle non "
    "specialise|salle ou terrain specialise|sports de glace|sports nautiques|tennis|terrain "
    "de golf|terrains de grands jeux|theatre",
}
#: normalised BPE label -> group
BPE_DOMAINS = {lab: d for d, labels in _BPE.items() for lab in labels.split("|")}
#: types first published in BPE 2013 (no 2009 counterpart), left out of ``n_common``
NEW_IN_2013 = frozenset((
    "aeroport|agence postale communale|conseil de prud'hommes (cph)|cour d'appel (ca)|"
    "espace public numerique et autre|gare avec train a grande vitesse (tagv)|gare sous "
    "convention avec l'etat|gare sous convention avec les conseils regionaux ou les stif|"
    "maison de sante pluridisciplinaire|point d'information et de mediation multiservices "
    "(piims)|relais (rsp) et maison (msp) de service public|relais poste commercant|station "
    "service|theatre|tribunal d'instance (ti)|tribunal de commerce (tco)|tribunal de grande "
    "instance (tgi)").split("|"))
#: Paris, Lyon and Marseille arrondissements -> their commune
_ARRONDISSEMENTS = ((r"751\d\d", "75056"), (r"6938\d", "69123"), (r"132\d\d", "13055"))


def normalise_label(label: str) -> str:
    """Lower case, accents stripped, blanks collapsed: 'École  maternelle' -> 'ecole
    maternelle'."""
    ascii_ = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", ascii_.lower()).strip()


def to_commune(codes: pd.Series) -> pd.Series:
    """Municipal arrondissements (751xx, 6938x, 132xx) -> Paris, Lyon, Marseille."""
    out = codes.copy()
    for pattern, commune in _ARRONDISSEMENTS:
        out[out.str.fullmatch(pattern)] = commune
    return out


def _codes(path, s: pd.Series, pattern: re.Pattern, what: str) -> pd.Series:
    s = s.str.strip()
    first_bad(path, ~s.str.match(pattern), s, f"code {what} invalide")
    return s


def _numbers(path, s: pd.Series, column: str, kind: str = "amount",
             empty: float = np.nan) -> pd.Series:
    """Non-negative numbers ('1 234,5', '1234.5'; whole counts with ``kind="count"``);
    empty cells -> ``empty``; anything else a ParseError naming the line and the value."""
    return parse_fr_numbers(s, path, column, kind, missing=()).fillna(empty)


# --- BPE -----------------------------------------------------------------------------------

def parse_bpe_communes(path: str | Path, year: int) -> pd.DataFrame:
    """A pivoted BPE file (one row per commune, one column per type, empty = 0) as one row
    per commune x group: ``commune, year, domain, n_equip, n_common``. Arrondissements are
    summed into their commune; the file's total column must equal the sum of its types."""
    path = Path(path)
    _, header, hline = read_header(path)
    if not header or header[0].lower() != "depcom" or not header[1].lower().startswith(
            "total de nb_equip"):
        raise ParseError(path, "en-tête inattendu : « depcom, Total de nb_equip, ... » attendu",
                         line=hline, value=",".join(header[:2]))
    labels = [normalise_label(h) for h in header[2:]]
    unknown = [h for h, lab in zip(header[2:], labels, strict=True) if lab not in BPE_DOMAINS]
    if unknown:
        raise ParseError(path, "type d'équipement sans domaine dans pacte : "
                         + " ; ".join(unknown[:5]), line=hline)
    df = read_table(path, header)
    codes = to_commune(_codes(path, df[header[0]], COMMUNE_RE, "commune"))
    counts = pd.DataFrame({h: _numbers(path, df[h], h, "count", empty=0.0)
                           for h in header[1:]})
    total = counts.pop(header[1])
    diff = (counts.sum(axis=1) - total).abs() > 0
    first_bad(path, diff, total, "le total de la ligne ne vaut pas la somme des types")
    rows = []
    for dom in BPE_DOMAIN_LABELS:
        cols = [h for h, lab in zip(header[2:], labels, strict=True) if BPE_DOMAINS[lab] == dom]
        common = [h for h in cols if normalise_label(h) not in NEW_IN_2013]
        rows.append(pd.DataFrame({"commune": codes.to_numpy(), "domain": dom,
                                  "n_equip": counts[cols].sum(axis=1).to_numpy(),
                                  "n_common": counts[common].sum(axis=1).to_numpy()}))
    out = pd.concat(rows).groupby(["commune", "domain"], as_index=False)[
        ["n_equip", "n_common"]].sum()
    out.insert(1, "year", np.int16(year))
    return out.astype({"n_equip": "int32", "n_common": "int32"})


# --- ARCEP -----------------------------------------------------------------------------------

FTTH_QUARTERS = {"2017-T3": "locaux_raccordables_T3_2017", "2017-T4":
                 "locaux_raccordables_T4_2017", "2018-T1": "locaux_raccordables_T1_2018"}


def _ftth(path: Path, key: str, pattern: re.Pattern, what: str, extra: dict) -> pd.DataFrame:
    cols = [key, *extra.values(), "Logements", "Établissements", *FTTH_QUARTERS.values()]
    df = read_table(path, cols)
    out = pd.DataFrame({"code": _codes(path, df[key], pattern, what)})
    for name, col in extra.items():
        out[name] = df[col].str.strip().replace("", None)
    out["dwellings"] = _numbers(path, df["Logements"], "Logements", "count")
    out["firms"] = _numbers(path, df["Établissements"], "Établissements", "count")
    long = [out.assign(quarter=q, connectable=_numbers(path, df[c], c, "count"))
            for q, c in FTTH_QUARTERS.items()]
    return pd.concat(long, ignore_index=True)


def parse_arcep_ftth_communes(path: str | Path) -> pd.DataFrame:
    """ARCEP FttH per commune: ``code, epci_2018, dwellings, firms, quarter, connectable``
    (premises = dwellings + firms' establishments; one row per commune x quarter). Trap:
    in 689 communes at 2018-T1 the connectable premises exceed ARCEP's premises count (a
    reference count of another date), so a share can pass 100 %."""
    return _ftth(Path(path), "Code commune", COMMUNE_RE, "commune",
                 {"epci_2018": "Siren EPCI"})


def parse_arcep_ftth_epci(path: str | Path) -> pd.DataFrame:
    """ARCEP FttH per EPCI (2018 perimeter): ``code, dwellings, firms, quarter,
    connectable``."""
    return _ftth(Path(path), "Siren EPCI", EPCI_RE, "EPCI", {})


# --- ANCT barometer --------------------------------------------------------------------------

def parse_barometre(path: str | Path, pattern: re.Pattern = EPCI_RE, what: str = "EPCI",
                    low: float = 0.0, high: float = 100.0) -> pd.DataFrame:
    """An ANCT "baromètre de la cohésion des territoires" map file (``codgeo, year0, value0,
    year1, value1`` or ``codgeo, year1, value1``) as ``code, year, value`` (value in
    [low, high]; an empty value stays NaN, the territory is kept)."""
    path = Path(path)
    _, header, hline = read_header(path)
    require_columns(path, header, ["codgeo", "year1", "value1"], hline)
    pairs = [(y, v) for y, v in (("year0", "value0"), ("year1", "value1")) if y in header]
    df = read_table(path, ["codgeo", *[c for p in pairs for c in p]])
    code = _codes(path, df["codgeo"], pattern, what)
    first_bad(path, code.duplicated(), code, f"code {what} en double")
    out = []
    for ycol, vcol in pairs:
        year = df[ycol].str.strip()
        first_bad(path, ~year.str.fullmatch(r"(19|20)\d\d"), year, f"année invalide ({ycol})")
        val = _numbers(path, df[vcol], vcol)
        first_bad(path, (val < low) | (val > high), df[vcol],
                  f"valeur hors de [{low:g}, {high:g}] dans la colonne « {vcol} »")
        out.append(pd.DataFrame({"code": code, "year": year.astype("int16"), "value": val}))
    return pd.concat(out, ignore_index=True)


# --- investment grants -----------------------------------------------------------------------

GRANT_COLUMNS = ["project", "year", "grant", "echelon", "dep", "territory", "category",
                 "economy", "amount"]
ECONOMY_CATEGORY = 2  # "Économie et emploi" in both files (zones d'activités included)
#: the 2018 file's code for a commune it could not place (2 projects of Saint-Lucien, 76,
#: "défusionnée au 01/01/2017"): kept, with no territory
_UNLOCATED = "ZZZZZ"


def _grants(path, year, df, grant, echelon, dep, territory, category, amount) -> pd.DataFrame:
    cat = category.str.strip().str.extract(r"^(\d)", expand=False)
    first_bad(path, cat.isna(), category, "catégorie sans numéro")
    ech = echelon.str.strip().str.lower().replace({"conseil_departemental": "departement"})
    first_bad(path, ~ech.isin(["commune", "epci", "syndicat", "departement"]), echelon,
              "échelon inconnu")
    g = grant.str.strip()
    first_bad(path, ~g.isin(["DETR", "DSIL", "DSID"]), grant, "dotation inconnue")
    terr = territory.str.strip().replace(_UNLOCATED, None)
    first_bad(path, (ech == "commune") & terr.notna() & ~terr.str.match(COMMUNE_RE), terr,
              "code commune invalide pour un projet communal")
    first_bad(path, (ech == "epci") & ~terr.str.match(EPCI_RE), terr,
              "SIREN d'EPCI invalide pour un projet intercommunal")
    out = pd.DataFrame({"project": df.iloc[:, 0].str.strip(), "year": np.int16(year),
                        "grant": g, "echelon": ech, "dep": dep.str.strip(),
                        "territory": terr.where(ech.isin(["commune", "epci", "departement"])),
                        "category": cat.astype("int8"), "amount": amount})
    out["economy"] = out["category"] == ECONOMY_CATEGORY
    first_bad(path, out["project"].duplicated(), out["project"], "identifiant de projet en double")
    return out[GRANT_COLUMNS].reset_index(drop=True)


def parse_grants_2018(path: str | Path) -> pd.DataFrame:
    """DGCL DETR/DSIL projects of 2018 (``Projets_DI_2018``): one row per project,
    :data:`GRANT_COLUMNS`. ``territory``: INSEE commune code (COG 2018, column INSEECOM,
    which is right where CODGEO has a typo) for communes, EPCI SIREN for EPCI, empty for
    syndicates (not located below the département) and for the 2 commune projects coded
    ``ZZZZZ``."""
    path = Path(path)
    cols = ["IDENTIFIANT", "DOT", "ECHELON", "INSEEDEP", "INSEECOM", "INSEEEPCI",
            "NUMCATEGORIE", "SUBVENTION"]
    df = read_table(path, cols)
    ech = df["ECHELON"].str.strip().str.lower()
    terr = df["INSEECOM"].where(ech == "commune", df["INSEEEPCI"])
    return _grants(path, 2018, df, df["DOT"], df["ECHELON"], df["INSEEDEP"], terr,
                   df["NUMCATEGORIE"], _numbers(path, df["SUBVENTION"], "SUBVENTION"))


def parse_grants_2019(path: str | Path) -> pd.DataFrame:
    """ANCT/DGCL DETR/DSIL/DSID projects of 2019: :data:`GRANT_COLUMNS`; ``territory`` is a
    commune code (COG 2019), an EPCI SIREN (2019) or a département code (``20A`` =
    Collectivité de Corse), by ``echelon``; ``category`` is the leading digit of the label
    (its wording varies)."""
    path = Path(path)
    cols = ["id_projet", "id_dep", "id_terr", "dotation", "echelon", "categorie",
            "montant_sub"]
    df = read_table(path, cols, sep=";")
    return _grants(path, 2019, df, df["dotation"], df["echelon"], df["id_dep"],
                   df["id_terr"], df["categorie"],
                   _numbers(path, df["montant_sub"], "montant_sub"))


# --- census diplomas, IRIS base --------------------------------------------------------------

def parse_census_diplomas_iris(path: str | Path) -> pd.DataFrame:
    """INSEE ``base-ic-diplomes-formation`` (one row per IRIS, key ``IRIS``, commune ``COM``)
    as the columns of :func:`pacte.sources.diplomas.parse_census_diplomas` plus ``iris``:
    the same variables, so the same calculations apply to both bases."""
    path = Path(path)
    _, header, hline = read_header(path)
    yy = sorted({m.group(1) for h in header if (m := re.fullmatch(r"P(\d\d)_NSCOL15P", h))})
    if len(yy) != 1:
        raise ParseError(path, "colonne Pyy_NSCOL15P introuvable ou en double", line=hline)
    levels = LEVELS_2017 if f"P{yy[0]}_NSCOL15P_SUP2" in header else LEVELS_OLD
    wanted = {k: f"P{yy[0]}_NSCOL15P" + (f"_{s}" if s else "") for k, s in levels.items()}
    df = read_table(path, ["IRIS", "COM", *wanted.values()])
    out = pd.DataFrame({"iris": _codes(path, df["IRIS"], re.compile(r"^\d[\dAB]\d{7}$"),
                                       "IRIS"),
                        "commune": _codes(path, df["COM"], COMMUNE_RE, "commune"),
                        "year": np.int16(2000 + int(yy[0]))})
    for name, col in wanted.items():
        out[name] = _numbers(path, df[col], col)
    if levels is LEVELS_2017:
        out["no_diploma_or_bepc"] = out["no_diploma"] + out["bepc"]
        out["bac_plus_2_or_more"] = out[["bac_plus_2", "bac_plus_3_4",
                                         "bac_plus_5_or_more"]].sum(axis=1, min_count=3)
    else:
        out["no_diploma_or_bepc"] = out["no_diploma"]
        for name in ("bepc", "bac_plus_2", "bac_plus_3_4", "bac_plus_5_or_more"):
            out[name] = np.nan
    return out[["iris", *DIPLOMA_COLUMNS]].reset_index(drop=True)
