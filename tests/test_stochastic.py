"""Tests for gdguide.stochastic: minibatch sampling, per-example gradients, noise models."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdguide import (
    ClipByNorm,
    GaussianNoise,
    LinearRegression,
    MinibatchGradient,
    MinibatchSampler,
    NoisyGradient,
    Quadratic,
    StudentTNoise,
    article_regression,
    gradient_descent,
    make_regression,
    per_example_gradients,
    sgd_divergence_boundary,
)
from gdguide.stochastic import _student_t_median_abs

sizes = st.integers(1, 40).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n)))


# --- MinibatchSampler -------------------------------------------------------------------------


@given(sizes, st.integers(0, 2**32 - 1), st.booleans())
def test_shuffled_epochs_use_every_example_exactly_once(size, seed, drop_last):
    n, b = size
    sampler = MinibatchSampler(n, b, seed=seed, drop_last=drop_last)
    per_epoch = n // b if drop_last else -(-n // b)
    for epoch in range(3):
        batches = [sampler.next_batch() for _ in range(per_epoch)]
        assert sampler.epoch == epoch
        seen = np.concatenate(batches)
        assert len(set(seen.tolist())) == len(seen)  # no repeat inside an epoch
        assert len(seen) == (n - n % b if drop_last else n)
        assert all(len(batch) == b for batch in batches[:-1])
        if drop_last:
            assert len(batches[-1]) == b


@given(sizes, st.integers(0, 2**32 - 1), st.booleans())
def test_the_same_seed_gives_the_same_batches(size, seed, replacement):
    n, b = size

    def draw():
        sampler = MinibatchSampler(n, b, seed=seed, replacement=replacement)
        return [sampler.next_batch().tolist() for _ in range(7)]

    assert draw() == draw()


def test_batches_with_replacement_are_uniform_and_may_exceed_the_data_set():
    sampler = MinibatchSampler(5, 8, seed=3, replacement=True)
    draws = np.concatenate([sampler.next_batch() for _ in range(5000)])
    counts = np.bincount(draws, minlength=5) / len(draws)
    assert draws.min() == 0 and draws.max() == 4
    assert np.allclose(counts, 0.2, atol=0.01)


def test_different_seeds_give_different_batches():
    a = MinibatchSampler(100, 10, seed=0).next_batch()
    b = MinibatchSampler(100, 10, seed=1).next_batch()
    assert a.tolist() != b.tolist()


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"num_examples": 0, "batch_size": 1, "seed": 0}, ValueError, "num_examples"),
        ({"num_examples": 5, "batch_size": 6, "seed": 0}, ValueError, "batch_size"),
        ({"num_examples": 5, "batch_size": 2.0, "seed": 0}, TypeError, "batch_size"),
        ({"num_examples": 5, "batch_size": 2, "seed": -1}, ValueError, "seed"),
        ({"num_examples": 5, "batch_size": 2, "seed": None}, TypeError, "seed"),
    ],
)
def test_sampler_errors_name_the_parameter(kwargs, error, name):
    with pytest.raises(error, match=name):
        MinibatchSampler(**kwargs)


# --- per-example and minibatch gradients ------------------------------------------------------


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_per_example_gradients_add_up_to_the_problem_gradient(reduction, fit_intercept):
    problem = make_regression(
        50, 3, seed=1, noise=0.3, fit_intercept=fit_intercept, reduction=reduction
    )
    theta = np.linspace(-1, 1, problem.n_params)
    rows = per_example_gradients(problem, theta)
    m = 50 if reduction == "mean" else 1
    np.testing.assert_allclose(rows.sum(axis=0) / m, problem.grad(theta), rtol=1e-12)


def test_per_example_gradients_vanish_at_an_interpolating_solution():
    line = article_regression(fit_intercept=True)
    assert np.abs(per_example_gradients(line, [-1.0, 2.0])).max() < 1e-12
    assert np.abs(per_example_gradients(article_regression(), [19 / 11])).min() > 0.5


def test_per_example_gradients_select_rows_with_repeats():
    problem = article_regression()
    rows = per_example_gradients(problem, [1.0], [4, 4, 0])
    np.testing.assert_allclose(rows[:, 0], [-40.0, -40.0, 0.0])


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((np.zeros(2),), ValueError, "theta"),
        ((np.zeros(1), [5]), ValueError, "indices"),
        ((np.zeros(1), [0.5]), TypeError, "indices"),
    ],
)
def test_per_example_gradients_errors_name_the_parameter(args, error, match):
    with pytest.raises(error, match=match):
        per_example_gradients(article_regression(), *args)


def test_per_example_gradients_need_a_linear_regression():
    with pytest.raises(TypeError, match="problem"):
        per_example_gradients(Quadratic(np.eye(1)), [0.0])


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_minibatch_gradient_is_unbiased_with_replacement(reduction):
    problem = make_regression(30, 2, seed=2, noise=1.0, reduction=reduction)
    theta = np.array([0.3, -0.7])
    rows = per_example_gradients(problem, theta)
    grad = MinibatchGradient(problem, 3, seed=0, replacement=True)
    estimates = np.array([grad(theta) for _ in range(4000)])
    spread = rows.std(axis=0) * (30 if reduction == "sum" else 1) / np.sqrt(3 * 4000)
    assert np.all(np.abs(estimates.mean(axis=0) - problem.grad(theta)) < 5 * spread)


def test_a_shuffled_epoch_of_equal_batches_averages_to_the_full_gradient():
    problem = make_regression(24, 3, seed=4, noise=0.5)
    theta = np.ones(3)
    grad = MinibatchGradient(problem, 6, seed=9)
    epoch = np.mean([grad(theta) for _ in range(4)], axis=0)
    np.testing.assert_allclose(epoch, problem.grad(theta), rtol=1e-12)
    assert sorted(np.concatenate(grad.batches).tolist()) == list(range(24))


def test_sgd_with_a_fixed_step_converges_under_interpolation_and_not_without():
    line = article_regression(fit_intercept=True, reduction="mean")
    run = gradient_descent(
        MinibatchGradient(line, 1, seed=0, replacement=True),
        np.zeros(2),
        num_steps=3000,
        learning_rate=0.02,
    )
    assert np.abs(run.final - [-1.0, 2.0]).max() < 1e-7
    slope = article_regression(reduction="mean")
    run = gradient_descent(
        MinibatchGradient(slope, 1, seed=0, replacement=True),
        np.zeros(1),
        num_steps=3000,
        learning_rate=0.02,
    )
    spread = np.sqrt(np.mean((run.params[1000:, 0] - 19 / 11) ** 2))
    assert 0.03 < spread < 0.1  # the noise ball of the page (formula 0.0536)


def test_minibatch_gradient_keeps_the_clip_in_the_runner():
    line = article_regression(fit_intercept=True, reduction="mean")
    run = gradient_descent(
        MinibatchGradient(line, 1, seed=0),
        np.zeros(2),
        num_steps=50,
        learning_rate=0.02,
        clip=ClipByNorm(1.0),
    )
    assert run.clipped_grad_norms.max() <= 1.0 + 1e-12
    assert run.clip_rate > 0.5


# --- make_regression ------------------------------------------------------------------------------


def test_make_regression_is_reproducible_and_interpolates_without_noise():
    a = make_regression(100, 4, seed=5)
    b = make_regression(100, 4, seed=5)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert a.loss(a.minimizer) < 1e-25
    assert isinstance(a, LinearRegression)


def test_make_regression_feature_scales_set_the_hessian():
    problem = make_regression(20000, 2, seed=0, feature_scales=[1.0, 3.0])
    np.testing.assert_allclose(np.diag(problem.hessian()), [2.0, 18.0], rtol=0.05)


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"noise": -1.0}, ValueError, "noise"),
        ({"feature_scales": [1.0]}, ValueError, "feature_scales"),
        ({"feature_scales": [1.0, 0.0]}, ValueError, "feature_scales"),
        ({"seed": 1.5}, TypeError, "seed"),
    ],
)
def test_make_regression_errors_name_the_parameter(kwargs, error, name):
    arguments = {"seed": 0, **kwargs}
    with pytest.raises(error, match=name):
        make_regression(10, 2, **arguments)


# --- noise models ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("dof", "median"), [(1.0, 1.0), (2.0, np.sqrt(2 / 3))])
def test_student_t_median_abs_matches_closed_forms(dof, median):
    assert _student_t_median_abs(dof) == pytest.approx(median, rel=1e-10)


def test_student_t_median_abs_tends_to_the_gaussian_one():
    assert _student_t_median_abs(1e8) == pytest.approx(0.6744897501960817, rel=1e-6)


@pytest.mark.parametrize("dof", [1.5, 3.0])
def test_heavy_and_gaussian_noise_have_the_same_median_absolute_value(dof):
    gauss = np.abs(GaussianNoise(2.0, seed=0)((400_000,)))
    heavy = np.abs(StudentTNoise(2.0, dof, seed=0)((400_000,)))
    assert np.median(heavy) == pytest.approx(np.median(gauss), rel=0.01)
    assert np.quantile(heavy, 0.9999) > 3 * np.quantile(gauss, 0.9999)


def test_noise_is_seeded():
    for make in (lambda: GaussianNoise(1.0, seed=7), lambda: StudentTNoise(1.0, 1.5, seed=7)):
        np.testing.assert_array_equal(make()((5,)), make()((5,)))


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: GaussianNoise(0.0, seed=0), "scale"),
        (lambda: StudentTNoise(1.0, 0.0, seed=0), "dof"),
        (lambda: StudentTNoise(1.0, 1.5, seed=-2), "seed"),
    ],
)
def test_noise_errors_name_the_parameter(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_noisy_gradient_adds_the_noise_to_the_exact_gradient():
    quadratic = Quadratic(np.diag([1.0, 2.0]))
    noisy = NoisyGradient(quadratic.grad, GaussianNoise(1.0, seed=3))
    x = np.array([1.0, 1.0])
    expected = quadratic.grad(x) + GaussianNoise(1.0, seed=3)((2,))
    np.testing.assert_array_equal(noisy(x), expected)


def test_noisy_gradient_rejects_noise_of_the_wrong_shape_and_non_callables():
    noisy = NoisyGradient(lambda x: x, lambda shape: np.zeros(3))
    with pytest.raises(ValueError, match="noise"):
        noisy(np.zeros(2))
    with pytest.raises(TypeError, match="grad"):
        NoisyGradient(1.0, GaussianNoise(1.0, seed=0))


# --- sgd_divergence_boundary ----------------------------------------------------------------------


def test_the_stable_step_grows_with_the_batch_size_and_stays_below_two_over_lambda():
    problem = make_regression(500, 6, seed=0, noise=0.5)
    two_over_lambda = 2 / np.linalg.eigvalsh(problem.hessian())[-1]
    found = [
        sgd_divergence_boundary(
            problem, np.zeros(6), batch_size=b, seed=0, low=0.02, high=2.0, num_steps=150, tol=0.01
        ).estimate
        for b in (1, 32)
    ]
    assert found[0] < found[1] < 1.1 * two_over_lambda
    assert found[0] == pytest.approx(1 / 8, rel=0.3)  # b / (b + d + 1) for b = 1, d = 6


def test_sgd_divergence_boundary_checks_the_bracket():
    problem = make_regression(100, 2, seed=0)
    with pytest.raises(ValueError, match="high"):
        sgd_divergence_boundary(
            problem,
            np.zeros(2),
            batch_size=1,
            seed=0,
            low=0.01,
            high=0.02,
            num_steps=100,
            tol=0.001,
        )
    with pytest.raises(ValueError, match="low"):
        sgd_divergence_boundary(
            problem, np.zeros(2), batch_size=1, seed=0, low=0.5, high=0.4, num_steps=100, tol=0.001
        )
