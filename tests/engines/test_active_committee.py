"""Committee regression (lecture 10.1): the disagreement of fixed models against a direct
computation, the GP variance against the batch formula, determinism and restore."""
from __future__ import annotations

import numpy as np
import pytest

from engines.active.acquisition import regression_disagreement
from engines.active.committee import CommitteeEngine
from engines.active.configs import CommitteeConfig
from engines.bayes.gp_math import batch_posterior, se_kernel
from tests.engines.nn_helpers import (assert_cancelled_before_start, assert_same_run,
                                      global_rng_untouched, round_trip, run_to_end)

SMALL = CommitteeConfig(n_candidates=41, committee_size=3, hidden=6, train_iters=20, steps=4)


def test_disagreement_is_the_unbiased_variance_over_members():
    rng = np.random.default_rng(0)
    f = rng.standard_normal((6, 30))
    n = len(f)
    fbar = f.sum(axis=0) / n
    direct = np.array([sum((f[j, i] - fbar[i]) ** 2 for j in range(n)) / (n - 1)
                       for i in range(30)])
    np.testing.assert_allclose(regression_disagreement(f), direct, rtol=1e-12)
    np.testing.assert_allclose(regression_disagreement(f), np.var(f, axis=0, ddof=1))


def test_engine_band_and_query_come_from_its_fixed_members():
    engine = CommitteeEngine(SMALL)
    snap = run_to_end(engine)[-1]
    w1, b1, w2, b2 = (p.detach().numpy() for p in engine.net.params)
    x = snap.arrays["x"][:, None]
    members = (np.tanh(np.einsum("pd,mdh->mph", x, w1) + b1) @ w2 + b2)[..., 0]
    members = members[:SMALL.committee_size]
    np.testing.assert_allclose(snap.arrays["members"], members, atol=1e-10)
    dis = np.var(members, axis=0, ddof=1)
    np.testing.assert_allclose(snap.arrays["disagreement"], dis, atol=1e-10)
    assert snap.metrics["next_query_x"] == snap.arrays["x"][np.argmax(dis)]
    # the committee's last query was its disagreement maximum at that time: it was asked
    assert len(snap.arrays["data_x_committee"]) == SMALL.n_initial + SMALL.steps


def test_gp_variance_and_mean_equal_the_batch_formula():
    snap = run_to_end(CommitteeEngine(SMALL))[-1]
    x = snap.arrays["x"]
    prior = SMALL.gp_amplitude**2 * se_kernel(x, 1.0, SMALL.gp_length)
    sites = np.searchsorted(x, snap.arrays["data_x_gp"])
    mean, cov = batch_posterior(np.zeros_like(x), prior, sites, snap.arrays["data_y_gp"],
                                SMALL.noise)
    np.testing.assert_allclose(snap.arrays["gp_mean"], mean, atol=1e-8)
    np.testing.assert_allclose(snap.arrays["gp_var"], np.clip(np.diag(cov), 0, None),
                               atol=1e-8)


def test_default_run_committee_beats_random_queries():
    cfg = CommitteeConfig(steps=20, train_iters=100)
    snap = run_to_end(CommitteeEngine(cfg))[-1]
    print({k: round(v, 4) for k, v in snap.metrics.items()})
    assert snap.metrics["rmse_committee"] < snap.metrics["rmse_random"]


def test_same_seed_same_numbers_and_restore():
    with global_rng_untouched():
        a = run_to_end(CommitteeEngine(SMALL))[-1]
    assert_same_run(a, run_to_end(CommitteeEngine(SMALL))[-1])
    first = CommitteeEngine(SMALL.replace(steps=2))
    run_to_end(first)
    restored = CommitteeEngine(SMALL)
    restored.load_state_dict(round_trip(first.state_dict()))
    assert_same_run(a, run_to_end(restored)[-1])


def test_cancel_before_start():
    assert_cancelled_before_start(CommitteeEngine(SMALL))
