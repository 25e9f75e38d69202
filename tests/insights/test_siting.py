"""Siting rules: HiGHS's answer is the true optimum; the greedy's reported gap is its true gap."""

import itertools
import random

import numpy as np
import pytest

from kubat.insights import siting


def seeded_instance(seed: int, n_cand: int = 9, n_dem: int = 40) -> siting.Instance:
    rng = random.Random(seed)
    candidates = [(42 + rng.random(), 74 + rng.random() * 1.5) for _ in range(n_cand)]
    demand = [
        (42 + rng.random(), 74 + rng.random() * 1.5, rng.randint(1, 100)) for _ in range(n_dem)
    ]
    return siting.Instance.build(candidates, demand)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_covering_milp_equals_brute_force_and_greedy_gap_is_true(seed):
    inst = seeded_instance(seed)
    cover = siting.coverage(inst, radius_km=25)
    budget = 3
    best = max(
        siting.covered_weight(cover, inst.weight, combo)
        for combo in itertools.combinations(range(len(cover)), budget)
    )
    milp = siting.milp_covering(cover, inst.weight, budget=budget, mip_rel_gap=0)
    assert milp.status == "Optimal"
    assert milp.objective == pytest.approx(best, abs=1e-6)
    assert siting.covered_weight(cover, inst.weight, milp.sites) == pytest.approx(best, abs=1e-6)
    assert len(milp.sites) <= budget
    greedy = siting.greedy_covering(cover, inst.weight, budget=budget)
    true_gap = (best - greedy.objective) / best
    assert siting.greedy_gap(greedy, milp, maximise=True) == pytest.approx(true_gap, abs=1e-9)
    assert greedy.objective == pytest.approx(
        siting.covered_weight(cover, inst.weight, greedy.sites)
    )


def test_a_seeded_instance_where_greedy_is_not_optimal_reports_its_real_gap():
    found = None
    for seed in range(60):
        inst = seeded_instance(seed, n_cand=8, n_dem=30)
        cover = siting.coverage(inst, radius_km=30)
        milp = siting.milp_covering(cover, inst.weight, budget=2, mip_rel_gap=0)
        greedy = siting.greedy_covering(cover, inst.weight, budget=2)
        if greedy.objective < milp.objective - 1e-6:
            found = (inst, cover, milp, greedy)
            break
    assert found is not None, "no seed where greedy falls short: the test proves nothing"
    inst, cover, milp, greedy = found
    best = max(
        siting.covered_weight(cover, inst.weight, c)
        for c in itertools.combinations(range(len(cover)), 2)
    )
    gap = siting.greedy_gap(greedy, milp, maximise=True)
    assert gap > 0
    assert gap == pytest.approx((best - greedy.objective) / best, abs=1e-9)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_p_median_milp_equals_brute_force_and_greedy_gap_is_true(seed):
    inst = seeded_instance(seed, n_cand=7, n_dem=25)
    dist = siting.distances_km(inst.cand_lat, inst.cand_lon, inst.dem_lat, inst.dem_lon)
    p = 2
    best = min(
        siting.median_cost(dist, inst.weight, combo)
        for combo in itertools.combinations(range(dist.shape[0]), p)
    )
    milp = siting.milp_median(dist, inst.weight, p=p, mip_rel_gap=0)
    assert milp.status == "Optimal"
    assert milp.objective == pytest.approx(best, rel=1e-9)
    assert siting.median_cost(dist, inst.weight, milp.sites) == pytest.approx(best, rel=1e-9)
    greedy = siting.greedy_median(dist, inst.weight, p=p)
    true_gap = (greedy.objective - best) / greedy.objective
    assert siting.greedy_gap(greedy, milp, maximise=False) == pytest.approx(true_gap, abs=1e-9)


def test_distances_are_great_circle_km():
    # Bishkek to Almaty: about 197 km as the crow flies.
    d = siting.distances_km(
        np.array([42.8746]), np.array([74.5698]), np.array([43.2389]), np.array([76.8897])
    )
    assert d[0, 0] == pytest.approx(193.5, abs=3)
