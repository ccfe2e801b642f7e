"""Tests for gdguide.descent: the ground-truth runs of the guide, the record, validation."""

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

import gdguide
from gdguide import RecurrentCliff, Trajectory, Wall, article_regression, gradient_descent

THETA_STAR = 19 / 11
ARTICLE_X = np.array([[1], [2], [3], [4], [5]])
ARTICLE_Y = np.array([1, 3, 5, 7, 9])


def value_clip(c):
    """gdguide's value clipping rule (the article's `np.clip(g, -c, c)`)."""
    return gdguide.ClipByValue(c)


def norm_clip(c):
    """gdguide's norm clipping rule, g * min(1, c / ||g||)."""
    return gdguide.ClipByNorm(c)


class _StandInSGD:
    """Minimal optimizer with the protocol `gradient_descent` expects."""

    def __init__(self, lr):
        self.lr = lr

    def init(self, params):
        return 0

    def step(self, params, grad, state):
        return params - self.lr * grad, state + 1


def article_run(alpha, num_steps=1000, clip=None, **kwargs):
    problem = article_regression(**kwargs)
    return gradient_descent(
        problem.grad,
        np.zeros(1),
        num_steps=num_steps,
        learning_rate=alpha,
        clip=clip,
        loss=problem.loss,
    )


def articles_own_loop(alpha, iterations, clip=None):
    """The source article's code, verbatim apart from the optional clip value."""
    theta = np.zeros(1)
    history = [theta]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(iterations):
            y_pred = ARTICLE_X @ theta
            gradient = 2 * (y_pred - ARTICLE_Y) @ ARTICLE_X
            if clip is not None:
                gradient = np.clip(gradient, -clip, clip)
            theta = theta - alpha * gradient
            history.append(theta)
    return np.array(history)


# --- Section 1 of the ground truth: the article's example -----------------------------------


@pytest.mark.parametrize(("alpha", "clip"), [(0.01, None), (0.01, 0.5), (0.02, None), (0.03, None)])
def test_runner_with_articles_gradient_reproduces_articles_loop_bitwise(alpha, clip):
    run = gradient_descent(
        lambda theta: 2 * (ARTICLE_X @ theta - ARTICLE_Y) @ ARTICLE_X,
        np.zeros(1),
        num_steps=1000,
        learning_rate=alpha,
        clip=None if clip is None else value_clip(clip),
    )
    np.testing.assert_array_equal(run.params, articles_own_loop(alpha, 1000, clip))


def test_problem_gradient_reproduces_articles_loop():
    np.testing.assert_allclose(article_run(0.01).params, articles_own_loop(0.01, 1000), rtol=1e-14)


def test_article_run_converges_in_seven_steps():
    run = article_run(0.01)
    assert run.steps_to_tolerance(THETA_STAR, 1e-6) == 7
    assert run.final[0] == pytest.approx(THETA_STAR, rel=1e-15)
    assert not run.diverged
    assert run.first_nonfinite_step is None
    assert run.losses[-1] == pytest.approx(10 / 11)


def test_article_run_with_value_clipping_needs_349_steps():
    run = article_run(0.01, clip=value_clip(0.5))
    assert run.steps_to_tolerance(THETA_STAR, 1e-6) == 349
    assert run.final[0] == pytest.approx(THETA_STAR, rel=1e-15)
    steps = np.abs(np.diff(run.params[:, 0]))
    assert steps.max() <= 0.01 * 0.5 + 1e-15


@given(st.floats(1e-4, 0.036, allow_nan=False), st.integers(1, 40))
def test_error_map_is_one_minus_110_alpha(alpha, k):
    run = article_run(alpha, num_steps=k)
    expected = (1 - 110 * alpha) ** k * (0 - THETA_STAR)
    assert run.final[0] - THETA_STAR == pytest.approx(expected, rel=1e-8, abs=1e-12)


@pytest.mark.parametrize("alpha", [0.001, 0.01, 0.015, 0.018, 0.0181])
def test_learning_rate_below_1_over_55_converges(alpha):
    run = article_run(alpha, num_steps=5000)
    assert abs(run.final[0] - THETA_STAR) < 1e-8
    assert not run.diverged


def test_learning_rate_1_over_110_converges_in_one_step():
    assert article_run(1 / 110, num_steps=1).final[0] == pytest.approx(THETA_STAR, rel=1e-14)


@pytest.mark.parametrize("num_steps", [20, 1001])
def test_learning_rate_1_over_55_alternates_between_zero_and_twice_the_minimizer(num_steps):
    run = article_run(1 / 55, num_steps=num_steps)
    np.testing.assert_allclose(run.params[0::2, 0], 0.0, atol=1e-12)
    np.testing.assert_allclose(run.params[1::2, 0], 2 * THETA_STAR, rtol=1e-12)
    assert run.first_nonfinite_step is None
    assert not run.diverged


@pytest.mark.parametrize(
    ("alpha", "theta_1000"), [(0.0182, -11.0), (0.02, -2.6e79), (0.025, -1.9e243)]
)
def test_divergent_learning_rates_end_where_the_guide_says(alpha, theta_1000):
    run = article_run(alpha)
    assert run.final[0] == pytest.approx(theta_1000, rel=0.02)
    assert run.diverged
    assert run.first_nonfinite_step is None


def test_nonfinite_appears_just_above_0_027494_and_not_below():
    assert article_run(0.027493).first_nonfinite_step is None
    above = article_run(0.027495)
    assert above.first_nonfinite_step is not None
    assert above.first_nonfinite_step < 1000
    assert np.isinf(above.final[0])


def test_after_inf_the_next_step_is_nan():
    run = article_run(0.03)
    k = run.first_nonfinite_step
    assert np.isfinite(run.params[k, 0])
    assert np.isinf(run.grad_norms[k])
    assert np.isinf(run.params[k + 1, 0])
    assert np.isnan(run.params[k + 2, 0])
    assert np.isnan(run.final[0])
    assert run.diverged


def test_seven_points_diverge_at_the_articles_learning_rate():
    run = article_run(0.01, n=7)
    assert run.final[0] == pytest.approx(-3.4e255, rel=0.02)
    assert run.diverged
    assert not article_run(0.01, n=6).diverged


def test_mean_loss_with_seven_points_is_stable_at_the_articles_rate():
    run = article_run(0.01, n=7, reduction="mean")
    assert not run.diverged


# --- Section 2: what clipping does and does not do ----------------------------------------


def test_value_clipping_a_diverging_run_gives_a_bounded_limit_cycle():
    run = article_run(0.02, num_steps=3000, clip=value_clip(0.5))
    error = run.params[1000:, 0] - THETA_STAR
    assert np.abs(error).max() < 0.0055
    assert np.abs(error).min() > 0.004
    assert np.all(np.sign(error[1:]) != np.sign(error[:-1]))
    assert run.clip_rate > 0.99  # every step but the few that land near theta*


def test_small_value_clip_has_barely_moved_after_1000_steps():
    run = article_run(0.02, num_steps=2000, clip=value_clip(0.05))
    assert run.params[1000, 0] == pytest.approx(1.0, abs=1e-9)
    assert run.params[1000, 0] - THETA_STAR == pytest.approx(-0.73, abs=0.005)
    arrival = run.steps_to_tolerance(THETA_STAR, 0.02 * 0.05)
    assert 1700 < arrival < 1760
    assert np.abs(run.params[arrival + 10 :, 0] - THETA_STAR).max() < 5.3e-4


def test_wall_plain_descent_explodes_to_nan():
    run = gradient_descent(
        Wall().grad, np.array([3.0]), num_steps=20, learning_rate=0.1, loss=Wall().loss
    )
    np.testing.assert_allclose(run.params[1:4, 0], [-8.4, 230.3616, -4.8896e6], rtol=1e-4)
    assert run.first_nonfinite_step is not None
    assert np.isnan(run.final[0])
    assert run.diverged


def test_wall_norm_clipping_walks_down_in_steps_of_a_tenth_and_converges():
    run = gradient_descent(
        Wall().grad, np.array([3.0]), num_steps=100, learning_rate=0.1, clip=norm_clip(1.0)
    )
    np.testing.assert_allclose(np.diff(run.params[:25, 0]), -0.1, rtol=1e-9)
    assert abs(run.final[0]) < 1e-6
    np.testing.assert_allclose(run.clipped_grad_norms[run.clipped], 1.0)
    assert not run.diverged


def test_cliff_plain_descent_jumps_to_minus_6209_then_inf_then_nan():
    cliff = RecurrentCliff()
    run = gradient_descent(cliff.grad, np.array([1.1]), num_steps=5, learning_rate=0.01)
    assert run.params[1, 0] == pytest.approx(-6209, abs=1)
    assert np.isinf(run.params[2, 0])
    assert np.isnan(run.params[3, 0])
    assert run.first_nonfinite_step == 1
    assert run.grad_norms[0] == pytest.approx(6.2e5, rel=0.01)


def test_clipped_cliff_from_1_1_lands_on_one_after_ten_steps():
    run = gradient_descent(
        RecurrentCliff().grad,
        np.array([1.1]),
        num_steps=100,
        learning_rate=0.01,
        clip=value_clip(1.0),
    )
    assert run.params[10, 0] == pytest.approx(1.0, abs=1e-12)
    assert run.steps_to_tolerance(1.0, 1e-9) == 10
    assert run.final[0] == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(
    ("w0", "lr", "cycle"), [(1.105, 0.01, (0.995, 1.005)), (1.1, 0.011, (0.99, 1.001))]
)
def test_clipped_cliff_otherwise_wobbles_around_one_forever(w0, lr, cycle):
    run = gradient_descent(
        RecurrentCliff().grad,
        np.array([w0]),
        num_steps=1000,
        learning_rate=lr,
        clip=value_clip(1.0),
    )
    tail = np.sort(np.unique(run.params[-100:, 0].round(9)))
    np.testing.assert_allclose(tail, cycle, atol=1e-9)
    assert run.first_nonfinite_step is None


def test_decaying_learning_rate_settles_the_clipped_cliff():
    run = gradient_descent(
        RecurrentCliff().grad,
        np.array([1.105]),
        num_steps=2000,
        learning_rate=lambda k: 0.01 / (1 + k / 10),
        clip=value_clip(1.0),
    )
    assert abs(run.final[0] - 1.0) < 1e-6


def test_value_clipping_turns_inf_into_c_but_nan_stays():
    grads = iter([np.array([np.inf, 1.0]), np.array([np.nan, 1.0])])
    run = gradient_descent(
        lambda x: next(grads), np.zeros(2), num_steps=2, learning_rate=1.0, clip=value_clip(0.5)
    )
    assert run.params[1].tolist() == [-0.5, -0.5]
    assert np.isnan(run.params[2, 0])
    assert run.first_nonfinite_step == 0
    assert run.clipped.tolist() == [True, True]


def test_any_callable_is_a_clip_rule():
    lam = article_run(0.01, num_steps=400, clip=lambda g: np.clip(g, -0.5, 0.5))
    rule = article_run(0.01, num_steps=400, clip=value_clip(0.5))
    np.testing.assert_array_equal(lam.params, rule.params)
    np.testing.assert_array_equal(lam.clipped, rule.clipped)


def test_norm_clip_refusing_nonfinite_stops_the_run_and_propagating_records_nan():
    cliff = RecurrentCliff()
    with pytest.raises(ValueError):
        gradient_descent(
            cliff.grad, np.array([1e10]), num_steps=3, learning_rate=0.01, clip=norm_clip(1.0)
        )
    run = gradient_descent(
        cliff.grad,
        np.array([1e10]),
        num_steps=3,
        learning_rate=0.01,
        clip=gdguide.ClipByNorm(1.0, error_if_nonfinite=False),
    )
    assert run.first_nonfinite_step == 0
    assert np.isnan(run.final[0])


def test_adam_driven_run_is_bounded_by_its_learning_rate():
    run = gradient_descent(
        article_regression().grad, np.zeros(1), num_steps=1000, optimizer=gdguide.Adam(1e-3)
    )
    assert run.final[0] == pytest.approx(0.8598, abs=5e-5)
    assert np.abs(np.diff(run.params[:, 0])).max() <= 1e-3 * (1 + 1e-6)


# --- The record -----------------------------------------------------------------------------


def test_record_shapes_and_dtypes():
    x0 = np.zeros((2, 3), dtype=np.float32)
    run = gradient_descent(lambda x: 2 * x - 1, x0, num_steps=4, learning_rate=0.1)
    assert run.params.shape == (5, 2, 3)
    assert run.params.dtype == np.float32
    assert run.losses is None
    assert run.grad_norms.shape == run.clipped_grad_norms.shape == run.clipped.shape == (4,)
    assert run.num_steps == 4
    assert run.final.shape == (2, 3)


def test_float64_gradient_for_float32_parameters_keeps_float32():
    run = gradient_descent(
        lambda x: (2.0 * x - 1).astype(np.float64),
        np.zeros(3, np.float32),
        num_steps=3,
        learning_rate=0.1,
    )
    assert run.params.dtype == np.float32


def test_x0_is_not_modified_and_record_is_read_only():
    x0 = np.array([1.0, 2.0])
    run = gradient_descent(lambda x: x, x0, num_steps=3, learning_rate=0.5)
    assert x0.tolist() == [1.0, 2.0]
    for array in (run.params, run.grad_norms, run.clipped_grad_norms, run.clipped):
        with pytest.raises(ValueError):
            array[0] = 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.first_nonfinite_step = 3


def test_in_place_optimizer_cannot_corrupt_the_record():
    class InPlace(_StandInSGD):
        def step(self, params, grad, state):
            params -= self.lr * grad
            return params, state

    x0 = np.array([4.0])
    run = gradient_descent(lambda x: 2 * x, x0, num_steps=3, optimizer=InPlace(0.25))
    assert run.params[:, 0].tolist() == [4.0, 2.0, 1.0, 0.5]
    assert x0.tolist() == [4.0]


def test_integer_x0_becomes_float64():
    run = gradient_descent(lambda x: x, [3, 4], num_steps=1, learning_rate=0.5)
    assert run.params.dtype == np.float64
    assert run.grad_norms[0] == 5.0


def test_grad_norm_of_huge_finite_gradient_does_not_overflow():
    run = gradient_descent(
        lambda x: np.full(4, 1e200), np.zeros(4), num_steps=1, learning_rate=1e-300
    )
    assert run.grad_norms[0] == pytest.approx(2e200)
    assert run.first_nonfinite_step is None


@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(max_dims=2, max_side=4),
        elements=st.floats(-1e3, 1e3, allow_nan=False),
    ),
    st.floats(0.01, 10.0),
)
def test_grad_norms_are_pre_clip_and_clipped_norms_respect_the_threshold(target, c):
    run = gradient_descent(
        lambda x: x - target,
        np.zeros_like(target),
        num_steps=3,
        learning_rate=0.5,
        clip=norm_clip(c),
    )
    assert run.grad_norms[0] == pytest.approx(np.linalg.norm(target))
    assert np.all(run.clipped_grad_norms <= np.minimum(run.grad_norms, c) * (1 + 1e-12))
    assert np.array_equal(run.clipped, run.grad_norms > c)


def test_without_clip_nothing_is_clipped_and_norms_agree():
    run = article_run(0.01)
    assert not run.clipped.any()
    np.testing.assert_array_equal(run.grad_norms, run.clipped_grad_norms)
    assert run.clip_rate == 0.0


def test_losses_are_recorded_at_every_iterate():
    problem = article_regression()
    run = article_run(0.01, num_steps=5)
    assert run.losses.tolist() == [problem.loss(p) for p in run.params]


def test_steps_to_tolerance_broadcasts_a_scalar_and_ignores_nan():
    run = gradient_descent(lambda x: x, np.full((2, 2), 8.0), num_steps=4, learning_rate=0.5)
    assert run.steps_to_tolerance(0.0, 1.0) == 4
    assert run.steps_to_tolerance(0.0, 1e-3) is None
    assert article_run(0.03).steps_to_tolerance(THETA_STAR, 1e-6) is None


def test_steps_to_tolerance_rejects_bad_arguments():
    run = article_run(0.01, num_steps=2)
    with pytest.raises(ValueError, match="tol"):
        run.steps_to_tolerance(1.0, 0.0)
    with pytest.raises(ValueError, match="target"):
        run.steps_to_tolerance(np.nan, 1.0)


def test_nonfinite_x0_is_step_zero():
    run = gradient_descent(lambda x: x, np.array([np.nan]), num_steps=2, learning_rate=0.1)
    assert run.first_nonfinite_step == 0


def test_trajectory_can_be_built_directly():
    run = Trajectory(np.zeros((2, 1)), None, np.ones(1), np.ones(1), np.zeros(1, bool), None)
    assert run.num_steps == 1
    assert not run.diverged


# --- Optimizers and schedules ---------------------------------------------------------------


@pytest.mark.parametrize(
    "opt",
    [
        pytest.param(_StandInSGD(0.01), id="stand-in"),
        pytest.param(gdguide.SGD(0.01), id="gdguide.SGD"),
    ],
)
def test_sgd_optimizer_matches_plain_descent(opt):
    problem = article_regression()
    plain = article_run(0.01, num_steps=50, clip=value_clip(0.5))
    driven = gradient_descent(
        problem.grad, np.zeros(1), num_steps=50, optimizer=opt, clip=value_clip(0.5)
    )
    np.testing.assert_allclose(driven.params, plain.params, rtol=1e-15)
    np.testing.assert_array_equal(driven.clipped, plain.clipped)


def test_constant_schedule_equals_constant_learning_rate():
    problem = article_regression()
    scheduled = gradient_descent(
        problem.grad, np.zeros(1), num_steps=30, learning_rate=lambda k: 0.01
    )
    np.testing.assert_array_equal(scheduled.params, article_run(0.01, num_steps=30).params)


# --- Validation -----------------------------------------------------------------------------


def test_learning_rate_with_optimizer_is_an_error():
    with pytest.raises(ValueError, match="learning_rate must be None"):
        gradient_descent(
            lambda x: x, np.ones(1), num_steps=1, learning_rate=0.1, optimizer=_StandInSGD(0.1)
        )


def test_missing_learning_rate_is_an_error():
    with pytest.raises(ValueError, match="learning_rate is required"):
        gradient_descent(lambda x: x, np.ones(1), num_steps=1)


@pytest.mark.parametrize("lr", [0.0, -0.1, np.inf, np.nan])
def test_bad_learning_rate_is_an_error(lr):
    with pytest.raises(ValueError, match="learning_rate"):
        gradient_descent(lambda x: x, np.ones(1), num_steps=1, learning_rate=lr)


def test_bad_schedule_value_names_the_step():
    with pytest.raises(ValueError, match=r"learning_rate\(2\)"):
        gradient_descent(
            lambda x: x, np.ones(1), num_steps=5, learning_rate=lambda k: 0.1 if k < 2 else -1.0
        )


@pytest.mark.parametrize(("steps", "error"), [(0, ValueError), (2.0, TypeError)])
def test_bad_num_steps_is_an_error(steps, error):
    with pytest.raises(error, match="num_steps"):
        gradient_descent(lambda x: x, np.ones(1), num_steps=steps, learning_rate=0.1)


def test_optimizer_without_protocol_is_a_type_error():
    with pytest.raises(TypeError, match="optimizer"):
        gradient_descent(lambda x: x, np.ones(1), num_steps=1, optimizer=object())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"learning_rate": 0.1, "clip": lambda g: g[:1]}, "clip"),
        (
            {
                "optimizer": type("Bad", (_StandInSGD,), {"step": lambda s, p, g, st: (p[:1], st)})(
                    0.1
                )
            },
            "optimizer.step",
        ),
    ],
)
def test_wrong_shapes_from_callables_are_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gradient_descent(lambda x: x, np.ones(2), num_steps=1, **kwargs)


def test_wrong_gradient_shape_is_an_error():
    with pytest.raises(ValueError, match="grad"):
        gradient_descent(lambda x: np.ones(3), np.ones(2), num_steps=1, learning_rate=0.1)


def test_non_numeric_x0_is_a_type_error():
    with pytest.raises(TypeError, match="x0"):
        gradient_descent(lambda x: x, ["a"], num_steps=1, learning_rate=0.1)


# --- Parity with a PyTorch training loop ----------------------------------------------------

PARITY = json.loads((Path(__file__).parent / "data" / "descent_parity.json").read_text())
PROBLEMS = {"article": article_regression(), "wall": Wall(), "cliff": RecurrentCliff()}


def torch_style_clip(kind, c):
    """The clip PyTorch applies: clamp, or scale by min(1, c / (norm + 1e-6))."""
    if kind is None:
        return None
    return gdguide.ClipByValue(c) if kind == "value" else gdguide.ClipByNorm(c, eps=1e-6)


@pytest.mark.parametrize("name", sorted(PARITY["runs"]))
def test_runs_match_recorded_pytorch_sgd_loop(name):
    rec = PARITY["runs"][name]
    run = gradient_descent(
        PROBLEMS[rec["problem"]].grad,
        np.array(rec["x0"]),
        num_steps=rec["num_steps"],
        learning_rate=rec["learning_rate"],
        clip=torch_style_clip(rec["clip"], rec["clip_value"]),
    )
    kept = np.array(rec["params"])
    np.testing.assert_allclose(run.params[: len(kept)], kept, rtol=1e-12, atol=1e-14)
    if rec["final"] is not None:
        np.testing.assert_allclose(run.final, rec["final"], rtol=1e-12, atol=1e-14)
    if rec["pre_clip_norms"]:
        norms = rec["pre_clip_norms"]
        np.testing.assert_allclose(run.grad_norms[: len(norms)], norms, rtol=1e-12)
    assert run.first_nonfinite_step == rec["first_nonfinite_step"]


@pytest.mark.frameworks
@settings(max_examples=30)
@given(st.floats(0.001, 0.03), st.floats(0.05, 5.0), st.sampled_from(["value", "norm"]))
def test_article_runs_match_live_pytorch_sgd_loop(alpha, c, kind):
    torch = require_framework("torch")
    x, y = (
        torch.tensor(ARTICLE_X, dtype=torch.float64),
        torch.tensor(ARTICLE_Y, dtype=torch.float64),
    )
    theta = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([theta], lr=alpha)
    history = [theta.detach().clone().numpy()]
    for _ in range(60):
        opt.zero_grad()
        ((x @ theta - y) ** 2).sum().backward()
        if kind == "value":
            torch.nn.utils.clip_grad_value_([theta], c)
        else:
            torch.nn.utils.clip_grad_norm_([theta], c)
        opt.step()
        history.append(theta.detach().clone().numpy())
    run = article_run(alpha, num_steps=60, clip=torch_style_clip(kind, c))
    np.testing.assert_allclose(run.params, np.array(history), rtol=1e-10, atol=1e-12)
