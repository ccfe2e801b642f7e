"""Every public function and class refuses bad arguments with a clear error naming the parameter.

Driven by the signatures: for each public callable there is one valid call (`VALID_CALLS`); each
parameter annotated `bool`, `int`, `float`, a callable or an array is then given values of the
wrong kind, one at a time, and must raise `TypeError` or `ValueError` whose message names it:
never a silent NaN, an accepted `2.5` for a flag, or an unrelated `OverflowError`.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import gdguide

NET = gdguide.init_mlp([2, 3, 1])
ARTICLE = gdguide.article_regression()
LM = gdguide.init_transformer_lm(5, 4, 4, 2, 1)


def _grad(x):
    return 2 * np.asarray(x)


def _loss(x):
    return float(np.sum(np.asarray(x) ** 2))


VALID_CALLS = {
    "SGD": {"learning_rate": 0.1},
    "Momentum": {"learning_rate": 0.1},
    "Nesterov": {"learning_rate": 0.1},
    "AdaGrad": {},
    "RMSprop": {},
    "Adam": {},
    "AdamW": {},
    "ClippedOptimizer": {"optimizer": gdguide.SGD(0.1), "clip": lambda g: g},
    "with_clipping": {"optimizer": gdguide.SGD(0.1), "clip": lambda g: g},
    "clip_by_value": {"grads": np.ones(3), "clip_value": 0.5},
    "clip_by_value_": {"grads": np.ones(3), "clip_value": 0.5},
    "clip_by_norm": {"grad": np.ones(3), "max_norm": 0.5},
    "clip_by_global_norm": {"grads": [np.ones(3)], "max_norm": 0.5},
    "clip_by_global_norm_": {"grads": [np.ones(3)], "max_norm": 0.5},
    "adaptive_clip": {"grads": np.ones((2, 2)), "params": np.ones((2, 2)), "clipping": 0.1},
    "clip_per_example": {"per_example_grads": np.ones((2, 3)), "max_norm": 0.5},
    "autoclip_threshold": {"norm_history": [1.0, 2.0]},
    "ClipByValue": {"clip_value": 0.5},
    "ClipByNorm": {"max_norm": 0.5},
    "gradient_descent": {"grad": _grad, "x0": np.ones(2), "num_steps": 3, "learning_rate": 0.1},
    "GradNormMonitor": {},
    "clip_rate": {"pre_clip_norms": [1.0, 2.0], "max_norm": 1.5},
    "skip_nonfinite_step": {"params": np.ones(2), "grad": np.ones(2), "update": lambda p, g: p},
    "MLP": {"weights": NET.weights, "biases": NET.biases, "activation": "relu"},
    "init_mlp": {"layer_sizes": [2, 3, 1]},
    "layer_gradient_norms": {"depth": 3, "width": 4, "activation": "tanh", "init": "xavier"},
    "init_rnn": {"input_size": 2, "hidden_size": 3, "output_size": 1},
    "train_rnn": {"num_steps": 2, "seq_len": 3, "batch_size": 2, "hidden_size": 2},
    "LayerNorm": {"gain": np.ones(3), "bias": np.zeros(3)},
    "BatchNorm": {"gain": np.ones(3), "bias": np.zeros(3)},
    "ResidualBlock": {"mlp": gdguide.init_mlp([3, 4, 3]), "gain": np.ones(3), "bias": np.zeros(3)},
    "LSTMCell": {
        "weight_ih": np.ones((8, 3)),
        "weight_hh": np.ones((8, 2)),
        "bias_ih": np.zeros(8),
        "bias_hh": np.zeros(8),
    },
    "GRUCell": {
        "weight_ih": np.ones((6, 3)),
        "weight_hh": np.ones((6, 2)),
        "bias_ih": np.zeros(6),
        "bias_hh": np.zeros(6),
    },
    "CausalSelfAttention": {
        "q_weight": np.eye(4),
        "k_weight": np.eye(4),
        "v_weight": np.eye(4),
        "out_weight": np.eye(4),
        "num_heads": 2,
    },
    "softmax_cross_entropy": {"logits": np.zeros((2, 3)), "targets": np.array([0, 2])},
    "init_transformer_lm": {
        "vocab_size": 5,
        "context_length": 4,
        "d_model": 4,
        "num_heads": 2,
        "num_layers": 1,
    },
    "TransformerLM": {"params": LM.params, "num_heads": 2},
    "LinearRegression": {"X": np.arange(1.0, 4.0)[:, None], "y": np.ones(3)},
    "article_regression": {},
    "Quadratic": {"A": np.eye(2)},
    "Wall": {},
    "RecurrentCliff": {},
    "finite_difference_gradient": {"fun": _loss, "x": np.ones(2)},
    "check_grad": {"fun": _loss, "grad": _grad, "x": np.ones(2)},
    "hessian_vector_product": {"grad": _grad, "x": np.ones(2), "v": np.ones(2)},
    "largest_eigenvalue": {"hvp": lambda v: 2 * v, "dim_or_x0": 2},
    "max_stable_learning_rate": {"lambda_max": 2.0},
    "learning_rate_sweep": {
        "grad": _grad,
        "x0": np.ones(2),
        "learning_rates": [0.1, 0.5],
        "num_steps": 3,
    },
    "find_divergence_boundary": {
        "grad": _grad,
        "x0": np.ones(2),
        "low": 0.1,
        "high": 2.0,
        "num_steps": 20,
        "tol": 0.1,
    },
    "input_sensitivity": {"f": lambda x: x, "X": np.ones((2, 2)), "radius": 0.1, "num_samples": 3},
    "jacobian_sensitivity": {"model": NET, "X": np.ones((2, 2))},
    "jacobian_norm_bound": {"model": NET},
    "exceeds_baseline": {"values": np.ones(3), "baselines": np.ones(3), "spike_factor": 5.0},
    "rolling_median_baseline": {"values": np.ones(5), "window": 3, "warmup": 2},
    "MinibatchSampler": {"num_examples": 5, "batch_size": 2, "seed": 0},
    "MinibatchGradient": {"problem": ARTICLE, "batch_size": 2, "seed": 0},
    "per_example_gradients": {"problem": ARTICLE, "theta": np.zeros(1)},
    "make_regression": {"num_examples": 10, "num_features": 2, "seed": 0},
    "GaussianNoise": {"scale": 1.0, "seed": 0},
    "StudentTNoise": {"scale": 1.0, "dof": 3.0, "seed": 0},
    "NoisyGradient": {"grad": _grad, "noise": lambda shape: np.zeros(shape)},
    "sgd_divergence_boundary": {
        "problem": ARTICLE,
        "x0": np.zeros(1),
        "batch_size": 2,
        "seed": 0,
        "low": 0.001,
        "high": 0.1,
        "num_steps": 20,
        "tol": 0.05,
    },
}

#: The figures (their valid calls, which draw, are tests/test_plotting.py's): only bad values are
#: probed here, and each is refused before anything is computed.
PLOTS = {name: {} for name in gdguide.plotting.__all__ if name.startswith("plot_")}
VALID_CALLS.update(PLOTS)

#: Every public name: the package's, and the figures' (`gdguide.plotting`, not re-exported).
PUBLIC = {
    **{name: getattr(gdguide, name) for name in gdguide.__all__},
    **{name: getattr(gdguide.plotting, name) for name in gdguide.plotting.__all__},
}

#: Public names not probed here, and why.
NOT_PROBED = {
    # records: built by the library, not from user input
    "Trajectory",
    "NormEvent",
    "PowerIterationResult",
    "LearningRateSweepResult",
    "DivergenceBoundary",
    "MLPGradients",
    "RNNGradients",
    "RNNTrainingHistory",
    "CrossEntropyResult",
    "LMForward",
    "LMGradients",
    "SensitivityEstimate",
    "SGDState",
    "MomentumState",
    "AdaGradState",
    "RMSpropState",
    "AdamState",
    "Optimizer",  # a Protocol
    "RNN",  # its arrays are checked like MLP's (tests/test_nets.py)
    "save_svg",  # plotting: tests/test_plotting.py
}

#: Array arguments that may hold NaN or infinity on purpose (documented: clipping propagates
#: non-finite values or reports them; skip_nonfinite_step exists to detect them; a run from a
#: non-finite x0 is recorded with first_nonfinite_step == 0).
NONFINITE_ALLOWED = {
    # the spike rule judges non-finite values (never a spike) and NaN baselines (warm-up)
    ("exceeds_baseline", "values"),
    ("exceeds_baseline", "baselines"),
    ("rolling_median_baseline", "values"),
    ("adaptive_clip", "grads"),
    ("adaptive_clip", "params"),
    ("clip_by_value", "grads"),
    ("clip_by_value_", "grads"),
    ("clip_by_norm", "grad"),
    ("clip_by_global_norm", "grads"),
    ("clip_by_global_norm_", "grads"),
    ("clip_per_example", "per_example_grads"),
    ("skip_nonfinite_step", "grad"),
    ("gradient_descent", "x0"),
    ("skip_nonfinite_step", "params"),
}

BAD_VALUES = {
    "bool": ["yes", 2.5, math.inf, 1, 0, None, np.float64(1.0)],
    "int": [2.5, True, "3", math.inf, math.nan, None, np.float64(3.0)],
    "float": ["x", None, math.nan, -math.inf, True, [1.0]],
    "callable": [3, "f", None],
    "lang": ["fr", 3, None],
    "array": ["abc", [1.0, "x"], {"a": 1}],
}


def _kind(annotation: object) -> str | None:
    text = str(annotation)
    if text == "bool":
        return "bool"
    if text == "int":
        return "int"
    if text == "Lang":
        return "lang"
    if text in ("float", "float | None"):
        return "float"
    if "Callable" in text and "float" not in text:
        return "callable"
    if "ArrayLike" in text:
        return "array"
    return None


def _cases():
    for name in sorted(VALID_CALLS):
        signature = inspect.signature(PUBLIC[name])
        for parameter in signature.parameters.values():
            kind = _kind(parameter.annotation)
            if kind is None:
                continue
            for bad in BAD_VALUES[kind]:
                if bad is None and "None" in str(parameter.annotation):
                    continue
                yield pytest.param(name, parameter.name, bad, id=f"{name}-{parameter.name}={bad!r}")
            valid = VALID_CALLS[name].get(parameter.name)
            if kind == "array" and isinstance(valid, np.ndarray):
                if (name, parameter.name) not in NONFINITE_ALLOWED:
                    with_nan = valid.astype(float)
                    with_nan.flat[0] = np.nan
                    yield pytest.param(
                        name, parameter.name, with_nan, id=f"{name}-{parameter.name}=NaN"
                    )


def test_every_public_name_is_probed_or_listed():
    assert set(PUBLIC) == set(VALID_CALLS) | NOT_PROBED


@pytest.mark.parametrize("name", sorted(set(VALID_CALLS) - set(PLOTS)))
def test_the_valid_call_is_valid(name):
    PUBLIC[name](**VALID_CALLS[name])


@pytest.mark.parametrize(("name", "parameter", "bad"), list(_cases()))
def test_bad_argument_raises_a_clear_error_naming_the_parameter(name, parameter, bad):
    with np.errstate(all="raise"), pytest.raises((TypeError, ValueError)) as raised:
        PUBLIC[name](**{**VALID_CALLS[name], parameter: bad})
    assert parameter in str(raised.value), str(raised.value)


@pytest.mark.parametrize("bad", [math.inf, "yes", 2.5, 1, None])
@pytest.mark.parametrize("factory", [gdguide.article_regression, gdguide.LinearRegression])
def test_fit_intercept_must_be_a_bool(factory, bad):
    kwargs = {} if factory is gdguide.article_regression else VALID_CALLS["LinearRegression"]
    with pytest.raises(TypeError, match="fit_intercept must be True or False"):
        factory(**kwargs, fit_intercept=bad)


def test_numpy_bools_are_accepted_as_flags():
    assert gdguide.article_regression(fit_intercept=np.bool_(True)).fit_intercept is True
