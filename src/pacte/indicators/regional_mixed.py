"""The batched solve behind :mod:`pacte.indicators.regional_io`: the mixed model (industry
output observed, the other sectors respond) on the regional FLQ tables of all territories,
built territories last and solved by one batched LU (``numpy.linalg.solve`` on
(n, k_s, k_s)), without a Python loop over territories.

Cost, measured by ``bench/bench_inputoutput.py`` against the batched solve alone on a
prebuilt stack of the same shape: at 1,255 territories everything but the solve (location
quotients, the stack, the right-hand side, the national chain, the sums) is what this
module keeps small. Two numpy behaviours set its shape: ufuncs with a broadcast operand
(:func:`_row_loops`), and the national table's share of the work, the same at every call
(:func:`_national`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property, lru_cache
from typing import NamedTuple

import numpy as np

from pacte.errors import DataError

#: bytes of the rows of the stack built per pass (with their right-hand side products): a
#: block stays in a 1-2 MB L2 cache between the minimum and the product that follows it
_BLOCK = 1 << 20


@contextmanager
def _row_loops(n: int) -> Iterator[None]:
    """Ufunc buffers of one territory row (``n`` elements, rounded up to 16) inside the
    block. Since numpy 2.3 a ufunc whose operand is broadcast (``u[:, None, :]``,
    ``a[:, :, None]``) copies its rows into the default 8192-element buffer to run longer
    inner loops: six 1,255-territory rows per loop, two extra copies of every element. With
    one row per buffer the loops run on the arrays themselves, with the same results bit
    for bit (the solve, matmul and the reductions are not buffered this way):
    ``calc_supported_jobs`` at 1,255 x 35 sectors 64.3 -> 56.7 million instructions
    (valgrind; the batched solve alone: 49.1 million)."""
    old = np.getbufsize()
    np.setbufsize(min(old, 16 * max(1, -(-n // 16))))
    try:
        yield
    finally:
        np.setbufsize(old)


class _National:
    """What the national table gives every territory and every call alike: the responding
    sectors ``serv`` (non-industry) and ``ind``, the order ``serv, ind``, ``-A_ss`` (ns, ns,
    1), ``A_si`` (ns, 1, ni), ``-a_jj`` (ns, 1), and the national supply chain
    ``(I - A_ss)^-1 A_si`` (ns, ni), solved on first use."""

    def __init__(self, A: np.ndarray, industry: np.ndarray) -> None:
        self.serv, self.ind = np.flatnonzero(~industry), np.flatnonzero(industry)
        self.order = np.concatenate([self.serv, self.ind])
        self.A_ss = A[np.ix_(self.serv, self.serv)]
        self.neg_ss = -self.A_ss[:, :, None]
        self.A_si = A[np.ix_(self.serv, self.ind)]
        self.a_si = self.A_si[:, None, :]
        self.neg_diag = -A[self.serv, self.serv][:, None]

    @cached_property
    def chain(self) -> np.ndarray:
        # one solve with ni right-hand sides (numpy's solve with n right-hand sides costs ten
        # times more: one copy per column)
        return np.linalg.solve(np.eye(self.serv.size) - self.A_ss, self.A_si)


def _national(A_nat: np.ndarray, industry: np.ndarray) -> _National:
    """:class:`_National` of a table, kept for the next calls with the same table (by
    content: the store build calls the model per level and per delta with one table). At
    1,255 x 35 the index gathers and the national solve cost 50-150 us a call on a busy
    machine, the key (the table's bytes) about 5 us."""
    return _national_of(A_nat.shape[0], A_nat.tobytes(), industry.tobytes())


@lru_cache(maxsize=16)
def _national_of(k: int, a_bytes: bytes, industry_bytes: bytes) -> _National:
    return _National(np.frombuffer(a_bytes, dtype=float).reshape(k, k),
                     np.frombuffer(industry_bytes, dtype=bool))


def _lq_by_sector(E_region: np.ndarray, E_nation: np.ndarray | None, delta: float,
                  order: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Simple location quotients laid out sector by territory (k, n), sectors in ``order``
    and territories last so that every elementwise step runs over long contiguous rows,
    Flegg's lambda (n,), the jobs in the same layout (k, n) and each territory's total jobs
    (n,). ``E_nation`` None: the sum over territories. Same values (to rounding) and checks
    as :func:`pacte.indicators.regional_io._slq_lambda` (arrays already checked by
    ``_check``)."""
    if E_region.ndim != 2 or (E_nation is not None
                              and E_nation.shape != (E_region.shape[1],)):
        raise DataError(f"emplois attendus : E_region (n, k) et E_nation (k,), reçus "
                        f"{E_region.shape} et {getattr(E_nation, 'shape', None)}")
    E_t = E_region.T[order]  # one copy, contiguous (k, n)
    if E_t.size and E_t.min() < 0 or E_nation is not None and (E_nation < 0).any():
        raise DataError("emplois négatifs")
    nation = E_t.sum(axis=1) if E_nation is None else E_nation[order]
    total = nation.sum()
    if total <= 0:
        raise DataError("emploi national nul")
    e_r = E_t.sum(axis=0)
    absent = nation == 0
    if absent.any() and (E_t[absent] > 0).any():
        raise DataError("emploi régional dans un secteur sans emploi national")
    inv_share = np.divide(total, nation, out=np.zeros(nation.shape), where=~absent)
    inv_e = np.divide(1.0, e_r, out=np.zeros(e_r.shape), where=e_r != 0)
    slq = E_t * inv_e
    slq *= inv_share[:, None]
    return slq, np.log2(1.0 + e_r / total) ** delta, E_t, e_r


class _Mixed(NamedTuple):
    """What :func:`_mixed_solve` gives, territories last: the scaled local output ``y``
    (ns, n) (the output is ``y * scale``), the scale (ns, n), the household income (n,) or
    None, the industrial output ``x_ind`` (ni, n), and the jobs (k, n, responding sectors
    first) and their totals (n,)."""

    y: np.ndarray
    scale: np.ndarray
    dh: np.ndarray | None
    x_ind: np.ndarray
    E_t: np.ndarray
    e_r: np.ndarray


def _mixed_solve(E_region, E_nation, nat: _National, jobs_per_output, delta,
                 income=None, consumption=None) -> _Mixed:
    """Local output of the responding sectors required by the observed industry, laid out
    territories last (:class:`_Mixed`); with ``income`` (k,) and the local household
    ``consumption`` coefficients (n, ns), households closed (type II). Call it inside
    :func:`_row_loops`.

    The regional coefficient ``a_ij min(lambda SLQ_i / SLQ_j, 1)`` is written
    ``a_ij min(u_i, SLQ_j) / SLQ_j`` (``u_i = lambda SLQ_i``), and the unknowns scaled by
    ``SLQ_j`` (``dx_j = SLQ_j y_j``): the system ``(I - A^r_ss) dx = A^r_si x_i`` becomes
    ``(diag(SLQ_s) - B) y = B_i (x_i / SLQ_i)`` with ``B_ij = a_ij min(u_i, SLQ_j)``, one
    minimum and one product per coefficient, no division in the stack; the diagonal is
    ``SLQ_j (1 - a_jj min(u_j, 1))`` (FLQ's diagonal). An absent sector (``SLQ_j = 0``)
    takes the scale 1: its row is empty (``u_j = 0``), so its output is 0 and its column,
    whatever it holds, multiplies 0. Column scaling keeps partial pivoting's choices.

    Only the responding block is built, as one (h + ns, h + ns, n) array, territories last;
    with households (``h = 1``) their row and column come first. The solver gets it as a
    view. A few rows at a time (:data:`_BLOCK`), the minimum is followed at once by the
    product by ``-a_ij`` while the rows are in cache, and by the right-hand side of the same
    rows, ``sum_j a_ij min(u_i, SLQ_j) x_j / SLQ_j`` over the industry columns j, summed by
    one product in a buffer reused from block to block (the (ns, ni, n) products are never
    stored whole)."""
    ns = nat.serv.size
    slq, lam, E_t, e_r = _lq_by_sector(E_region, E_nation, delta, nat.order)
    k, n = slq.shape
    u = slq[:ns] * lam  # lambda SLQ_i of the responding (supplying) sectors, (ns, n)
    scale = slq  # SLQ, 1 for an absent sector (u = 0 there): SLQ + (SLQ == 0)
    np.add(scale, scale == 0, out=scale)
    s_serv, s_ind = scale[:ns], scale[ns:]
    jpo_i = jobs_per_output[nat.ind]
    inv_jpo = np.divide(1.0, jpo_i, out=np.zeros(jpo_i.shape), where=jpo_i > 0)
    x_ind = E_t[ns:] * inv_jpo[:, None]
    z = x_ind / s_ind
    h = 0 if income is None else 1
    m = h + ns
    S = np.empty((m, m, n))
    rhs = np.empty((m, n))
    g = max(1, min(ns, _BLOCK // max(8 * k * n, 1)))  # rows per block
    buf = np.empty((g, k - ns, n))
    for i in range(0, ns, g):
        q = min(g, ns - i)
        u_i = u[i:i + q, None, :]
        S_i = S[h + i:h + i + q, h:]
        np.minimum(u_i, s_serv, out=S_i)
        S_i *= nat.neg_ss[i:i + q]
        w = buf[:q]
        np.minimum(u_i, s_ind, out=w)
        w *= z
        np.matmul(nat.a_si[i:i + q], w, out=rhs[h + i:h + i + q, None, :])
    # FLQ's diagonal, then SLQ_j (1 - a_jj min(u_j, 1)), written in place through a strided
    # view of the stack's diagonal (no temporary, no scatter)
    d = S.reshape(m * m, n)[h * (m + 1)::m + 1]
    np.minimum(u, 1.0, out=d)
    d *= nat.neg_diag
    d += 1.0
    d *= s_serv
    if h:
        S[0, 0] = 1.0
        S[0, 1:] = -income[nat.serv][:, None] * s_serv
        S[1:, 0] = -np.asarray(consumption, dtype=float).T
        rhs[0] = income[nat.ind] @ x_ind
    sol = np.linalg.solve(S.transpose(2, 0, 1), rhs.T[:, :, None])[:, :, 0].T
    return _Mixed(sol[h:], s_serv, sol[0] if h else None, x_ind, E_t, e_r)


def _supported(E_region, jobs_per_output, A_nat, industry, delta, E_nation, cap
               ) -> tuple[np.ndarray, np.ndarray, _Mixed]:
    """Local and leaked supported jobs of the non-industry sectors only, laid out
    territories last, (ns, n) each (steps 1-5 of
    :func:`pacte.indicators.regional_io.calc_supported_jobs_by_sector`, inputs already
    checked), and the :class:`_Mixed` solution."""
    nat = _national(A_nat, industry)
    with _row_loops(len(E_region)):
        s = _mixed_solve(E_region, E_nation, nat, jobs_per_output, delta)
        jpo = jobs_per_output[nat.serv][:, None]
        local = s.scale * jpo
        local *= s.y
        if cap:
            np.minimum(local, s.E_t[:nat.serv.size], out=local)
        national = (nat.chain * jpo) @ s.x_ind  # the national supply chain's jobs
        leaked = national - local
        # rounding noise (a territory that is the whole nation leaks nothing): 0 below 1e-12
        # of the national chain's jobs, negative values included
        national *= 1e-12
        noise = leaked <= national
        if noise.any():
            leaked[noise] = 0.0
    return local, leaked, s


def _mixed_local(E_region, E_nation, A_nat, jobs_per_output, industry, delta,
                 income=None, consumption=None):
    """Local output of the non-industry sectors (n, ns) required by the observed industry
    (mixed model, Miller & Blair 2009 §13.1), type I; type II when ``income`` (k,) and the
    local household ``consumption`` coefficients (n, ns) are given, then also the local
    household income (n,). One batched LU solve for all territories (:func:`_mixed_solve`).
    """
    nat = _national(A_nat, industry)
    with _row_loops(len(E_region)):
        s = _mixed_solve(E_region, E_nation, nat, jobs_per_output, delta, income,
                         consumption)
        return (s.y * s.scale).T, s.dh
