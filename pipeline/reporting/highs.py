"""Linear programs through HiGHS's own Python binding (``highspy``).

The secrecy plan solves thousands of small LPs. ``scipy.optimize.linprog(method="highs")`` runs the
same solver but spends more time in Python than HiGHS spends solving (it rebuilds the bound
marginals column by column); this module passes the model as arrays and reads the solution back
as arrays. The solver settings are linprog's (dual simplex, presolve), so the answers are those
of linprog.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from highspy import _core as highs  # the bound C++ class; highspy.Highs only adds callbacks (and a banner)
from scipy import sparse

OPTIMAL, INFEASIBLE, UNBOUNDED, OTHER = 0, 2, 3, 4
_STATUS = {highs.HighsModelStatus.kOptimal: OPTIMAL, highs.HighsModelStatus.kInfeasible: INFEASIBLE,
           highs.HighsModelStatus.kUnbounded: UNBOUNDED}


@dataclass
class LPResult:
    """``status``: OPTIMAL, INFEASIBLE, UNBOUNDED or OTHER; ``x`` the solution, ``y`` the row duals
    (linprog's ``marginals`` of the rows, in the rows' order), ``d`` the reduced costs of the
    columns (linprog's ``lower.marginals + upper.marginals``)."""

    status: int
    message: str
    x: np.ndarray | None = None
    y: np.ndarray | None = None
    d: np.ndarray | None = None


def rows_of(A_eq=None, b_eq=None, A_ub=None, b_ub=None):
    """linprog's ``A_eq x = b_eq`` and ``A_ub x ≤ b_ub`` as one matrix with row bounds, equalities
    first: (A, row_lower, row_upper)."""
    blocks, lower, upper = [], [], []
    if A_eq is not None and A_eq.shape[0]:
        blocks.append(sparse.csr_array(A_eq))
        lower.append(np.asarray(b_eq, dtype=float))
        upper.append(np.asarray(b_eq, dtype=float))
    if A_ub is not None and A_ub.shape[0]:
        blocks.append(sparse.csr_array(A_ub))
        lower.append(np.full(A_ub.shape[0], -np.inf))
        upper.append(np.asarray(b_ub, dtype=float))
    if not blocks:
        return None, np.zeros(0), np.zeros(0)
    return sparse.vstack(blocks), np.concatenate(lower), np.concatenate(upper)


def solve_lp(c: np.ndarray, lb: np.ndarray, ub: np.ndarray, A=None, row_lower=None, row_upper=None) -> LPResult:
    """Minimise ``c·x`` subject to ``row_lower ≤ A x ≤ row_upper`` and ``lb ≤ x ≤ ub``
    (``A``: any scipy sparse matrix or None)."""
    n = len(c)
    A = sparse.csc_array((0, n)) if A is None else sparse.csc_array(A)
    m = A.shape[0]
    row_lower = np.zeros(0) if row_lower is None else np.asarray(row_lower, dtype=float)
    row_upper = np.zeros(0) if row_upper is None else np.asarray(row_upper, dtype=float)
    solver = highs._Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("simplex_strategy", 1)  # dual simplex, as linprog
    # The array form of passModel: numpy buffers go to HiGHS without a Python loop.
    status = solver.passModel(
        n, m, A.nnz, int(highs.MatrixFormat.kColwise), int(highs.ObjSense.kMinimize), 0.0,
        np.asarray(c, dtype=float), np.asarray(lb, dtype=float), np.asarray(ub, dtype=float),
        row_lower, row_upper,
        A.indptr.astype(np.int32), A.indices.astype(np.int32), A.data.astype(float), np.zeros(n, dtype=np.int32))
    if status == highs.HighsStatus.kError:
        return LPResult(OTHER, "modèle refusé par HiGHS")
    solver.run()
    model_status = solver.getModelStatus()
    if model_status == highs.HighsModelStatus.kUnboundedOrInfeasible:  # presolve could not tell which
        solver.setOptionValue("presolve", "off")
        solver.clearSolver()
        solver.run()
        model_status = solver.getModelStatus()
    status = _STATUS.get(model_status, OTHER)
    message = solver.modelStatusToString(model_status)
    if status != OPTIMAL:
        return LPResult(status, message)
    solution = solver.getSolution()
    return LPResult(status, message, x=np.array(solution.col_value), y=np.array(solution.row_dual),
                    d=np.array(solution.col_dual))
