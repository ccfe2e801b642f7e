"""Tests for gdguide.robustness: sampled sensitivity <= exact local constant <= global bound."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdguide.nets import init_mlp
from gdguide.robustness import input_sensitivity, jacobian_norm_bound, jacobian_sensitivity

matrix_shapes = st.tuples(st.integers(1, 6), st.integers(1, 6))


def _linear(W, b=0.0):
    return lambda x: x @ W.T + b


@given(shape=matrix_shapes, seed=st.integers(0, 2**16), radius=st.sampled_from([1e-3, 1.0, 50.0]))
def test_linear_map_estimate_never_exceeds_spectral_norm(shape, seed, radius):
    W = np.random.default_rng(seed).standard_normal(shape)
    X = np.random.default_rng(seed + 1).standard_normal((3, shape[1]))
    est = input_sensitivity(_linear(W), X, radius=radius, num_samples=50, seed=seed)
    assert est.per_input.shape == (3,)
    assert est.overall <= np.linalg.norm(W, 2) * (1 + 1e-10)
    assert est.overall == est.per_input.max()
    # and from below: no direction has a gain under the smallest singular value (tall W), and the
    # best of 50 random directions beats half the root-mean-square gain ||W||_F / sqrt(d)
    singular_values = np.linalg.svd(W, compute_uv=False)
    smallest = singular_values[-1] if shape[0] >= shape[1] else 0.0
    assert np.all(est.per_input >= smallest * (1 - 1e-10))
    assert np.all(est.per_input >= 0.5 * np.linalg.norm(W) / np.sqrt(shape[1]))


def test_linear_map_estimate_approaches_spectral_norm_with_more_samples():
    W = np.random.default_rng(0).standard_normal((3, 3))
    spectral = np.linalg.norm(W, 2)
    gaps = [
        spectral
        - input_sensitivity(_linear(W), np.zeros((1, 3)), radius=1.0, num_samples=s).overall
        for s in (10, 100, 10_000)
    ]
    assert gaps[0] >= gaps[1] >= gaps[2] >= 0
    assert gaps[2] < 1e-3 * spectral


def test_random_directions_underestimate_in_high_dimension():
    # the typical gain of a random direction is ||W||_F / sqrt(d), far below ||W||_2 for low rank
    W = np.zeros((1, 400))
    W[0, 0] = 1.0
    est = input_sensitivity(_linear(W), np.zeros((1, 400)), radius=1.0, num_samples=100)
    assert est.overall < 0.3


@pytest.mark.parametrize(
    ("norm", "operator_norm"),
    [(np.inf, lambda W: np.abs(W).sum(1).max()), (1, lambda W: np.abs(W).sum(0).max())],
)
def test_inf_and_one_norm_estimates_reach_the_induced_norm_in_low_dimension(norm, operator_norm):
    W = np.random.default_rng(3).standard_normal((4, 3))
    est = input_sensitivity(_linear(W), np.zeros((2, 3)), radius=0.5, num_samples=200, norm=norm)
    np.testing.assert_allclose(est.per_input, operator_norm(W), rtol=1e-12)


def test_affine_map_estimate_is_the_same_at_every_point():
    W, b = np.array([[1.0, 2.0], [0.0, -1.0]]), np.array([5.0, -3.0])
    X = np.array([[0.0, 0.0], [100.0, -7.0], [1e3, 1e3]])
    est = input_sensitivity(_linear(W, b), X, radius=0.1, num_samples=30)
    at_origin = input_sensitivity(_linear(W), np.zeros_like(X), radius=0.1, num_samples=30)
    np.testing.assert_allclose(est.per_input, at_origin.per_input, rtol=1e-9)


@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4),
    activation=st.sampled_from(["sigmoid", "tanh", "relu", "linear"]),
    seed=st.integers(0, 2**16),
)
def test_sampled_estimate_below_jacobian_norm_below_product_bound(sizes, activation, seed):
    net = init_mlp(sizes, activation=activation, init="xavier", seed=seed)
    X = np.random.default_rng(seed + 1).standard_normal((3, sizes[0]))
    exact = jacobian_sensitivity(net, X)
    bound = jacobian_norm_bound(net)
    assert exact.overall <= bound * (1 + 1e-10)
    sampled = input_sensitivity(net.forward, X, radius=1.0, num_samples=20, seed=seed)
    assert sampled.overall <= bound * (1 + 1e-10)
    # and from below: the exact constant is the spectral norm of the Jacobian, here by central
    # differences; small-radius sampling reaches at least half the RMS gain ||J||_F / sqrt(d)
    jacobians = np.array([_central_difference_jacobian(net.forward, x) for x in X])
    spectral = np.linalg.norm(jacobians, ord=2, axis=(1, 2))
    np.testing.assert_allclose(exact.per_input, spectral, rtol=1e-5, atol=1e-9)
    frobenius = np.linalg.norm(jacobians, axis=(1, 2))
    close = input_sensitivity(net.forward, X, radius=1e-6, num_samples=20, seed=seed)
    assert np.all(close.per_input >= 0.5 * frobenius / np.sqrt(sizes[0]) - 1e-9)


def _central_difference_jacobian(f, x, h=1e-6):
    columns = []
    for j in range(x.size):
        step = np.zeros_like(x)
        step[j] = h
        columns.append((f(x[None] + step)[0] - f(x[None] - step)[0]) / (2 * h))
    return np.stack(columns, axis=-1)


def test_small_radius_sampling_approaches_the_jacobian_norm_from_below():
    net = init_mlp([3, 16, 16, 2], activation="tanh", init="xavier", seed=0)
    X = np.random.default_rng(1).standard_normal((5, 3))
    exact = jacobian_sensitivity(net, X).per_input
    sampled = input_sensitivity(net.forward, X, radius=1e-6, num_samples=3000).per_input
    assert np.all(sampled <= exact * (1 + 1e-5))
    assert np.all(sampled > 0.99 * exact)


def test_product_bound_is_loose_for_a_deep_network():
    net = init_mlp([16] * 9, activation="tanh", init="xavier", seed=0)
    X = np.random.default_rng(0).standard_normal((64, 16))
    assert jacobian_norm_bound(net) > 10 * jacobian_sensitivity(net, X).overall


def test_product_bound_uses_the_activation_lipschitz_constant():
    weights = [np.diag([2.0, 1.0]), np.diag([3.0, 1.0]), np.eye(2)]
    assert jacobian_norm_bound(weights) == pytest.approx(6.0)
    assert jacobian_norm_bound(weights, activation_lipschitz=0.25) == pytest.approx(6.0 / 16)
    net = init_mlp([2, 2, 2, 2], activation="sigmoid", init="he", seed=0)
    assert jacobian_norm_bound(net) == pytest.approx(jacobian_norm_bound(net.weights) / 16)


def test_float32_inputs_give_float32_estimates():
    W = np.eye(3, dtype=np.float32)
    est = input_sensitivity(
        _linear(W), np.ones((2, 3), dtype=np.float32), radius=0.1, num_samples=4
    )
    assert est.per_input.dtype == np.float32
    np.testing.assert_allclose(est.per_input, 1.0, rtol=1e-5)


def test_input_sensitivity_accepts_one_point_and_scalar_outputs_and_keeps_inputs():
    x = np.array([1.0, 2.0])
    est = input_sensitivity(lambda z: z.sum(axis=1), x, radius=0.1, num_samples=500, norm=np.inf)
    assert est.per_input.shape == (1,)
    assert est.overall == pytest.approx(2.0)  # |d1 + d2| / max|d_i| at a sign vector
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_input_sensitivity_is_deterministic_in_its_seed():
    f = np.tanh
    X = np.random.default_rng(0).standard_normal((2, 5))
    a = input_sensitivity(f, X, radius=0.5, num_samples=10, seed=3)
    b = input_sensitivity(f, X, radius=0.5, num_samples=10, seed=3)
    np.testing.assert_array_equal(a.per_input, b.per_input)


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        (dict(radius=0.0, num_samples=3), ValueError, "radius"),
        (dict(radius=np.inf, num_samples=3), ValueError, "radius"),
        (dict(radius=0.1, num_samples=0), ValueError, "num_samples"),
        (dict(radius=0.1, num_samples=3, norm=3), ValueError, "norm"),
        (dict(radius=0.1, num_samples=3, norm=True), ValueError, "norm"),
    ],
)
def test_input_sensitivity_rejects_bad_arguments(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        input_sensitivity(np.tanh, np.zeros((2, 2)), **kwargs)


def test_input_sensitivity_rejects_bad_functions_and_points():
    with pytest.raises(ValueError, match="f returned inf or NaN"):
        input_sensitivity(
            lambda x: np.full(len(x), np.nan), np.ones((1, 2)), radius=0.1, num_samples=2
        )
    with pytest.raises(ValueError, match="f must return"):
        input_sensitivity(lambda x: x[:1], np.ones((2, 2)), radius=0.1, num_samples=2)
    with pytest.raises(ValueError, match="X must"):
        input_sensitivity(np.tanh, np.ones((2, 2, 2)), radius=0.1, num_samples=2)
    with pytest.raises(TypeError, match="X"):
        input_sensitivity(np.tanh, np.array([["a"]]), radius=0.1, num_samples=2)
    with pytest.raises(TypeError, match="model"):
        jacobian_sensitivity([np.eye(2)], np.ones((1, 2)))
    with pytest.raises(ValueError, match="model"):
        jacobian_norm_bound([])
    with pytest.raises(ValueError, match="activation_lipschitz"):
        jacobian_norm_bound([np.eye(2)], activation_lipschitz=0.0)
