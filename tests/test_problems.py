"""Tests for gdguide.problems: exact derivatives, the article's facts, validation."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from framework_support import require_framework
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gdguide import (
    LinearRegression,
    Quadratic,
    RecurrentCliff,
    Wall,
    article_regression,
    check_grad,
    finite_difference_gradient,
)

ARTICLE_X = np.array([[1], [2], [3], [4], [5]])
ARTICLE_Y = np.array([1, 3, 5, 7, 9])

finite = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


def all_problems():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(8, 3))
    matrix = rng.normal(size=(4, 4))
    return [
        (article_regression(), np.array([0.3])),
        (article_regression(fit_intercept=True, reduction="mean"), np.array([0.5, -1.0])),
        (article_regression(fit_intercept=True, standardize=True), np.array([2.0, 1.0])),
        (LinearRegression(features, rng.normal(size=8), fit_intercept=True), rng.normal(size=4)),
        (Quadratic(matrix @ matrix.T + np.eye(4), rng.normal(size=4)), rng.normal(size=4)),
        (Wall(), np.array([0.7, -1.3, 2.0])),
        (RecurrentCliff(), np.array([1.02])),
        (RecurrentCliff(T=7, x0=0.5, target=-2.0), np.array([-1.1])),
    ]


# --- The article's facts -------------------------------------------------------------------


def test_article_hessian_is_110_and_minimizer_is_19_over_11():
    problem = article_regression()
    assert problem.hessian().tolist() == [[110.0]]
    np.testing.assert_allclose(problem.minimizer, [19 / 11], rtol=1e-14)
    assert problem.loss(problem.minimizer) == pytest.approx(10 / 11, rel=1e-12)


def test_article_gradient_is_the_articles_expression():
    problem = article_regression()
    for theta in (np.zeros(1), np.array([1.7]), np.array([-250.0])):
        article = 2 * (ARTICLE_X @ theta - ARTICLE_Y) @ ARTICLE_X
        np.testing.assert_allclose(problem.grad(theta), article, rtol=1e-15)


@given(st.floats(-1e6, 1e6, allow_nan=False))
def test_article_gradient_matches_article_expression_everywhere(theta_value):
    theta = np.array([theta_value])
    article = 2 * (ARTICLE_X @ theta - ARTICLE_Y) @ ARTICLE_X
    np.testing.assert_allclose(article_regression().grad(theta), article, rtol=1e-12, atol=1e-9)


def test_article_regression_with_intercept_fits_minus_one_and_two():
    problem = article_regression(fit_intercept=True)
    np.testing.assert_allclose(problem.minimizer, [-1.0, 2.0], atol=1e-12)
    assert problem.loss(problem.minimizer) == pytest.approx(0.0, abs=1e-20)
    eigenvalues = np.linalg.eigvalsh(problem.hessian())
    np.testing.assert_allclose(eigenvalues, [1.6905, 118.3095], atol=5e-5)
    assert 2 / eigenvalues[-1] == pytest.approx(0.016905, abs=5e-7)


def test_standardized_feature_with_intercept_has_hessian_10_identity():
    problem = article_regression(fit_intercept=True, standardize=True)
    np.testing.assert_allclose(problem.hessian(), 10 * np.eye(2), atol=1e-12)
    np.testing.assert_allclose(problem.minimizer, [5.0, 2 * np.sqrt(2)], rtol=1e-12)


@pytest.mark.parametrize("n", range(1, 11))
def test_sum_loss_curvature_grows_like_n_cubed(n):
    expected = n * (n + 1) * (2 * n + 1) / 3
    assert article_regression(n=n).hessian()[0, 0] == pytest.approx(expected)


def test_safe_learning_rates_for_six_and_seven_points():
    assert 2 / article_regression(n=6).hessian()[0, 0] == pytest.approx(0.0110, abs=5e-5)
    assert 2 / article_regression(n=7).hessian()[0, 0] == pytest.approx(0.00714, abs=5e-6)


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_mean_reduction_is_sum_divided_by_n(fit_intercept):
    total = article_regression(n=9, fit_intercept=fit_intercept)
    mean = article_regression(n=9, fit_intercept=fit_intercept, reduction="mean")
    theta = np.linspace(-1, 1, total.n_params)
    assert mean.loss(theta) == pytest.approx(total.loss(theta) / 9)
    np.testing.assert_allclose(mean.grad(theta), total.grad(theta) / 9)
    np.testing.assert_allclose(mean.hessian(), total.hessian() / 9)
    np.testing.assert_allclose(mean.minimizer, total.minimizer)


def test_article_y_is_two_x_minus_one():
    problem = article_regression(n=5)
    assert problem.y.tolist() == [1.0, 3.0, 5.0, 7.0, 9.0]
    assert problem.X.ravel().tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]


# --- Exact derivatives for every problem ----------------------------------------------------


@pytest.mark.parametrize(("problem", "x"), all_problems())
def test_gradient_matches_finite_differences(problem, x):
    assert check_grad(problem.loss, problem.grad, x, relative=True) < 1e-6


@pytest.mark.parametrize(("problem", "x"), all_problems())
def test_hessian_matches_finite_differences_of_gradient(problem, x):
    assert check_grad(problem.grad, problem.hessian, x, relative=True) < 1e-6


@pytest.mark.parametrize(("problem", "x"), all_problems())
def test_hvp_equals_hessian_times_vector(problem, x):
    v = np.cos(np.arange(x.size) + 1.0)
    np.testing.assert_allclose(problem.hvp(x, v), problem.hessian(x) @ v, rtol=1e-12)


@pytest.mark.parametrize(("problem", "x"), all_problems())
def test_gradient_is_zero_at_minimizer(problem, x):
    minimizer = np.broadcast_to(problem.minimizer, x.shape)
    scale = max(1.0, float(np.abs(problem.hessian(minimizer)).max()))
    np.testing.assert_allclose(problem.grad(minimizer), 0.0, atol=1e-10 * scale)


@pytest.mark.parametrize(("problem", "x"), all_problems())
def test_derivatives_do_not_modify_input(problem, x):
    before = x.copy()
    problem.loss(x)
    problem.grad(x)
    problem.hessian(x)
    problem.hvp(x, np.ones_like(x))
    np.testing.assert_array_equal(x, before)


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=4), elements=finite))
def test_wall_gradient_is_exact_for_any_shape(x):
    wall = Wall()
    assert wall.grad(x).shape == x.shape
    np.testing.assert_allclose(wall.grad(x), 2 * x + 4 * x**3)
    assert check_grad(wall.loss, wall.grad, x) < 1e-6 * max(1.0, float(np.abs(x).max()) ** 3)


@given(
    st.integers(2, 4).flatmap(
        lambda d: st.tuples(
            hnp.arrays(np.float64, (d, d), elements=finite),
            hnp.arrays(np.float64, d, elements=finite),
            hnp.arrays(np.float64, d, elements=finite),
        )
    )
)
def test_quadratic_gradient_and_hessian_are_exact(args):
    matrix, b, x = args
    q = Quadratic(matrix + matrix.T, b)
    np.testing.assert_allclose(q.grad(x), (matrix + matrix.T) @ x - b)
    assert check_grad(q.loss, q.grad, x) < 1e-6
    assert check_grad(q.grad, q.hessian, x) < 1e-6


@given(st.floats(-1.3, 1.3, allow_nan=False), st.integers(1, 60))
def test_cliff_gradient_matches_finite_differences(w, steps):
    cliff = RecurrentCliff(T=steps)
    w = np.array([w])
    scale = max(1.0, abs(float(cliff.grad(w)[0])))
    assert check_grad(cliff.loss, cliff.grad, w) < 1e-5 * scale


def test_float32_parameters_stay_float32():
    x = np.array([0.5, -1.0], dtype=np.float32)
    assert Wall().grad(x).dtype == np.float32
    assert Wall().hvp(x, x).dtype == np.float32
    q = Quadratic(np.eye(2, dtype=np.float32))
    assert q.grad(x).dtype == np.float32
    problem = LinearRegression(np.ones((3, 2), np.float32), np.ones(3, np.float32))
    assert problem.grad(x).dtype == np.float32


# --- The recurrent cliff ------------------------------------------------------------------


def test_cliff_gradient_at_1_1_is_about_6_2e5():
    assert RecurrentCliff().grad(np.array([1.1]))[0] == pytest.approx(6.2e5, rel=0.01)


def test_cliff_curvature_at_1_is_2500():
    assert RecurrentCliff().hessian(np.array([1.0]))[0, 0] == pytest.approx(2500.0)


def test_cliff_hidden_states_are_powers_of_w():
    states = RecurrentCliff(T=4, x0=2.0).hidden_states(np.array([3.0]))
    assert states.tolist() == [2.0, 6.0, 18.0, 54.0, 162.0]


@pytest.mark.parametrize(
    ("T", "x0", "target", "expected"),
    [(50, 1.0, 1.0, 1.0), (3, 1.0, -8.0, -2.0), (2, 1.0, -4.0, 0.0), (2, 2.0, 8.0, 2.0)],
)
def test_cliff_minimizer(T, x0, target, expected):
    cliff = RecurrentCliff(T=T, x0=x0, target=target)
    assert cliff.minimizer[0] == pytest.approx(expected)
    w = cliff.minimizer
    assert cliff.loss(w) <= min(cliff.loss(w + 1e-3), cliff.loss(w - 1e-3))


def test_cliff_with_one_step_has_finite_hessian_at_zero():
    assert np.isfinite(RecurrentCliff(T=1).hessian(np.zeros(1))).all()


def test_overflow_far_from_minimum_is_silent_inf():
    assert RecurrentCliff().loss(np.array([1e10])) == np.inf
    assert Wall().loss(np.array([1e100])) == np.inf
    assert article_regression().loss(np.array([1e300])) == np.inf
    assert np.isinf(article_regression().grad(np.array([1e308]))).all()


# --- Validation -----------------------------------------------------------------------------


def test_problems_are_frozen_and_do_not_alias_inputs():
    features = np.array([[1.0], [2.0]])
    problem = LinearRegression(features, np.array([1.0, 2.0]))
    features[0, 0] = 100.0
    assert problem.X[0, 0] == 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.reduction = "mean"
    with pytest.raises(ValueError):
        problem.design[0, 0] = 3.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"X": [[1.0], [2.0]], "y": [1.0]}, "y must have shape"),
        ({"X": np.ones((2, 1, 1)), "y": [1.0, 2.0]}, "X must be 1-D or 2-D"),
        ({"X": [[1.0], [np.nan]], "y": [1.0, 2.0]}, "finite"),
        ({"X": [[1.0], [2.0]], "y": [1.0, 2.0], "reduction": "max"}, "reduction"),
    ],
)
def test_linear_regression_rejects_bad_data(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LinearRegression(**kwargs)


def test_linear_regression_rejects_text_data():
    with pytest.raises(TypeError, match="X"):
        LinearRegression(np.array([["a"], ["b"]]), [1.0, 2.0])


def test_wrong_parameter_shape_names_the_parameter():
    with pytest.raises(ValueError, match="theta must have shape"):
        article_regression().grad(np.zeros(2))
    with pytest.raises(ValueError, match="w must have shape"):
        RecurrentCliff().grad(np.zeros(2))
    with pytest.raises(ValueError, match="v must have the shape"):
        Wall().hvp(np.zeros(2), np.zeros(3))


@pytest.mark.parametrize(
    ("matrix", "match"),
    [(np.ones((2, 3)), "square"), ([[1.0, 2.0], [0.0, 1.0]], "symmetric"), ([[np.inf]], "finite")],
)
def test_quadratic_rejects_bad_matrix(matrix, match):
    with pytest.raises(ValueError, match=match):
        Quadratic(matrix)


def test_indefinite_quadratic_has_no_minimizer():
    with pytest.raises(ValueError, match="positive definite"):
        _ = Quadratic([[1.0, 0.0], [0.0, -1.0]]).minimizer


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"T": 0}, ValueError),
        ({"T": 2.5}, TypeError),
        ({"x0": 0.0}, ValueError),
        ({"target": np.nan}, ValueError),
    ],
)
def test_cliff_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error):
        RecurrentCliff(**kwargs)


def test_article_regression_rejects_standardizing_one_point():
    with pytest.raises(ValueError, match="n must be >= 2"):
        article_regression(n=1, standardize=True)


# --- Finite differences ---------------------------------------------------------------------


def test_check_grad_detects_a_wrong_gradient():
    wall = Wall()
    x = np.array([0.5, 1.5])
    assert check_grad(wall.loss, lambda x: 2 * x, x, relative=True) > 0.1


def test_check_grad_relative_is_zero_when_both_vanish():
    assert check_grad(lambda x: 1.0, lambda x: np.zeros_like(x), np.ones(3), relative=True) == 0.0


def test_check_grad_rejects_mismatched_sizes():
    with pytest.raises(ValueError, match="entries"):
        check_grad(Wall().loss, lambda x: np.zeros(5), np.ones(3))


def test_finite_difference_jacobian_has_output_then_input_shape():
    jac = finite_difference_gradient(
        lambda x: np.array([x.sum(), (x * x).sum(), 0.0]), np.ones((2, 2))
    )
    assert jac.shape == (3, 2, 2)
    np.testing.assert_allclose(jac[1], 2 * np.ones((2, 2)), rtol=1e-9)


def test_finite_difference_rejects_bad_eps_and_empty_x():
    with pytest.raises(ValueError, match="eps"):
        finite_difference_gradient(Wall().loss, np.ones(2), eps=0.0)
    with pytest.raises(ValueError, match="x must not be empty"):
        finite_difference_gradient(Wall().loss, np.ones(0))


# --- Parity with PyTorch autograd -----------------------------------------------------------

PARITY = json.loads((Path(__file__).parent / "data" / "problems_parity.json").read_text())
BUILDERS = {
    "article_regression": article_regression,
    "LinearRegression": LinearRegression,
    "Quadratic": Quadratic,
    "Wall": Wall,
    "RecurrentCliff": RecurrentCliff,
}


@pytest.mark.parametrize("case", PARITY["cases"], ids=lambda case: case["problem"])
def test_derivatives_match_recorded_torch_autograd(case):
    problem = BUILDERS[case["problem"]](**case["kwargs"])
    for point in case["points"]:
        x = np.array(point["x"])
        assert problem.loss(x) == pytest.approx(point["loss"], rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(problem.grad(x), point["grad"], rtol=1e-12, atol=1e-10)
        np.testing.assert_allclose(problem.hessian(x), point["hessian"], rtol=1e-12, atol=1e-10)


@pytest.mark.frameworks
@settings(max_examples=30)
@given(hnp.arrays(np.float64, 3, elements=finite), st.floats(0.8, 1.2), st.integers(1, 60))
def test_derivatives_match_live_torch_autograd(x, w, steps):
    torch = require_framework("torch")
    features = np.cos(np.arange(12.0)).reshape(4, 3)
    targets, design = np.arange(4.0), torch.tensor(features)
    cases = [
        (Wall(), lambda t: (t**2 + t**4).sum(), x),
        (
            LinearRegression(features, targets, reduction="mean"),
            lambda t: torch.nn.functional.mse_loss(design @ t, torch.tensor(targets)),
            x,
        ),
        (RecurrentCliff(T=steps), lambda t: 0.5 * (t[0] ** steps - 1.0) ** 2, np.array([w])),
    ]
    for problem, fun, point in cases:
        tensor = torch.tensor(point, dtype=torch.float64, requires_grad=True)
        (grad,) = torch.autograd.grad(fun(tensor), tensor)
        hessian = torch.autograd.functional.hessian(fun, tensor.detach())
        np.testing.assert_allclose(problem.grad(point), grad.numpy(), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(problem.hessian(point), hessian.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.frameworks
def test_mean_reduction_is_torch_mse_loss_default():
    # LinearRegression's docstring: "mean" is PyTorch's MSELoss() default
    torch = require_framework("torch")
    assert torch.nn.MSELoss().reduction == "mean"
