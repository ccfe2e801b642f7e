import numpy as np
import pytest
from framework_support import require_framework
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gdguide import (
    DivergenceBoundary,
    Momentum,
    Nesterov,
    find_divergence_boundary,
    hessian_vector_product,
    largest_eigenvalue,
    learning_rate_sweep,
    max_stable_learning_rate,
)

# the article's problem: sum loss ||X theta - y||^2, Hessian 110, boundary 2/110 = 1/55
X = np.arange(1.0, 6.0)[:, None]
Y = np.array([1.0, 3.0, 5.0, 7.0, 9.0])
# intercept design [1, x]: Hessian 2 A^T A with eigenvalues 118.3095 and 1.6905
A = np.column_stack([np.ones(5), np.arange(1.0, 6.0)])


def article_grad(theta):
    return 2 * X.T @ (X @ theta - Y)


def article_loss(theta):
    return float(np.sum((X @ theta - Y) ** 2))


def intercept_grad(w):
    return 2 * A.T @ (A @ w - Y)


def intercept_loss(w):
    return float(np.sum((A @ w - Y) ** 2))


@st.composite
def spd_matrices(draw, min_gap=0.0):
    """Random SPD matrix Q diag(eigs) Q^T with a relative gap of at least `min_gap` at the top."""
    n = draw(st.integers(1, 8))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    top = draw(st.floats(1e-3, 1e4))
    rest = rng.uniform(1e-6, 1.0 - min_gap, size=n - 1) * top
    eigs = np.concatenate([[top], rest])
    return (q * eigs) @ q.T, top


def gd_distance(lr, lam, x0, num_steps, optimizer=None):
    """|x_T| for a run on f(x) = lam/2 x^2 (minimum at 0), with GD or an optimizer factory."""
    x = np.array([x0])
    opt = None if optimizer is None else optimizer(lr)
    state = None if opt is None else opt.init(x)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(num_steps):
            if opt is None:
                x = x - lr * lam * x
            else:
                x, state = opt.step(x, lam * x, state)
    return abs(x[0])


# ---------------------------------------------------------------- hessian_vector_product


@given(spd=spd_matrices(), seed=st.integers(0, 1000))
def test_hvp_is_exact_on_quadratics(spd, seed):
    h, top = spd
    rng = np.random.default_rng(seed)
    b, x, v = (rng.standard_normal(len(h)) for _ in range(3))
    got = hessian_vector_product(lambda z: h @ z - b, x, v)
    np.testing.assert_allclose(got, h @ v, rtol=1e-6, atol=1e-8 * top * np.linalg.norm(v))


@given(x=hnp.arrays(np.float64, (2, 3), elements=st.floats(-3, 3)), seed=st.integers(0, 1000))
def test_hvp_matches_analytic_hessian_of_quartic(x, seed):
    v = np.random.default_rng(seed).standard_normal((2, 3))
    got = hessian_vector_product(lambda z: 4 * z**3, x, v)
    np.testing.assert_allclose(got, 12 * x**2 * v, rtol=1e-6, atol=1e-7)


def test_hvp_of_zero_direction_is_zero_without_calling_grad():
    def grad(_):
        raise AssertionError("grad must not be called")

    np.testing.assert_array_equal(
        hessian_vector_product(grad, np.ones(3), np.zeros(3)), np.zeros(3)
    )


def test_hvp_keeps_float32_and_does_not_modify_inputs():
    x = np.array([1.0, 2.0], dtype=np.float32)
    v = np.array([0.5, -1.0], dtype=np.float32)
    got = hessian_vector_product(lambda z: 4 * z**3, x, v)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, 12 * x**2 * v, rtol=1e-3)
    np.testing.assert_array_equal(x, [1.0, 2.0])
    np.testing.assert_array_equal(v, [0.5, -1.0])


def test_hvp_explicit_step_is_used():
    calls = []

    def grad(z):
        calls.append(z.copy())
        return z**2

    hessian_vector_product(grad, np.zeros(1), np.ones(1), eps=0.25)
    assert [c[0] for c in calls] == [0.25, -0.25]


def test_hvp_rejects_bad_input():
    with pytest.raises(ValueError, match="x.*v"):
        hessian_vector_product(lambda z: z, np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match=r"grad\(x\)"):
        hessian_vector_product(lambda z: z[:1], np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match="eps"):
        hessian_vector_product(lambda z: z, np.zeros(2), np.ones(2), eps=0.0)
    with pytest.raises(TypeError, match="v"):
        hessian_vector_product(lambda z: z, np.zeros(1), np.array(["a"]))


# ---------------------------------------------------------------- largest_eigenvalue


def test_power_iteration_finds_article_curvature_110_from_finite_differences():
    hvp = lambda v: hessian_vector_product(article_grad, np.zeros(1), v)  # noqa: E731
    result = largest_eigenvalue(hvp, np.zeros(1))
    assert result.converged
    assert result.eigenvalue == pytest.approx(110.0, rel=1e-9)


def test_power_iteration_on_intercept_design_gives_118_3095_and_condition_number_70():
    hvp = lambda v: hessian_vector_product(intercept_grad, np.zeros(2), v)  # noqa: E731
    top = largest_eigenvalue(hvp, 2)
    shifted = largest_eigenvalue(lambda v: hvp(v) - top.eigenvalue * v, 2)
    smallest = shifted.eigenvalue + top.eigenvalue
    assert top.eigenvalue == pytest.approx(118.3095, abs=5e-5)
    assert smallest == pytest.approx(1.6905, abs=5e-5)
    assert top.eigenvalue / smallest == pytest.approx(70.0, abs=0.05)
    assert max_stable_learning_rate(top.eigenvalue) == pytest.approx(0.016905, abs=5e-7)


@given(spd=spd_matrices(min_gap=0.05))
def test_power_iteration_matches_eigvalsh_on_spd_matrices(spd):
    h, _ = spd
    expected = np.linalg.eigvalsh(h)[-1]
    result = largest_eigenvalue(lambda v: h @ v, len(h))
    assert result.converged
    assert result.eigenvalue == pytest.approx(expected, rel=1e-8)
    np.testing.assert_allclose(
        h @ result.eigenvector, result.eigenvalue * result.eigenvector, atol=1e-4 * expected
    )


@given(spd=spd_matrices())
def test_power_iteration_never_overshoots_on_spd_without_gap(spd):
    h, _ = spd
    expected = np.linalg.eigvalsh(h)[-1]
    result = largest_eigenvalue(lambda v: h @ v, len(h), num_iters=3000)
    assert result.eigenvalue <= expected * (1 + 1e-12)
    assert result.eigenvalue >= expected * (1 - 1e-3)


def test_power_iteration_is_deterministic_and_seed_independent_in_value():
    rng = np.random.default_rng(3)
    m = rng.standard_normal((6, 6))
    h = m @ m.T
    a = largest_eigenvalue(lambda v: h @ v, 6, seed=5)
    b = largest_eigenvalue(lambda v: h @ v, 6, seed=5)
    c = largest_eigenvalue(lambda v: h @ v, 6, seed=6)
    np.testing.assert_array_equal(a.eigenvector, b.eigenvector)
    assert a.num_iters == b.num_iters
    assert c.eigenvalue == pytest.approx(a.eigenvalue, rel=1e-9)


def test_power_iteration_returns_largest_magnitude_with_its_sign():
    h = np.diag([-5.0, 2.0, 1.0])
    result = largest_eigenvalue(lambda v: h @ v, 3)
    assert result.eigenvalue == pytest.approx(-5.0, rel=1e-9)


def test_power_iteration_reports_non_convergence_for_opposite_eigenvalues():
    h = np.diag([1.0, -1.0])
    result = largest_eigenvalue(lambda v: h @ v, 2, num_iters=50)
    assert not result.converged
    assert result.num_iters == 50
    assert result.residual > 0.1


def test_power_iteration_on_zero_operator_returns_zero():
    result = largest_eigenvalue(np.zeros_like, 4)
    assert result.eigenvalue == 0.0 and result.converged


def test_power_iteration_vectors_take_the_template_shape_and_dtype():
    template = np.zeros((2, 3), dtype=np.float32)
    result = largest_eigenvalue(lambda v: 2 * v, template)
    assert result.eigenvector.shape == (2, 3)
    assert result.eigenvector.dtype == np.float32
    assert result.eigenvalue == pytest.approx(2.0, rel=1e-6)


def test_power_iteration_rejects_bad_input():
    with pytest.raises(ValueError, match=r"hvp\(v\)"):
        largest_eigenvalue(lambda v: v[:1], 2)
    with pytest.raises(ValueError, match="non-finite"):
        largest_eigenvalue(lambda v: v * np.inf, 2)
    with pytest.raises(ValueError, match="num_iters"):
        largest_eigenvalue(lambda v: v, 2, num_iters=0)
    with pytest.raises(ValueError, match="tol"):
        largest_eigenvalue(lambda v: v, 2, tol=-1.0)
    with pytest.raises(ValueError, match="dim_or_x0"):
        largest_eigenvalue(lambda v: v, 0)
    with pytest.raises(TypeError, match="seed"):
        largest_eigenvalue(lambda v: v, 2, seed=1.5)
    with pytest.raises(TypeError, match="dim_or_x0"):
        largest_eigenvalue(lambda v: v, "abc")


# ---------------------------------------------------------------- max_stable_learning_rate


def test_max_stable_learning_rate_article_values():
    assert max_stable_learning_rate(110.0) == pytest.approx(1 / 55, rel=1e-15)
    assert max_stable_learning_rate(110.0, momentum=0.9) == pytest.approx(3.8 / 110, rel=1e-15)
    assert 110 * max_stable_learning_rate(110.0, momentum=0.9, nesterov=True) == pytest.approx(
        3.8 / 2.8
    )
    assert max_stable_learning_rate(110.0, momentum=0.0, nesterov=True) == max_stable_learning_rate(
        110.0
    )


@settings(max_examples=30)
@given(
    lam=st.floats(1e-2, 1e3),
    beta=st.floats(0.0, 0.95),
    kind=st.sampled_from(["gd", "heavy", "nesterov"]),
)
def test_max_stable_learning_rate_separates_converging_from_diverging_runs(lam, beta, kind):
    factory = {
        "gd": None,
        "heavy": lambda lr: Momentum(lr, beta),
        "nesterov": lambda lr: Nesterov(lr, beta),
    }[kind]
    threshold = max_stable_learning_rate(
        lam, momentum=0.0 if kind == "gd" else beta, nesterov=kind == "nesterov"
    )
    below = gd_distance(0.99 * threshold, lam, 1.0, 4000, factory)
    above = gd_distance(1.01 * threshold, lam, 1.0, 4000, factory)
    assert below < 1e-3
    assert not np.isfinite(above) or above > 1e3


@settings(max_examples=20)
@given(spd=spd_matrices(), seed=st.integers(0, 1000))
def test_estimated_stable_lr_separates_runs_on_random_quadratics(spd, seed):
    h, _ = spd
    lam = largest_eigenvalue(lambda v: h @ v, len(h), num_iters=5000, tol=1e-14).eigenvalue
    x0 = np.random.default_rng(seed).standard_normal(len(h))
    lr = max_stable_learning_rate(lam)
    sweep = learning_rate_sweep(lambda x: h @ x, x0, [0.98 * lr, 1.02 * lr], num_steps=2000)
    assert sweep.diverged.tolist() == [False, True]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"lambda_max": 0.0}, ValueError, "lambda_max"),
        ({"lambda_max": np.inf}, ValueError, "lambda_max"),
        ({"lambda_max": 1.0, "momentum": 1.0}, ValueError, "momentum"),
        ({"lambda_max": "1"}, TypeError, "lambda_max"),
        ({"lambda_max": 1.0, "nesterov": "yes"}, TypeError, "nesterov"),
    ],
)
def test_max_stable_learning_rate_rejects_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        max_stable_learning_rate(**kwargs)


# ---------------------------------------------------------------- learning_rate_sweep


@pytest.mark.parametrize("loss", [None, article_loss], ids=["grad_norm", "loss"])
def test_sweep_flags_learning_rates_above_one_over_55(loss):
    lrs = [0.005, 1 / 110, 0.018, 1 / 55, 0.0182, 0.02, 0.03]
    result = learning_rate_sweep(article_grad, np.zeros(1), lrs, num_steps=1000, loss=loss)
    assert result.diverged.tolist() == [False, False, False, False, True, True, True]
    assert result.criterion == ("grad_norm" if loss is None else "loss")
    np.testing.assert_allclose(result.final_params[:2, 0], 19 / 11, rtol=1e-12)
    assert result.final_params[2, 0] == pytest.approx(19 / 11, abs=0.98**1000 * 19 / 11 * 1.01)
    assert result.final_params[3, 0] == 0.0  # exactly at 1/55: alternates 0, 2 theta*, 0, ...
    assert result.final_params[4, 0] == pytest.approx(-11.0, abs=0.05)
    assert result.nonfinite_step.tolist()[:6] == [-1] * 6
    assert 0 < result.nonfinite_step[6] <= 1000
    assert np.isnan(result.final_values[6])


def test_sweep_matches_ground_truth_divergent_values():
    result = learning_rate_sweep(article_grad, np.zeros(1), [0.02, 0.025], num_steps=1000)
    assert result.final_params[0, 0] == pytest.approx(-2.6e79, rel=0.05)
    assert result.final_params[1, 0] == pytest.approx(-1.9e243, rel=0.05)


def test_sweep_with_momentum_factory_moves_the_boundary_to_heavy_ball_threshold():
    result = learning_rate_sweep(
        article_grad,
        np.zeros(1),
        [0.034, 0.0346],
        num_steps=5000,
        optimizer=lambda lr: Momentum(lr, 0.9),
    )
    assert result.diverged.tolist() == [False, True]


def test_sweep_keeps_float32_and_does_not_modify_x0():
    x0 = np.array([0.5, -0.5], dtype=np.float32)
    result = learning_rate_sweep(lambda x: 2 * x, x0, [0.1, 1.5], num_steps=20)
    assert result.final_params.dtype == np.float32
    assert result.final_params.shape == (2, 2)
    np.testing.assert_array_equal(x0, np.array([0.5, -0.5], dtype=np.float32))


@pytest.mark.parametrize(
    ("learning_rates", "message"),
    [
        ([], "learning_rates"),
        ([[0.1]], "learning_rates"),
        ([0.1, -0.1], "learning_rates"),
        ([np.nan], "learning_rates"),
    ],
)
def test_sweep_rejects_bad_learning_rates(learning_rates, message):
    with pytest.raises(ValueError, match=message):
        learning_rate_sweep(article_grad, np.zeros(1), learning_rates, num_steps=10)


def test_sweep_rejects_bad_arguments():
    with pytest.raises(ValueError, match="num_steps"):
        learning_rate_sweep(article_grad, np.zeros(1), [0.1], num_steps=0)
    with pytest.raises(TypeError, match="learning_rates"):
        learning_rate_sweep(article_grad, np.zeros(1), ["a"], num_steps=1)
    with pytest.raises(TypeError, match=r"loss\(x\)"):
        learning_rate_sweep(article_grad, np.zeros(1), [0.1], num_steps=1, loss=lambda x: x)
    with pytest.raises(ValueError, match=r"grad\(x\)"):
        learning_rate_sweep(lambda x: np.zeros(3), np.zeros(1), [0.1], num_steps=1)
    for name, kwargs in [
        ("grad", {"grad": 1.0}),
        ("loss", {"loss": 1.0}),
        ("optimizer", {"optimizer": 1.0}),
    ]:
        with pytest.raises(TypeError, match=name):
            learning_rate_sweep(
                **{"grad": article_grad, **kwargs},
                x0=np.zeros(1),
                learning_rates=[0.1],
                num_steps=1,
            )
    with pytest.raises(TypeError, match="hvp"):
        largest_eigenvalue(np.eye(2), 2)
    with pytest.raises(TypeError, match="grad"):
        hessian_vector_product(None, np.zeros(1), np.ones(1))


# ---------------------------------------------------------------- find_divergence_boundary


@pytest.mark.parametrize("tol", [1e-6, 1e-9, 1e-12])
def test_boundary_on_article_problem_is_one_over_55(tol):
    found = find_divergence_boundary(
        article_grad, np.zeros(1), low=0.01, high=0.03, num_steps=1000, tol=tol
    )
    assert found.low <= 1 / 55 <= found.high
    assert found.high - found.low <= tol
    assert abs(found.estimate - 1 / 55) <= tol


def test_boundary_with_momentum_is_close_to_heavy_ball_threshold():
    found = find_divergence_boundary(
        article_grad,
        np.zeros(1),
        low=0.02,
        high=0.05,
        num_steps=3000,
        tol=1e-9,
        optimizer=lambda lr: Momentum(lr, 0.9),
    )
    assert found.estimate == pytest.approx(3.8 / 110, rel=1e-4)


def test_boundary_finite_step_bias_is_upward_and_shrinks_like_one_over_steps():
    exact = max_stable_learning_rate(np.linalg.eigvalsh(2 * A.T @ A)[-1])
    biases = []
    for num_steps in (100, 1000):
        found = find_divergence_boundary(
            intercept_grad,
            np.zeros(2),
            low=0.01,
            high=0.03,
            num_steps=num_steps,
            tol=1e-12,
            loss=intercept_loss,
        )
        biases.append(found.estimate - exact)
    assert biases[0] > biases[1] > 0
    assert biases[0] / biases[1] == pytest.approx(10.0, rel=0.05)


def test_boundary_rejects_invalid_bracket():
    with pytest.raises(ValueError, match="low=0.02 already diverges"):
        find_divergence_boundary(
            article_grad, np.zeros(1), low=0.02, high=0.03, num_steps=500, tol=1e-6
        )
    with pytest.raises(ValueError, match="high=0.015 does not diverge"):
        find_divergence_boundary(
            article_grad, np.zeros(1), low=0.01, high=0.015, num_steps=500, tol=1e-6
        )
    with pytest.raises(ValueError, match="low must be smaller"):
        find_divergence_boundary(
            article_grad, np.zeros(1), low=0.03, high=0.01, num_steps=500, tol=1e-6
        )
    with pytest.raises(ValueError, match="tol"):
        find_divergence_boundary(
            article_grad, np.zeros(1), low=0.01, high=0.03, num_steps=500, tol=0.0
        )


def test_boundary_record_estimate_is_midpoint():
    assert DivergenceBoundary(low=1.0, high=2.0, num_runs=2).estimate == 1.5


@pytest.mark.frameworks
@given(x=hnp.arrays(np.float64, 4, elements=st.floats(-2, 2)), seed=st.integers(0, 1000))
def test_live_hvp_matches_torch_autograd(x, seed):
    torch = require_framework("torch")
    v = np.random.default_rng(seed).standard_normal(4)

    def f(z):
        return (z**4).sum() + torch.sin(z[0]) * torch.cos(z[1]) * z[2] + (z[:-1] * z[1:]).sum()

    def grad(z):
        t = torch.tensor(z, requires_grad=True)
        return torch.autograd.grad(f(t), t)[0].numpy()

    _, exact = torch.autograd.functional.hvp(f, torch.tensor(x), torch.tensor(v))
    got = hessian_vector_product(grad, x, v)
    np.testing.assert_allclose(got, exact.numpy(), rtol=1e-6, atol=1e-6 * np.linalg.norm(v))
