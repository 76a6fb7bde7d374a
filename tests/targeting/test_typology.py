"""The typology's shared distances: the k-means, the silhouettes and the peers computed
with the distances passed in (as the build does, once per level) are those computed alone,
to the bit; the k-means' cluster sums add their members in row order."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pacte.targeting.typology import (
    _sq_dist,
    calc_choose_k,
    calc_distances,
    calc_kmeans,
    calc_peers,
    calc_silhouette,
    calc_standardise,
)


def scores(seed: int, n: int = 120, d: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return calc_standardise(rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, d))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_shared_distances_give_the_same_typology(seed):
    X = scores(seed)
    D2 = _sq_dist(X, X)
    alone, shared = calc_choose_k(X, 3, 6, 7), calc_choose_k(X, 3, 6, 7, calc_distances(X))
    assert alone[0] == shared[0]
    np.testing.assert_array_equal(alone[1], shared[1])
    np.testing.assert_array_equal(alone[2], shared[2])  # centres to the bit
    assert calc_silhouette(X, alone[1]) == calc_silhouette(X, alone[1], calc_distances(X))
    np.testing.assert_array_equal(calc_peers(X, 5), calc_peers(X, 5, D2))
    np.testing.assert_array_equal(D2, _sq_dist(X, X))  # left unchanged by calc_peers


def test_kmeans_centres_are_the_means_of_their_members():
    """Each centre is the mean of its members (Lloyd's fixed point), summed in row order:
    the same bits as ``np.add.at``."""
    X = scores(3, n=200, d=3)
    labels, C, inertia = calc_kmeans(X, 5, seed=11)
    for g in range(5):
        sums = np.zeros((1, 3))
        np.add.at(sums, np.zeros((labels == g).sum(), int), X[labels == g])
        np.testing.assert_array_equal(C[g], sums[0] / (labels == g).sum())
    assert np.isclose(inertia, ((X - C[labels]) ** 2).sum(), rtol=1e-12)
