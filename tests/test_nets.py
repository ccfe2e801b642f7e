"""Tests for gdguide.nets: exact backprop, initialization scales, vanishing/exploding facts."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest
from framework_support import require_framework
from hypothesis import given
from hypothesis import strategies as st

from gdguide.clipping import clip_by_global_norm
from gdguide.nets import (
    MLP,
    RNN,
    init_mlp,
    init_rnn,
    layer_gradient_norms,
    train_rnn,
)


def _clip_global(grads, max_norm=1.0):
    return clip_by_global_norm(grads, max_norm)[0]


def _numeric_gradient(loss, param, h=1e-6):
    """Central finite differences of `loss()` w.r.t. every entry of `param` (modified, restored)."""
    grad = np.zeros_like(param)
    for index in np.ndindex(param.shape):
        saved = param[index]
        param[index] = saved + h
        up = loss()
        param[index] = saved - h
        down = loss()
        param[index] = saved
        grad[index] = (up - down) / (2 * h)
    return grad


def _assert_gradients_match(model, analytic, loss):
    for param, grad in zip(model.parameters(), analytic, strict=True):
        np.testing.assert_allclose(grad, _numeric_gradient(loss, param), rtol=1e-5, atol=1e-8)


# ----------------------------------------------------------------------------- MLP backprop


@given(
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=5),
    activation=st.sampled_from(["sigmoid", "tanh", "linear"]),
    seed=st.integers(0, 2**16),
)
def test_mlp_gradients_match_finite_differences(sizes, activation, seed):
    net = init_mlp(sizes, activation=activation, init="xavier", seed=seed)
    rng = np.random.default_rng(seed + 7)
    x, y = rng.standard_normal((3, sizes[0])), rng.standard_normal((3, sizes[-1]))
    grads = net.gradients(x, y)
    _assert_gradients_match(net, grads.as_list(), lambda: net.gradients(x, y).loss)


def test_relu_mlp_gradients_match_finite_differences():
    net = init_mlp([4, 6, 6, 3], activation="relu", init="he", seed=3)
    for b in net.biases:
        b += 0.1  # keep pre-activations away from the kink at 0
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    _assert_gradients_match(net, net.gradients(x, y).as_list(), lambda: net.gradients(x, y).loss)


def test_mlp_loss_is_half_mean_squared_error():
    net = MLP([np.array([[2.0]])], [np.array([1.0])], "relu")
    grads = net.gradients(np.array([[1.0], [2.0]]), np.array([0.0, 1.0]))
    assert grads.loss == pytest.approx(0.5 * (3.0**2 + 4.0**2) / 2)
    np.testing.assert_allclose(grads.weights[0], [[(3.0 * 1 + 4.0 * 2) / 2]])


def test_mlp_pre_activation_gradient_is_product_of_jacobians():
    net = init_mlp([3, 5, 4, 2], activation="tanh", init="xavier", seed=0)
    x, y = np.ones((1, 3)), np.zeros((1, 2))
    grads = net.gradients(x, y)
    zs, hs = net._forward_cache(x)
    expected = grads.pre_activations[-1] @ net.weights[2] * (1 - hs[2] ** 2)
    np.testing.assert_allclose(grads.pre_activations[1], expected)


def test_mlp_input_jacobian_matches_finite_differences():
    net = init_mlp([3, 7, 7, 2], activation="tanh", init="xavier", seed=1)
    x = np.random.default_rng(2).standard_normal((4, 3))
    jac = net.input_jacobian(x)
    assert jac.shape == (4, 2, 3)
    h = 1e-6
    for i in range(3):
        step = np.zeros(3)
        step[i] = h
        numeric = (net.forward(x + step) - net.forward(x - step)) / (2 * h)
        np.testing.assert_allclose(jac[:, :, i], numeric, rtol=1e-6, atol=1e-9)


def test_mlp_gradients_do_not_modify_inputs():
    net = init_mlp([2, 3, 1], activation="sigmoid", init="xavier", seed=0)
    x, y = np.ones((4, 2)), np.zeros((4, 1))
    weights = [w.copy() for w in net.weights]
    net.gradients(x, y)
    assert np.all(x == 1) and np.all(y == 0)
    assert all(np.array_equal(a, b) for a, b in zip(weights, net.weights, strict=True))


def test_mlp_float32_stays_float32():
    net = init_mlp([3, 4, 2], activation="tanh", init="xavier", seed=0, dtype=np.float32)
    x = np.ones((2, 3), dtype=np.float32)
    grads = net.gradients(x, np.zeros((2, 2), dtype=np.float32))
    assert net.forward(x).dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.as_list())
    assert net.input_jacobian(x).dtype == np.float32


# ----------------------------------------------------------------------------- initialization


@pytest.mark.parametrize(
    ("init", "std", "expected"),
    [("he", None, np.sqrt(2 / 400)), ("xavier", None, np.sqrt(2 / 600)), ("normal", 0.3, 0.3)],
)
def test_init_mlp_draws_weights_with_the_scheme_std(init, std, expected):
    net = init_mlp([400, 200], activation="relu", init=init, std=std, seed=0)
    assert net.weights[0].shape == (200, 400)
    assert net.weights[0].std() == pytest.approx(expected, rel=0.02)
    assert abs(net.weights[0].mean()) < 0.05 * expected
    assert np.all(net.biases[0] == 0)


def test_init_mlp_is_deterministic_in_its_seed():
    a = init_mlp([3, 4, 2], seed=5)
    b = init_mlp([3, 4, 2], seed=5)
    c = init_mlp([3, 4, 2], seed=6)
    assert all(np.array_equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not np.array_equal(a.weights[0], c.weights[0])


def test_he_init_keeps_relu_activation_variance_over_depth():
    net = init_mlp([512] * 11, activation="relu", init="he", seed=0)
    x = np.random.default_rng(1).standard_normal((256, 512))
    zs, _ = net._forward_cache(x)
    second_moments = np.array([np.mean(z**2) for z in zs])
    assert np.all((second_moments > 1.0) & (second_moments < 4.0))  # Var[z] = 2 at every layer


# ------------------------------------------------------------------------ vanishing / exploding


def _ratio(**kwargs):
    norms = layer_gradient_norms(10, 32, **kwargs)
    return norms[0] / norms[-1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sigmoid_with_small_normal_init_vanishes(seed):
    assert _ratio(activation="sigmoid", init="normal", std=0.1, seed=seed) < 1e-6
    assert (
        _ratio(activation="sigmoid", init="normal", std=0.1, seed=seed, quantity="pre_activations")
        < 1e-6
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_relu_with_he_init_keeps_gradient_norms_of_the_same_order(seed):
    assert 0.3 < _ratio(activation="relu", init="he", seed=seed) < 3
    assert 0.1 < _ratio(activation="relu", init="he", seed=seed, quantity="pre_activations") < 10


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tanh_with_xavier_init_keeps_weight_gradients_of_the_same_order(seed):
    assert 0.3 < _ratio(activation="tanh", init="xavier", seed=seed) < 3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tanh_with_large_normal_init_explodes_toward_the_input(seed):
    assert _ratio(activation="tanh", init="normal", std=1.0, seed=seed) > 30
    assert (
        _ratio(activation="tanh", init="normal", std=1.0, seed=seed, quantity="pre_activations")
        > 100
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_relu_with_large_normal_init_explodes(seed):
    common = dict(activation="relu", seed=seed)
    big = layer_gradient_norms(10, 32, init="normal", std=1.0, **common)
    he = layer_gradient_norms(10, 32, init="he", **common)
    assert np.all(big > 1e8 * he)
    assert _ratio(init="normal", std=1.0, quantity="pre_activations", **common) > 1e4


DOCSTRING_TABLE = [  # layer_gradient_norms Notes: (kwargs, weights ratio range, signal ratio range)
    (dict(activation="sigmoid", init="normal", std=0.1), (1.3e-8, 1.8e-8), (1.6e-8, 1.9e-8)),
    (dict(activation="tanh", init="normal", std=1.0), (85, 120), (190, 245)),
    (dict(activation="tanh", init="xavier"), (0.72, 0.95), (0.29, 0.32)),
    (dict(activation="relu", init="he"), (0.74, 0.98), (2.4, 6.6)),
    (dict(activation="relu", init="normal", std=1.0), (0.74, 0.98), (5e5, 2e6)),
]


@pytest.mark.parametrize(("kwargs", "weights", "signal"), DOCSTRING_TABLE)
def test_layer_gradient_norms_docstring_table_holds(kwargs, weights, signal):
    for seed in (0, 1, 2):
        assert weights[0] <= _ratio(seed=seed, **kwargs) <= weights[1]
        assert signal[0] <= _ratio(seed=seed, quantity="pre_activations", **kwargs) <= signal[1]
    if kwargs.get("std") == 1.0 and kwargs["activation"] == "relu":
        assert layer_gradient_norms(10, 32, **kwargs).min() > 1e12


def test_relu_weight_gradient_ratio_does_not_depend_on_weight_scale():
    # positive homogeneity: scaling all weights by c scales every dL/dW_l by the same power of c
    # when the targets are zero
    net = init_mlp([6, 6, 6, 6], activation="relu", init="he", seed=0)
    x, y = np.random.default_rng(0).standard_normal((8, 6)), np.zeros((8, 6))
    base = net.gradients(x, y).weight_norms()
    scaled = MLP([3 * w for w in net.weights], net.biases, "relu").gradients(x, y).weight_norms()
    np.testing.assert_allclose(scaled / base, np.full(3, 3.0**5))


# ----------------------------------------------------------------------------- RNN


@given(
    activation=st.sampled_from(["tanh", "linear", "sigmoid"]),
    sizes=st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3)),
    steps=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
def test_rnn_gradients_match_finite_differences(activation, sizes, steps, seed):
    net = init_rnn(*sizes, activation=activation, spectral_radius=0.9, seed=seed)
    for p in (net.bias, net.bias_out):
        p += 0.1
    rng = np.random.default_rng(seed + 1)
    x, y = rng.standard_normal((2, steps, sizes[0])), rng.standard_normal((2, sizes[2]))
    grads = net.gradients(x, y)
    _assert_gradients_match(net, grads.as_list(), lambda: net.gradients(x, y).loss)


@pytest.mark.parametrize("rho", [0.5, 0.9, 1.0, 1.3])
def test_linear_rnn_hidden_gradient_scales_by_spectral_radius_per_step(rho):
    net = init_rnn(2, 6, 3, activation="linear", spectral_radius=rho, seed=0)
    x = np.random.default_rng(0).standard_normal((4, 15, 2))
    norms = net.gradients(x, np.ones((4, 3))).hidden_norms
    assert norms.shape == (15,)
    np.testing.assert_allclose(norms, norms[-1] * rho ** np.arange(14, -1, -1), rtol=1e-10)


def test_rnn_last_hidden_gradient_is_readout_of_output_error():
    net = init_rnn(1, 3, 2, seed=0)
    x, y = np.ones((2, 4, 1)), np.zeros((2, 2))
    grads = net.gradients(x, y)
    delta = net.forward(x) / 2
    assert grads.hidden_norms[-1] == pytest.approx(np.linalg.norm(delta @ net.weight_out))


def test_linear_rnn_explodes_above_and_vanishes_below_radius_one():
    x = np.random.default_rng(0).standard_normal((8, 50, 1))
    explode = init_rnn(1, 8, 1, activation="linear", spectral_radius=1.2, seed=0).gradients(
        x, np.zeros(8)
    )
    vanish = init_rnn(1, 8, 1, activation="linear", spectral_radius=0.8, seed=0).gradients(
        x, np.zeros(8)
    )
    assert explode.hidden_norms[0] / explode.hidden_norms[-1] > 1e3
    assert vanish.hidden_norms[0] / vanish.hidden_norms[-1] < 1e-4


def test_tanh_rnn_hidden_gradient_never_grows_faster_than_the_radius():
    net = init_rnn(1, 8, 1, activation="tanh", spectral_radius=1.5, seed=0)
    norms = net.gradients(np.ones((4, 30, 1)), np.zeros(4)).hidden_norms
    assert np.all(norms[:-1] <= 1.5 * norms[1:] * (1 + 1e-12))


def test_init_rnn_recurrent_matrix_has_all_singular_values_equal_to_radius():
    net = init_rnn(3, 10, 2, spectral_radius=0.7, seed=4)
    np.testing.assert_allclose(np.linalg.svd(net.weight_hh, compute_uv=False), 0.7)


def test_rnn_float32_stays_float32():
    net = init_rnn(2, 4, 1, seed=0, dtype=np.float32)
    grads = net.gradients(np.ones((3, 5, 2), dtype=np.float32), np.zeros(3, dtype=np.float32))
    assert all(g.dtype == np.float32 for g in grads.as_list())


# ----------------------------------------------------------------------------- training task


@pytest.mark.parametrize("task_seed", [0, 1, 2, 3])
def test_unclipped_rnn_training_blows_up(task_seed):
    history = train_rnn(task_seed=task_seed)
    assert history.diverged
    assert history.first_nonfinite_step == len(history.losses) - 1 <= 3
    assert not np.isfinite(history.losses[-1]) or not np.isfinite(history.grad_norms[-1])
    assert history.grad_norms[0] > 10  # the exploding gradient is there from the start


@pytest.mark.parametrize("task_seed", [0, 1, 2, 3])
def test_clipped_rnn_training_converges(task_seed):
    history = train_rnn(task_seed=task_seed, clip=_clip_global)
    assert not history.diverged
    assert len(history.losses) == 300
    assert history.losses[-1] < 0.05 < history.losses[0]
    assert np.all(history.clipped_grad_norms <= 1.0 + 1e-9)
    np.testing.assert_array_equal(
        history.clipped_grad_norms < history.grad_norms, history.grad_norms > 1.0
    )


@pytest.mark.parametrize("task_seed", [0, 1, 2, 3])
def test_clipped_rnn_training_with_too_large_a_step_stays_finite_but_wobbles(task_seed):
    history = train_rnn(task_seed=task_seed, clip=_clip_global, learning_rate=1.0)
    assert not history.diverged
    tail = history.losses[-100:]
    assert tail.max() > 10 * tail.min()


def test_train_rnn_float_clip_uses_global_norm_clipping():
    a = train_rnn(clip=1.0, num_steps=20)
    b = train_rnn(clip=_clip_global, num_steps=20)
    np.testing.assert_array_equal(a.losses, b.losses)


def test_train_rnn_without_clipping_records_equal_norms():
    history = train_rnn(task_seed=0, num_steps=2)
    np.testing.assert_array_equal(history.grad_norms, history.clipped_grad_norms)


def test_train_rnn_is_deterministic():
    a, b = train_rnn(clip=_clip_global, num_steps=30), train_rnn(clip=_clip_global, num_steps=30)
    np.testing.assert_array_equal(a.losses, b.losses)


# ----------------------------------------------------------------------------- argument checks


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (lambda: init_mlp([3, 2], activation="softplus"), ValueError, "activation"),
        (lambda: init_mlp([3, 2], init="lecun"), ValueError, "init"),
        (lambda: init_mlp([3, 2], init="normal"), ValueError, "std"),
        (lambda: init_mlp([3, 2], init="normal", std=-1.0), ValueError, "std"),
        (lambda: init_mlp([3, 2], init="he", std=1.0), ValueError, "std"),
        (lambda: init_mlp([3]), ValueError, "layer_sizes"),
        (lambda: init_mlp([3, 0]), ValueError, "layer_sizes"),
        (lambda: init_mlp([3, 2.5]), TypeError, "layer_sizes"),
        (lambda: layer_gradient_norms(0, 4, activation="relu", init="he"), ValueError, "depth"),
        (
            lambda: layer_gradient_norms(2, 4, activation="relu", init="he", quantity="x"),
            ValueError,
            "quantity",
        ),
        (lambda: init_mlp([3, 2]).forward(np.ones((2, 4))), ValueError, "x"),
        (lambda: init_mlp([3, 2]).gradients(np.ones((2, 3)), np.ones((2, 3))), ValueError, "y"),
        (lambda: init_mlp([3, 2]).forward(np.array([["a", "b", "c"]])), TypeError, "x"),
        (
            lambda: MLP([np.ones((2, 3)), np.ones((2, 3))], [np.ones(2)] * 2, "relu"),
            ValueError,
            "weights",
        ),
        (lambda: init_rnn(1, 4, 1, spectral_radius=0.0), ValueError, "spectral_radius"),
        (lambda: init_rnn(1, 4, 1).forward(np.ones((2, 3))), ValueError, "x"),
        (
            lambda: RNN(np.ones((2, 3)), np.ones((2, 1)), np.ones(2), np.ones((1, 2)), np.ones(1)),
            ValueError,
            "weight_hh",
        ),
        (lambda: train_rnn(learning_rate=0.0), ValueError, "learning_rate"),
        (lambda: train_rnn(clip=-1.0), ValueError, "clip"),
        (lambda: train_rnn(num_steps=0), ValueError, "num_steps"),
    ],
)
def test_bad_arguments_raise_errors_naming_the_parameter(call, exc, name):
    with pytest.raises(exc, match=name):
        call()


# ----------------------------------------------------------------------------- parity with torch

PARITY = json.loads((Path(__file__).parent / "data" / "nets_parity.json").read_text())
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "record_parity_nets.py"


def _compare_mlp(net, x, y, ref):
    grads = net.gradients(x, y)
    assert grads.loss == pytest.approx(ref["loss"], rel=1e-12)
    for ours, theirs in zip(
        grads.weights + grads.biases, ref["weights"] + ref["biases"], strict=True
    ):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(net.input_jacobian(x), ref["jacobian"], rtol=1e-10, atol=1e-15)


def _compare_rnn(net, x, y, ref):
    grads = net.gradients(x, y)
    assert grads.loss == pytest.approx(ref["loss"], rel=1e-12)
    np.testing.assert_allclose(grads.hidden_norms, ref["hidden_norms"], rtol=1e-10)
    for key in ("grads", "grads_nn_rnn"):
        for ours, theirs in zip(grads.as_list(), ref.get(key, ref["grads"]), strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("case", PARITY["mlp"], ids=lambda c: c["activation"])
def test_mlp_backprop_matches_recorded_torch_autograd(case):
    net = MLP(case["weights"], case["biases"], case["activation"])
    _compare_mlp(net, np.array(case["x"]), np.array(case["y"]), case["torch"])


@pytest.mark.parametrize("case", PARITY["rnn"], ids=lambda c: c["activation"])
def test_rnn_backprop_through_time_matches_recorded_torch_autograd(case):
    net = RNN(*(np.array(p) for p in case["params"]), activation=case["activation"])
    _compare_rnn(net, np.array(case["x"]), np.array(case["y"]), case["torch"])


def test_parity_data_covers_every_activation_and_uses_nn_rnn():
    assert {c["activation"] for c in PARITY["mlp"]} == {"sigmoid", "tanh", "relu", "linear"}
    assert "grads_nn_rnn" in next(c["torch"] for c in PARITY["rnn"] if c["activation"] == "tanh")


@pytest.mark.frameworks
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backprop_matches_live_torch_autograd_on_random_networks(seed):
    require_framework("torch")
    spec = importlib.util.spec_from_file_location("record_parity_nets", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for activation in ("sigmoid", "tanh", "relu", "linear"):
        net, x, y = script.mlp_case(activation, seed)
        _compare_mlp(net, x, y, script.torch_mlp(net, x, y))
    for activation in ("tanh", "linear"):
        net, x, y = script.rnn_case(activation, seed)
        _compare_rnn(net, x, y, script.torch_rnn(net, x, y))


@pytest.mark.frameworks
def test_documented_framework_initialization_defaults(monkeypatch):
    # init_mlp's Notes: nn.Linear's default init has variance 1/(3 n_in); Keras Dense defaults to
    # Glorot uniform; calculate_gain("tanh") is 5/3
    torch = require_framework("torch")
    torch.manual_seed(0)
    weight = torch.nn.Linear(2000, 50).weight.detach().numpy()
    assert weight.var() == pytest.approx(1 / (3 * 2000), rel=0.03)
    assert torch.nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    monkeypatch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", "torch"))
    keras = require_framework("keras")
    initializer = keras.layers.Dense(3).kernel_initializer
    assert type(initializer).__name__ == "GlorotUniform"
