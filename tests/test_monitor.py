"""Tests for gdguide.monitor: spike and non-finite detection, step skipping, clip rate."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdguide import (
    GradNormMonitor,
    RecurrentCliff,
    article_regression,
    clip_rate,
    gradient_descent,
    skip_nonfinite_step,
)

norms = st.lists(st.floats(0.0, 1e6, allow_nan=False), min_size=1, max_size=80)


# --- GradNormMonitor ------------------------------------------------------------------------


def test_monitor_flags_a_jump_over_the_running_median():
    monitor = GradNormMonitor(window=10, spike_factor=5.0, warmup=5)
    events = [monitor.update(1.0 + 0.1 * (i % 3)) for i in range(20)]
    spike = monitor.update(6.0)
    assert not any(e.spike for e in events)
    assert spike.spike and spike.alert
    assert spike.baseline == pytest.approx(1.1)
    assert monitor.spike_steps.tolist() == [20]


def test_monitor_does_not_flag_below_the_factor():
    monitor = GradNormMonitor(window=10, spike_factor=5.0, warmup=5)
    for _ in range(10):
        monitor.update(1.0)
    assert not monitor.update(5.0).spike
    assert monitor.update(5.0001).spike


def test_monitor_is_silent_during_warmup():
    monitor = GradNormMonitor(window=10, warmup=4)
    events = [monitor.update(n) for n in [1.0, 100.0, 1e4, 1e6]]
    assert not any(e.spike for e in events)
    assert all(math.isnan(e.baseline) for e in events)
    assert not math.isnan(monitor.baseline)


def test_monitor_flags_nonfinite_and_keeps_them_out_of_the_baseline():
    monitor = GradNormMonitor(window=4, warmup=2)
    for n in [1.0, 1.0, math.inf, math.nan, 1.0]:
        event = monitor.update(n)
    assert monitor.nonfinite_steps.tolist() == [2, 3]
    assert monitor.baseline == 1.0
    assert not event.alert
    history = monitor.history
    assert history[2] == math.inf and math.isnan(history[3])


def test_a_lasting_level_change_stops_being_a_spike():
    monitor = GradNormMonitor(window=10, warmup=5)
    for _ in range(10):
        monitor.update(1.0)
    flags = [monitor.update(10.0).spike for _ in range(10)]
    assert flags[0]
    assert not flags[-1]


def test_monitor_records_clipping_against_its_threshold():
    monitor = GradNormMonitor(max_norm=1.0)
    events = [monitor.update(n) for n in [0.5, 1.0, 1.5, 3.0]]
    assert [e.clipped for e in events] == [False, False, True, True]
    assert monitor.clip_rate() == 0.5
    assert monitor.clip_rate(0.1) == 1.0


def test_monitor_on_the_exploding_cliff_run_flags_the_overflow():
    cliff = RecurrentCliff()
    run = gradient_descent(cliff.grad, np.array([1.1]), num_steps=5, learning_rate=0.01)
    monitor = GradNormMonitor.from_norms(run.grad_norms, window=5, warmup=1)
    assert monitor.nonfinite_steps[0] == run.first_nonfinite_step


def test_monitor_replay_is_deterministic():
    values = np.abs(np.random.default_rng(1).standard_cauchy(300))
    first = GradNormMonitor.from_norms(values, window=20)
    second = GradNormMonitor.from_norms(values, window=20)
    assert first.spike_steps.tolist() == second.spike_steps.tolist()
    np.testing.assert_array_equal(first.history, values)


@given(norms, st.integers(1, 20), st.floats(1.5, 20.0))
def test_spikes_are_exactly_the_norms_above_factor_times_window_median(values, window, factor):
    monitor = GradNormMonitor(window=window, spike_factor=factor, warmup=1)
    expected = [
        k
        for k in range(1, len(values))
        if values[k] > factor * np.median(values[max(0, k - window) : k])
    ]
    for value in values:
        monitor.update(value)
    assert monitor.spike_steps.tolist() == expected


@given(norms)
def test_monitor_history_is_what_was_fed(values):
    monitor = GradNormMonitor.from_norms(values)
    assert monitor.history.tolist() == values
    assert monitor.nonfinite_steps.size == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"window": 0}, ValueError, "window"),
        ({"window": 2.5}, TypeError, "window"),
        ({"window": 5, "warmup": 6}, ValueError, "warmup"),
        ({"spike_factor": 1.0}, ValueError, "spike_factor"),
        ({"spike_factor": math.inf}, ValueError, "spike_factor"),
        ({"max_norm": 0.0}, ValueError, "max_norm"),
    ],
)
def test_monitor_rejects_bad_settings(kwargs, error, match):
    with pytest.raises(error, match=match):
        GradNormMonitor(**kwargs)


def test_monitor_rejects_negative_or_text_norms():
    monitor = GradNormMonitor()
    with pytest.raises(ValueError, match="norm"):
        monitor.update(-1.0)
    with pytest.raises(TypeError, match="norm"):
        monitor.update("1.0")


def test_monitor_clip_rate_needs_a_threshold():
    monitor = GradNormMonitor()
    monitor.update(1.0)
    with pytest.raises(ValueError, match="max_norm"):
        monitor.clip_rate()


# --- skip_nonfinite_step --------------------------------------------------------------------


def sgd(params, grad):
    return params - 0.1 * grad


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_skip_returns_the_same_params_for_nonfinite_gradient(bad):
    params = np.array([1.0, 2.0])
    result, skipped = skip_nonfinite_step(params, np.array([0.0, bad]), sgd)
    assert skipped
    assert result is params
    assert params.tolist() == [1.0, 2.0]


def test_skip_applies_the_update_for_a_finite_gradient():
    result, skipped = skip_nonfinite_step(np.array([1.0]), np.array([10.0]), sgd)
    assert not skipped
    assert result.tolist() == [0.0]


def test_skip_checks_every_array_of_a_gradient_list():
    params = [np.ones(2), np.ones(3)]
    update = lambda ps, gs: [p - g for p, g in zip(ps, gs, strict=True)]  # noqa: E731
    _, skipped = skip_nonfinite_step(params, [np.zeros(2), np.array([0.0, np.nan, 0.0])], update)
    assert skipped
    new, skipped = skip_nonfinite_step(params, [np.zeros(2), np.ones(3)], update)
    assert not skipped and new[1].tolist() == [0.0, 0.0, 0.0]


def test_skip_leaves_optimizer_state_untouched():
    state = {"steps": 0}

    def step(params_and_state, grad):
        params, st_ = params_and_state
        return params - grad, {"steps": st_["steps"] + 1}

    (params, state), skipped = skip_nonfinite_step((np.ones(1), state), np.array([np.nan]), step)
    assert skipped and state == {"steps": 0}
    (params, state), skipped = skip_nonfinite_step((params, state), np.array([1.0]), step)
    assert not skipped and state == {"steps": 1} and params.tolist() == [0.0]


def test_skipping_keeps_a_run_finite_where_plain_descent_dies():
    problem = article_regression()
    params = np.array([1e307])  # the gradient 110 * theta overflows
    skips = 0
    for _ in range(3):
        params, skipped = skip_nonfinite_step(params, problem.grad(params), sgd)
        skips += skipped
    assert skips == 3
    assert np.isfinite(params).all()


def test_skip_rejects_empty_or_text_gradients():
    with pytest.raises(ValueError, match="grad"):
        skip_nonfinite_step(np.ones(1), [], sgd)
    with pytest.raises(TypeError, match="grad"):
        skip_nonfinite_step(np.ones(1), np.array(["x"]), sgd)


# --- clip_rate ------------------------------------------------------------------------------


def test_clip_rate_counts_strictly_above_threshold():
    assert clip_rate([0.5, 1.0, 2.0, 4.0], 1.0) == 0.5


def test_clip_rate_with_pytorch_eps_also_counts_the_threshold():
    assert clip_rate([0.5, 1.0, 2.0, 4.0], 1.0, eps=1e-6) == 0.75


def test_clip_rate_counts_inf_but_not_nan():
    assert clip_rate([math.inf, math.nan], 1.0) == 0.5


def test_clip_rate_agrees_with_the_descent_record():
    run = gradient_descent(
        article_regression().grad,
        np.zeros(1),
        num_steps=1000,
        learning_rate=0.01,
        clip=lambda g: np.clip(g, -0.5, 0.5),
    )
    assert clip_rate(run.grad_norms, 0.5) == run.clip_rate
    assert run.steps_to_tolerance(19 / 11, 1e-6) == 349


@given(norms, st.floats(1e-3, 1e3))
def test_clip_rate_is_a_fraction_monotone_in_the_threshold(values, c):
    low, high = clip_rate(values, c), clip_rate(values, 2 * c)
    assert 0.0 <= high <= low <= 1.0
    assert clip_rate(values, max(values) + 1.0) == 0.0


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (([], 1.0), {}, "pre_clip_norms"),
        (([[1.0]], 1.0), {}, "pre_clip_norms"),
        (([-1.0], 1.0), {}, "non-negative"),
        (([1.0], 0.0), {}, "max_norm"),
        (([1.0], 1.0), {"eps": -1.0}, "eps"),
    ],
)
def test_clip_rate_rejects_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        clip_rate(*args, **kwargs)


@pytest.mark.parametrize("delta", [1e-9, 1e-6, 1e-3, 0.01, 0.03])
def test_clip_rate_counts_a_norm_just_above_the_threshold_and_not_one_just_below(delta):
    c = 2.5
    norms = [c * (1 + delta), c * (1 - delta), c, c * (1 + delta / 2)]
    assert clip_rate(norms, c) == 0.5
    monitor = GradNormMonitor(warmup=1, max_norm=c)
    assert [monitor.update(n).clipped for n in norms] == [True, False, False, True]
    assert monitor.clip_rate() == 0.5
