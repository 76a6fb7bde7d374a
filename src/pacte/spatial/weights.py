"""Contiguity between territories, from the bundled contours (``contours_<level>``: GeoJSON
text, WGS84, simplified with a shared topology so that neighbours share their vertices).

Queen contiguity (libpysal ``Queen``): two territories are neighbours when their outlines
share at least one vertex. Territories without any neighbour (« îles » in libpysal's words)
are kept with NO neighbour and listed: the islands of the Atlantic coast (Ré, Oléron,
Noirmoutier, Belle-Île), Marie-Galante, Petite-Terre (Mayotte): any territory whose contour
touches no other. Overseas departments form their own connected pieces (Réunion's EPCI
neighbour each other, never the mainland's): nothing links territories across a sea. Statistics then run on the
territories that have neighbours (:func:`calc_connected`), and say how many were left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pacte.errors import InvalidParameterError


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

    def to_w(self, codes=None):
        """libpysal ``W`` (binary) over ``codes`` (default: all), neighbours outside dropped."""
        from libpysal.weights import W

        keep = list(self.codes if codes is None else codes)
        inside = set(keep)
        neigh = {c: [n for n in self.neighbours[c] if n in inside] for c in keep}
        return W(neigh, id_order=keep, silence_warnings=True)

    def pairs(self) -> list[tuple[str, str]]:
        """(code, neighbour) rows, each pair in both directions."""
        return [(c, n) for c in self.codes for n in self.neighbours[c]]


def calc_queen(codes, geometries, level: str = "") -> Contiguity:
    """Queen contiguity of polygons given as GeoJSON text (one per code, same order)."""
    import geopandas as gpd
    import shapely
    from libpysal.weights import Queen

    codes = [str(c) for c in codes]
    if len(set(codes)) != len(codes):
        raise InvalidParameterError(f"contours {level} : codes en double")
    try:
        geoms = shapely.from_geojson(list(geometries))
    except Exception as exc:  # shapely raises GEOSException on bad text
        raise InvalidParameterError(f"contours {level} : géométrie GeoJSON illisible ({exc})"
                                    ) from None
    frame = gpd.GeoDataFrame({"code": codes}, geometry=geoms)
    w = Queen.from_dataframe(frame, use_index=False, silence_warnings=True)
    neigh = {codes[i]: tuple(sorted(codes[j] for j in w.neighbors[i])) for i in range(len(codes))}
    return Contiguity(level, tuple(codes), neigh)


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
