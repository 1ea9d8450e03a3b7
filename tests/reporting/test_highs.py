"""The secrecy plan's LPs through HiGHS's binding give linprog's answers (the intervals a reader
can compute, and the duals the plan's cuts are made of)."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from pipeline.reporting.highs import INFEASIBLE, OPTIMAL, UNBOUNDED, rows_of, solve_lp


def test_a_masked_cell_gets_linprogs_interval_and_duals():
    # a row 10 = a + b + c with c shown (4) and a, b masked in [1, 2] and [3, inf)
    A_eq = sparse.csr_array(np.array([[1.0, 1.0, 1.0]]))
    lb, ub = np.array([1.0, 3.0, 4.0]), np.array([2.0, np.inf, 4.0])
    for sign in (1.0, -1.0):
        c = np.array([sign, 0.0, 0.0])
        ours = solve_lp(c, lb, ub, *rows_of(A_eq=A_eq, b_eq=[10.0]))
        ref = linprog(c, A_eq=A_eq, b_eq=[10.0], bounds=np.column_stack([lb, ub]), method="highs")
        assert ours.status == OPTIMAL
        assert np.allclose(ours.x, ref.x) and np.allclose(ours.y, ref.eqlin.marginals)
        assert np.allclose(ours.d, ref.lower.marginals + ref.upper.marginals)


def test_unbounded_and_infeasible_are_told_apart():
    assert solve_lp(np.array([-1.0]), np.array([0.0]), np.array([np.inf])).status == UNBOUNDED
    A_ub = sparse.csr_array(np.array([[1.0]]))
    assert solve_lp(np.array([1.0]), np.array([5.0]), np.array([9.0]), *rows_of(A_ub=A_ub, b_ub=[2.0])).status == INFEASIBLE
