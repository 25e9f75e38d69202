"""Siting: where the next stations should go, as two classic location models solved by HiGHS.

Data. Candidates j (WGS84 points) and demand points i with weights w_i (vehicle-equivalents:
registrations spread over settlements by population, plus corridor traffic; see
`demand.py`). Distances d_ij are great-circle km (haversine on a 6371.0088 km sphere).

Maximal covering (Church & ReVelle 1974), budget N stations, coverage radius R km:

    max  Σ_i w_i y_i
    s.t. y_i ≤ Σ_{j : d_ij ≤ R} x_j     for every demand point i
         Σ_j x_j ≤ N,   x_j ∈ {0, 1},   0 ≤ y_i ≤ 1

p-median (ReVelle & Swain 1970), p stations, weighted distance:

    min  Σ_i Σ_j w_i d_ij z_ij
    s.t. Σ_j z_ij = 1 for every i,   z_ij ≤ x_j,   Σ_j x_j = p,   x binary, z ≥ 0

Both are built explicitly as sparse column-wise matrices and passed to HiGHS (highspy); the
answer reports HiGHS's objective, its dual bound, the relative MIP gap
|bound - objective| / |objective| and the wall-clock solve time. The greedy heuristic (add the
candidate with the best marginal gain, N times) runs first, in milliseconds; its reported gap
is measured against the MILP's bound, so when HiGHS proves optimality (gap 0) it is the
greedy's true gap. For covering the greedy is within 1 - 1/e of the optimum (the objective is
submodular); for p-median there is no such guarantee.
Caveats: straight-line distances, not road distances; weights are assumptions (demand.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
from numpy.typing import NDArray

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Instance:
    """Candidates and demand as arrays: lat/lon in degrees, weights ≥ 0."""

    cand_lat: NDArray[np.float64]
    cand_lon: NDArray[np.float64]
    dem_lat: NDArray[np.float64]
    dem_lon: NDArray[np.float64]
    weight: NDArray[np.float64]

    @classmethod
    def build(
        cls,
        candidates: Sequence[tuple[float, float]],
        demand: Sequence[tuple[float, float, float]],
    ) -> Instance:
        """From (lat, lon) candidates and (lat, lon, weight) demand points."""
        c = np.asarray(candidates, dtype=float).reshape(-1, 2)
        d = np.asarray(demand, dtype=float).reshape(-1, 3)
        return cls(c[:, 0], c[:, 1], d[:, 0], d[:, 1], d[:, 2])


def distances_km(
    lat1: NDArray[np.float64],
    lon1: NDArray[np.float64],
    lat2: NDArray[np.float64],
    lon2: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Great-circle km between every point 1 (rows) and point 2 (columns), degrees in."""
    p1, p2 = np.radians(lat1)[:, None], np.radians(lat2)[None, :]
    dl = np.radians(lon2)[None, :] - np.radians(lon1)[:, None]
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def coverage(instance: Instance, *, radius_km: float) -> list[NDArray[np.int64]]:
    """For each candidate, the indices of the demand points within `radius_km` (km)."""
    found: list[NDArray[np.int64]] = []
    for start in range(0, len(instance.cand_lat), 64):  # 64 rows of distances at a time
        d = distances_km(
            instance.cand_lat[start : start + 64],
            instance.cand_lon[start : start + 64],
            instance.dem_lat,
            instance.dem_lon,
        )
        found.extend(np.nonzero(row <= radius_km)[0] for row in d)
    return found


def _finite(value: float | None, digits: int) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, digits)


@dataclass
class Answer:
    method: str
    objective: float
    sites: list[int]
    seconds: float
    bound: float | None = None
    gap: float | None = None
    status: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: a value HiGHS did not reach (no incumbent, no bound) is None."""
        return {
            "method": self.method,
            "objective": _finite(self.objective, 4),
            "bound": _finite(self.bound, 4),
            "gap": _finite(self.gap, 6),
            "seconds": round(self.seconds, 4),
            "status": self.status,
            "sites": self.sites,
        }


def relative_gap(objective: float, bound: float) -> float:
    """|bound - objective| / |objective| (HiGHS's definition); 0 when both are 0."""
    if objective == bound:
        return 0.0
    return abs(bound - objective) / max(abs(objective), 1e-12)


def covered_weight(
    cover: Sequence[NDArray[np.int64]], weight: NDArray[np.float64], sites: Sequence[int]
) -> float:
    """Σ w_i over demand points within reach of at least one of `sites`."""
    if not sites:
        return 0.0
    hit = np.zeros(len(weight), dtype=bool)
    for j in sites:
        hit[cover[j]] = True
    return float(weight[hit].sum())


def greedy_covering(
    cover: Sequence[NDArray[np.int64]], weight: NDArray[np.float64], *, budget: int
) -> Answer:
    """Add the candidate covering the most uncovered weight, `budget` times (ties: lowest j)."""
    started = time.perf_counter()
    left = weight.astype(float).copy()
    sites: list[int] = []
    for _ in range(min(budget, len(cover))):
        gains = [float(left[c].sum()) if j not in sites else -1.0 for j, c in enumerate(cover)]
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        sites.append(best)
        left[cover[best]] = 0.0
    return Answer(
        "greedy", float(weight.sum() - left.sum()), sorted(sites), time.perf_counter() - started
    )


def _solve(
    lp: highspy.HighsLp,
    *,
    time_limit_s: float,
    mip_rel_gap: float,
    initial: Sequence[float] | None = None,
    options: Mapping[str, int | float] | None = None,
) -> tuple[highspy.Highs, float]:
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    for name, option in (options or {}).items():
        solver.setOptionValue(name, option)
    solver.setOptionValue("time_limit", float(time_limit_s))
    solver.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    solver.setOptionValue("threads", 1)
    solver.passModel(lp)
    started = time.perf_counter()
    if initial is not None:
        # A feasible start (the greedy's answer) gives HiGHS an incumbent from the first node.
        solution = highspy.HighsSolution()
        solution.col_value = list(initial)
        solution.value_valid = True
        solver.setSolution(solution)
    solver.run()
    return solver, time.perf_counter() - started


def _answer(solver: highspy.Highs, seconds: float, n_sites: int, *, maximise: bool) -> Answer:
    info = solver.getInfo()
    status = solver.modelStatusToString(solver.getModelStatus())
    values = np.asarray(solver.getSolution().col_value[:n_sites])
    objective = float(info.objective_function_value)
    bound = float(info.mip_dual_bound)
    # The bound can never be on the wrong side of the incumbent; HiGHS reports ±inf when it
    # stopped before it had one.
    bound = max(bound, objective) if maximise else min(bound, objective)
    return Answer(
        "milp",
        objective,
        sorted(int(j) for j in np.nonzero(values > 0.5)[0]),
        seconds,
        bound=bound,
        gap=relative_gap(objective, bound),
        status=status,
    )


def milp_covering(
    cover: Sequence[NDArray[np.int64]],
    weight: NDArray[np.float64],
    *,
    budget: int,
    time_limit_s: float = 30.0,
    mip_rel_gap: float = 1e-4,
    start: Sequence[int] | None = None,
) -> Answer:
    """The maximal covering MILP (module doc) solved by HiGHS.

    Columns: x_0..x_J-1, then one y per group of demand points reached by exactly the same
    candidates (an exact reduction: such points are covered together, so one row with their
    summed weight replaces them; points no candidate reaches cannot be covered and are left
    out). `start` (e.g. the greedy's sites) is given to HiGHS as its first incumbent.
    """
    n_cand = len(cover)
    reached_by: dict[int, list[int]] = {}
    for j, c in enumerate(cover):
        for i in c:
            reached_by.setdefault(int(i), []).append(j)
    groups: dict[tuple[int, ...], float] = {}
    for i, js in reached_by.items():
        key = tuple(js)
        groups[key] = groups.get(key, 0.0) + float(weight[i])
    keys = list(groups)
    n_rows = len(keys) + 1  # one row per group: y_g - sum of its x_j <= 0; then the budget
    rows_of: list[list[int]] = [[] for _ in range(n_cand)]
    for r, key in enumerate(keys):
        for j in key:
            rows_of[j].append(r)
    starts, index, value = [0], [], []
    for j in range(n_cand):
        index.extend(rows_of[j])
        value.extend([-1.0] * len(rows_of[j]))
        index.append(n_rows - 1)
        value.append(1.0)
        starts.append(len(index))
    for r in range(len(keys)):
        index.append(r)
        value.append(1.0)
        starts.append(len(index))
    lp = highspy.HighsLp()
    lp.num_col_ = n_cand + len(keys)
    lp.num_row_ = n_rows
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate([np.zeros(n_cand), np.asarray([groups[k] for k in keys])])
    lp.col_lower_ = np.zeros(lp.num_col_)
    lp.col_upper_ = np.ones(lp.num_col_)
    lp.row_lower_ = np.full(n_rows, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate([np.zeros(len(keys)), [float(budget)]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.asarray(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(value, dtype=float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_cand + [
        highspy.HighsVarType.kContinuous
    ] * len(keys)
    initial = None
    if start is not None:
        chosen = set(start)
        initial = [1.0 if j in chosen else 0.0 for j in range(n_cand)] + [
            1.0 if chosen.intersection(k) else 0.0 for k in keys
        ]
    solver, seconds = _solve(
        lp, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, initial=initial
    )
    return _answer(solver, seconds, n_cand, maximise=True)


def median_cost(
    dist: NDArray[np.float64], weight: NDArray[np.float64], sites: Sequence[int]
) -> float:
    """Σ_i w_i × km to the nearest of `sites` (dist: candidates × demand, km)."""
    return float((weight * dist[list(sites)].min(axis=0)).sum())


def greedy_median(dist: NDArray[np.float64], weight: NDArray[np.float64], *, p: int) -> Answer:
    """Add the candidate that lowers the weighted distance most, p times (ties: lowest j)."""
    started = time.perf_counter()
    best_dist = np.full(dist.shape[1], np.inf)
    sites: list[int] = []
    for _ in range(min(p, dist.shape[0])):
        costs = (weight * np.minimum(dist, best_dist)).sum(axis=1)
        costs[sites] = np.inf
        j = int(np.argmin(costs))
        sites.append(j)
        best_dist = np.minimum(best_dist, dist[j])
    return Answer(
        "greedy", float((weight * best_dist).sum()), sorted(sites), time.perf_counter() - started
    )


MAX_MEDIAN_ASSIGNMENTS = 2_000_000


def milp_median(
    dist: NDArray[np.float64],
    weight: NDArray[np.float64],
    *,
    p: int,
    time_limit_s: float = 30.0,
    mip_rel_gap: float = 1e-4,
    start: Sequence[int] | None = None,
) -> Answer:
    """The p-median MILP (module doc) solved by HiGHS; columns x_j, then z_ij row-major by i.
    Raises ValueError above MAX_MEDIAN_ASSIGNMENTS (candidates × demand points)."""
    n_cand, n_dem = dist.shape
    if n_cand * n_dem > MAX_MEDIAN_ASSIGNMENTS:
        raise ValueError("p-median instance too large")
    # Rows: n_dem assignment rows (= 1), n_cand*n_dem linking rows z_ij - x_j <= 0, 1 count row.
    n_link = n_cand * n_dem
    n_rows = n_dem + n_link + 1
    starts = [0]
    index: list[int] = []
    value: list[float] = []
    for j in range(n_cand):  # x_j: in every linking row of j (-1) and the count row (+1)
        rows = [n_dem + i * n_cand + j for i in range(n_dem)]
        index.extend(rows)
        value.extend([-1.0] * n_dem)
        index.append(n_rows - 1)
        value.append(1.0)
        starts.append(len(index))
    for i in range(n_dem):
        for j in range(n_cand):  # z_ij: its assignment row and its linking row
            index.extend((i, n_dem + i * n_cand + j))
            value.extend((1.0, 1.0))
            starts.append(len(index))
    lp = highspy.HighsLp()
    lp.num_col_ = n_cand + n_link
    lp.num_row_ = n_rows
    lp.sense_ = highspy.ObjSense.kMinimize
    lp.col_cost_ = np.concatenate([np.zeros(n_cand), (weight[:, None] * dist.T).ravel()])
    lp.col_lower_ = np.zeros(lp.num_col_)
    lp.col_upper_ = np.ones(lp.num_col_)
    lp.row_lower_ = np.concatenate([np.ones(n_dem), np.full(n_link, -highspy.kHighsInf), [p]])
    lp.row_upper_ = np.concatenate([np.ones(n_dem), np.zeros(n_link), [p]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.asarray(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(value, dtype=float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_cand + [
        highspy.HighsVarType.kContinuous
    ] * n_link
    initial = None
    if start is not None:
        chosen = sorted(start)
        nearest = [chosen[int(k)] for k in dist[chosen].argmin(axis=0)]
        z = np.zeros((n_dem, n_cand))
        z[np.arange(n_dem), nearest] = 1.0
        initial = [1.0 if j in chosen else 0.0 for j in range(n_cand)] + list(z.ravel())
    # HiGHS's probing in presolve can spend the whole time limit on the n x m linking rows
    # (seen on a 92 x 174 instance); without it such an instance solves in seconds.
    solver, seconds = _solve(
        lp,
        time_limit_s=time_limit_s,
        mip_rel_gap=mip_rel_gap,
        initial=initial,
        options={"presolve_rule_off": 1 << 15},
    )
    return _answer(solver, seconds, n_cand, maximise=False)


def greedy_gap(greedy: Answer, milp: Answer, *, maximise: bool) -> float | None:
    """The greedy's gap against the MILP's bound, relative to the bound: for covering
    (bound - greedy) / bound, for p-median (greedy - bound) / greedy. Equal to the true gap
    when the MILP proved optimality."""
    if milp.bound is None or not math.isfinite(milp.bound) or not math.isfinite(greedy.objective):
        return None
    if maximise:
        return 0.0 if milp.bound == 0 else max(0.0, (milp.bound - greedy.objective) / milp.bound)
    return (
        0.0
        if greedy.objective == 0
        else max(0.0, (greedy.objective - milp.bound) / greedy.objective)
    )
