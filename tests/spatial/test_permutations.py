"""The permutations shared by a level's variables and the LISA computed by groups of
territories give exactly the draws and p-values of the one-by-one computations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from pacte.spatial import autocorr
from pacte.spatial.autocorr import (
    _fold,
    calc_lisa_permutations,
    calc_moran_permutations,
    lisa_weights,
    permutation_indices,
)


def test_permutation_indices_are_randomstate_permutations_of_the_values():
    z = np.random.default_rng(1).normal(size=57)
    rs = np.random.RandomState(7)
    expected = np.stack([rs.permutation(z) for _ in range(30)])
    np.testing.assert_array_equal(z[permutation_indices(57, 30, 7)], expected)
    assert not permutation_indices(57, 30, 7).flags.writeable


def test_moran_permutations_by_blocks_are_the_whole_stack(monkeypatch):
    """Each draw's Moran's I, by blocks of draws, equals to the bit the one made from the
    whole (P, n) stack at once (as before the blocks): with blocks of 1, 2 or 3 draws
    among 301, 150 and 300 of einsum's results differ in their last bits."""
    rng = np.random.default_rng(3)
    n, perms = 211, 301
    A = sparse.random(n, n, density=0.03, random_state=5, format="csr")
    A = A + A.T
    A.data[:] = 1.0
    W = sparse.csr_matrix(sparse.diags(1 / np.maximum(np.asarray(A.sum(1)).ravel(), 1)) @ A)
    z = rng.normal(size=n)
    Z = z[permutation_indices(n, perms, 9)]
    whole = (n / W.sum()) * np.einsum("pn,np->p", Z, W @ Z.T) / (z @ z)
    for block in (2, 3, 64, 128, 150, 300, 301, 1000):  # the fewest draws in a block
        monkeypatch.setattr(autocorr, "_BLOCK_BYTES", 8 * n * block)
        np.testing.assert_array_equal(calc_moran_permutations(z, W, perms, 9), whole)
    monkeypatch.setattr(autocorr, "_BLOCK_BYTES", 1)  # never blocks of one draw
    np.testing.assert_array_equal(calc_moran_permutations(z, W, perms, 9), whole)


def _lisa_one_by_one(z, W, observed, permutations, seed):
    """The per-territory loop (esda's conditional permutations, as before the groups)."""
    n = len(z)
    scaling, self_weights, other, card = lisa_weights(z, W)
    rs = np.random.RandomState(seed)
    ids = np.stack([rs.choice(n - 1, size=card.max(), replace=False)
                    for _ in range(permutations)])
    p_sim, start = np.zeros(n, dtype=np.float32), 0
    for i in range(n):
        k = int(card[i])
        wi = np.zeros(1) if k == 0 else other[start:start + k]
        start += k
        mask = np.ones(n, bool)
        mask[i] = False
        zrand = z[mask][ids[:, :len(wi)].flatten()].reshape(-1, len(wi))
        sims = z[i] * (zrand @ wi + self_weights[i] * z[i]) * scaling
        p_sim[i] = _fold(int((sims >= observed[i]).sum()), permutations)
    return p_sim


@pytest.mark.parametrize("block_bytes", [1, 8 * 99 * 3 * 5, 1 << 30])
def test_lisa_by_groups_is_the_loop_over_territories(monkeypatch, block_bytes):
    """Whatever the blocks' size: one territory a block, a few, all of them."""
    monkeypatch.setattr(autocorr, "_BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(4)
    n = 150
    rows, cols = [], []
    for i in range(1, n):  # a random graph, territory 0 an island
        for j in rng.choice(np.arange(1, n), size=rng.integers(1, 9), replace=False):
            if j != i:
                rows += [i, j]
                cols += [j, i]
    A = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    A.data[:] = 1.0
    card = np.asarray(A.sum(1)).ravel()
    z = rng.normal(size=n)
    for W in (sparse.diags(np.where(card > 0, 1 / np.maximum(card, 1), 0)) @ A,  # row-std
              A.multiply(rng.random((n, n))).tocsr()):  # weights differing by row
        W = sparse.csr_matrix(W)
        observed = z * (W @ z)
        np.testing.assert_array_equal(calc_lisa_permutations(z, W, observed, 99, 3),
                                      _lisa_one_by_one(z, W, observed, 99, 3))
