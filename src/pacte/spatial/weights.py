"""Contiguity between territories, from the bundled contours (``contours_<level>``: GeoJSON
text, WGS84, simplified with a shared topology so that neighbours share their vertices).

Queen contiguity (libpysal's ``Queen`` criterion, computed here with shapely and numpy): two
territories are neighbours when their outlines (every ring, holes included) share at least one
vertex, coordinates equal exactly. Territories without any neighbour (« îles » in libpysal's
words) are kept with NO neighbour and listed: the islands of the Atlantic coast (Ré, Oléron,
Noirmoutier, Belle-Île), Marie-Galante, Petite-Terre (Mayotte): any territory whose contour
touches no other. Overseas departments form their own connected pieces (Réunion's EPCI
neighbour each other, never the mainland's): nothing links territories across a sea. Statistics then run on the
territories that have neighbours (:func:`calc_connected`), and say how many were left out.
The tests check the neighbours against libpysal's ``Queen`` on the real contours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pacte.errors import InvalidParameterError


class Weights:
    """Binary spatial weights over ``ids`` (neighbour positions by row), read by the
    statistics of :mod:`pacte.spatial.autocorr` as libpysal's ``W`` is: ``n``, ``transform``
    ("B" binary, "R" row-standardised: each neighbour weighs 1/k) and ``sparse`` (the CSR
    matrix, column indices sorted, as libpysal builds it)."""

    def __init__(self, ids, neighbours: list[list[int]]) -> None:
        self.ids = list(ids)
        self.n = len(self.ids)
        self.neighbours = [sorted(v) for v in neighbours]
        self.transform = "B"

    @property
    def sparse(self):
        from scipy import sparse

        card = np.array([len(v) for v in self.neighbours], dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(card)])
        indices = np.array([j for v in self.neighbours for j in v], dtype=np.int32)
        if self.transform.upper() == "R":
            data = np.repeat([1.0 / k if k else 0.0 for k in card], card)
        elif self.transform.upper() == "B":
            data = np.ones(len(indices))
        else:
            raise InvalidParameterError(f"pondération inconnue : {self.transform!r} (B, R)")
        return sparse.csr_matrix((data, indices, indptr.astype(np.int32)),
                                 shape=(self.n, self.n))


@dataclass(frozen=True)
class Contiguity:
    """Neighbours of each territory (codes in a fixed order, neighbour lists by code)."""

    level: str
    codes: tuple[str, ...]
    neighbours: dict[str, tuple[str, ...]]

    @property
    def islands(self) -> tuple[str, ...]:
        """Territories without any neighbour."""
        return tuple(c for c in self.codes if not self.neighbours[c])

    def to_w(self, codes=None) -> Weights:
        """:class:`Weights` (binary) over ``codes`` (default: all), neighbours outside
        dropped."""
        keep = [str(c) for c in (self.codes if codes is None else codes)]
        pos = {c: i for i, c in enumerate(keep)}
        return Weights(keep, [[pos[n] for n in self.neighbours[c] if n in pos] for c in keep])

    def pairs(self) -> list[tuple[str, str]]:
        """(code, neighbour) rows, each pair in both directions."""
        return [(c, n) for c in self.codes for n in self.neighbours[c]]


def calc_shared_vertices(xy: np.ndarray, owner: np.ndarray, n: int) -> list[set[int]]:
    """Queen neighbours from the vertices ``xy`` (rows x, y) of ``n`` shapes (``owner``:
    the shape of each vertex): i and j are neighbours when a vertex of i equals one of j."""
    from scipy import sparse

    # one id per distinct point (x + 0.0: -0.0 and 0.0 are the same point, as for libpysal's
    # tuples); complex numbers sort and compare by (x, y)
    pts = (xy[:, 0] + 0.0) + 1j * (xy[:, 1] + 0.0)
    _, vid = np.unique(pts, return_inverse=True)
    inc = sparse.csr_matrix((np.ones(len(vid)), (owner, vid.ravel())),
                            shape=(n, int(vid.max()) + 1 if len(vid) else 0))
    inc.data[:] = 1.0
    shared = (inc @ inc.T).tocoo()
    out: list[set[int]] = [set() for _ in range(n)]
    for i, j in zip(shared.row.tolist(), shared.col.tolist(), strict=True):
        if i != j:
            out[i].add(j)
    return out


def calc_queen(codes, geometries, level: str = "") -> Contiguity:
    """Queen contiguity of polygons given as GeoJSON text (one per code, same order)."""
    codes = [str(c) for c in codes]
    if len(set(codes)) != len(codes):
        raise InvalidParameterError(f"contours {level} : codes en double")
    return calc_queen_shapes(codes, parse_contours(geometries, level), level)


def parse_contours(geometries, level: str = "") -> np.ndarray:
    """Shapely geometries of GeoJSON texts (French error on a bad one)."""
    import shapely

    try:
        return shapely.from_geojson(list(geometries))
    except Exception as exc:  # shapely raises GEOSException on bad text
        raise InvalidParameterError(f"contours {level} : géométrie GeoJSON illisible ({exc})"
                                    ) from None


def calc_queen_shapes(codes, geoms: np.ndarray, level: str = "") -> Contiguity:
    """:func:`calc_queen` of parsed geometries (one per code, same order)."""
    import shapely

    codes = [str(c) for c in codes]
    if len(set(codes)) != len(codes):
        raise InvalidParameterError(f"contours {level} : codes en double")
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    neigh = calc_shared_vertices(xy, owner, len(codes))
    return Contiguity(level, tuple(codes),
                      {codes[i]: tuple(sorted(codes[j] for j in neigh[i]))
                       for i in range(len(codes))})


def queen_sql(table: str) -> str:
    """SQL of the queen neighbours of the contours of ``table`` (``code``, ``geometry``:
    GeoJSON Polygon or MultiPolygon text): rows ``(a, b)``, positions in the codes' order,
    each pair in both directions, for :func:`contiguity_from_positions`. The criterion of
    :func:`calc_shared_vertices` (a vertex of a equals one of b, -0.0 and 0.0 the same
    point), its coordinates parsed by DuckDB's JSON reader (the doubles shapely's reader
    gives: the tests compare both on the real contours) and its vertices joined there, a
    query which releases the GIL: the GeoJSON parse by shapely (0.06-0.08 s a level) and
    the sort of the vertices held it beside the EPCI ranking's Monte Carlo in the build."""
    coords = "CAST(json_extract(g, '$.coordinates') AS DOUBLE{})"
    return f"""WITH g AS (
            SELECT row_number() OVER (ORDER BY code) - 1 AS i, geometry AS g,
                   json_extract_string(geometry, '$.type') AS t FROM {table}),
        p AS (SELECT i, q[1] + 0.0 AS x, q[2] + 0.0 AS y FROM (
            SELECT i, unnest(CASE WHEN t = 'Polygon' THEN flatten({coords.format('[][][]')})
                             ELSE flatten(flatten({coords.format('[][][][]')})) END) AS q
            FROM g)),
        d AS (SELECT DISTINCT i, x, y FROM p)
        SELECT DISTINCT a.i AS a, b.i AS b FROM d a JOIN d b
        ON a.x = b.x AND a.y = b.y AND a.i <> b.i"""


def contiguity_from_positions(level: str, codes, a: np.ndarray, b: np.ndarray
                              ) -> Contiguity:
    """A :class:`Contiguity` of ``codes`` from neighbour pairs given by position
    (:func:`queen_sql`'s rows)."""
    codes = tuple(str(c) for c in codes)
    neigh: list[list[str]] = [[] for _ in codes]
    for i, j in zip(np.asarray(a).tolist(), np.asarray(b).tolist(), strict=True):
        neigh[i].append(codes[j])
    return Contiguity(level, codes, {c: tuple(sorted(v)) for c, v in zip(codes, neigh,
                                                                          strict=True)})


def contiguity_from_pairs(level: str, codes, pairs) -> Contiguity:
    """A :class:`Contiguity` from (code, neighbour) rows (as stored)."""
    codes = tuple(str(c) for c in codes)
    neigh: dict[str, list[str]] = {c: [] for c in codes}
    for a, b in pairs:
        if a in neigh:
            neigh[a].append(b)
    return Contiguity(level, codes, {c: tuple(sorted(v)) for c, v in neigh.items()})


def calc_components(cont: Contiguity) -> dict[str, int]:
    """Connected piece of each territory (0 = the largest, then by size; islands alone)."""
    seen: dict[str, int] = {}
    pieces: list[list[str]] = []
    for c in cont.codes:
        if c in seen:
            continue
        stack, piece = [c], []
        seen[c] = -1
        while stack:
            x = stack.pop()
            piece.append(x)
            for n in cont.neighbours[x]:
                if n not in seen:
                    seen[n] = -1
                    stack.append(n)
        pieces.append(piece)
    order = sorted(range(len(pieces)), key=lambda k: (-len(pieces[k]), min(pieces[k])))
    return {c: rank for rank, k in enumerate(order) for c in pieces[k]}


def calc_connected(cont: Contiguity, values: np.ndarray) -> np.ndarray:
    """Mask of the territories a spatial statistic can use: a finite value and at least one
    neighbour that has one too."""
    values = np.asarray(values, float)
    ok = np.isfinite(values)
    has = dict(zip(cont.codes, ok, strict=True))
    return np.array([bool(ok[i]) and any(has.get(n, False) for n in cont.neighbours[c])
                     for i, c in enumerate(cont.codes)])


def is_contiguous(members, cont: Contiguity) -> bool:
    """True when ``members`` form one connected piece of the contiguity graph."""
    members = list(members)
    if not members:
        return False
    inside, seen, stack = set(members), {members[0]}, [members[0]]
    while stack:
        for n in cont.neighbours[stack.pop()]:
            if n in inside and n not in seen:
                seen.add(n)
                stack.append(n)
    return seen == inside
