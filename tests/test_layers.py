"""Tests for gdguide.layers: every backward pass against finite differences and torch.autograd.

Each layer is checked on a scalar loss L = sum(output * R) with a random R (so
`grad_output = R`): central finite differences (step 1e-6, relative tolerance 1e-6, absolute
floor 1e-8 max(|L|, 1)) and PyTorch autograd in float64 (relative tolerance 1e-10, absolute floor
1e-12 times the gradient's scale), on random shapes, inputs and parameters for three seeds.
"""

from __future__ import annotations

import numpy as np
import pytest
from framework_support import require_framework

from gdguide import (
    BatchNorm,
    CausalSelfAttention,
    GRUCell,
    LayerNorm,
    LSTMCell,
    ResidualBlock,
    TransformerLM,
    clip_by_global_norm,
    init_mlp,
    init_transformer_lm,
    softmax_cross_entropy,
)

SEEDS = [0, 1, 2]
FD_RTOL = 1e-6
TORCH_RTOL = 1e-10


def _numeric_gradient(loss, param, h=1e-6, max_entries=None, rng=None):
    """Central differences of `loss()` w.r.t. entries of `param` (all, or a random subset)."""
    indices = list(np.ndindex(param.shape))
    if max_entries is not None and len(indices) > max_entries:
        chosen = rng.choice(len(indices), size=max_entries, replace=False)
        indices = [indices[i] for i in chosen]
    numeric = {}
    for index in indices:
        saved = param[index]
        param[index] = saved + h
        up = loss()
        param[index] = saved - h
        down = loss()
        param[index] = saved
        numeric[index] = (up - down) / (2 * h)
    return numeric


def _assert_fd(analytic, loss, param, **kwargs):
    numeric = _numeric_gradient(loss, param, **kwargs)
    got = np.array([analytic[i] for i in numeric])
    want = np.array(list(numeric.values()))
    # rounding in the difference quotient is about eps * |L| / h: the absolute floor
    floor = 1e-8 * max(abs(loss()), 1.0)
    np.testing.assert_allclose(got, want, rtol=FD_RTOL, atol=floor)


def _assert_torch(ours, theirs):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    floor = 1e-12 * max(np.abs(theirs).max(), 1.0)
    np.testing.assert_allclose(ours, theirs, rtol=TORCH_RTOL, atol=floor)


def _t(torch, array, grad=True):
    return torch.tensor(np.array(array), dtype=torch.float64, requires_grad=grad)


# ----------------------------------------------------------------------------- normalization


def _norm_case(cls, seed):
    rng = np.random.default_rng(seed)
    d = int(rng.integers(2, 7))
    shape = (int(rng.integers(2, 6)), d) if cls is BatchNorm else (2, int(rng.integers(1, 4)), d)
    layer = cls(1 + 0.5 * rng.standard_normal(d), rng.standard_normal(d), eps=1e-5)
    x = 2 * rng.standard_normal(shape) + 1
    return layer, x, rng.standard_normal(shape)


@pytest.mark.parametrize("cls", [LayerNorm, BatchNorm])
@pytest.mark.parametrize("seed", SEEDS)
def test_normalization_gradients_match_finite_differences(cls, seed):
    layer, x, r = _norm_case(cls, seed)
    y, cache = layer.forward(x)
    dx, grads = layer.backward(r, cache)

    def loss():
        return float(np.sum(layer.forward(x)[0] * r))

    _assert_fd(dx, loss, x)
    _assert_fd(grads["gain"], loss, layer.gain)
    _assert_fd(grads["bias"], loss, layer.bias)


@pytest.mark.frameworks
@pytest.mark.parametrize("cls", [LayerNorm, BatchNorm])
@pytest.mark.parametrize("seed", SEEDS)
def test_normalization_matches_torch_autograd(cls, seed):
    torch = require_framework("torch")
    layer, x, r = _norm_case(cls, seed)
    y, cache = layer.forward(x)
    dx, grads = layer.backward(r, cache)
    d = layer.num_features
    module = torch.nn.LayerNorm(d, eps=layer.eps) if cls is LayerNorm else torch.nn.BatchNorm1d(d)
    module = module.double().train()
    with torch.no_grad():
        module.weight.copy_(torch.tensor(layer.gain))
        module.bias.copy_(torch.tensor(layer.bias))
    xt = _t(torch, x)
    out = module(xt)
    (out * torch.tensor(r)).sum().backward()
    _assert_torch(y, out)
    _assert_torch(dx, xt.grad)
    _assert_torch(grads["gain"], module.weight.grad)
    _assert_torch(grads["bias"], module.bias.grad)


def test_layer_norm_output_has_zero_mean_and_unit_variance_per_example():
    x = np.random.default_rng(0).standard_normal((5, 8)) * 3 + 2
    y, _ = LayerNorm(np.ones(8), np.zeros(8), eps=1e-12).forward(x)
    np.testing.assert_allclose(y.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=1), 1, rtol=1e-9)


def test_batch_norm_gradient_of_a_per_feature_shift_is_zero():
    # the output does not change when a constant is added to a feature across the batch
    x = np.random.default_rng(1).standard_normal((6, 3))
    norm = BatchNorm(np.ones(3), np.zeros(3))
    dx, _ = norm.backward(np.ones((6, 3)), norm.forward(x)[1])
    np.testing.assert_allclose(dx, 0, atol=1e-12)


# ----------------------------------------------------------------------------- residual block


def _residual_case(order, seed):
    rng = np.random.default_rng(seed)
    d = int(rng.integers(2, 6))
    mlp = init_mlp([d, int(rng.integers(2, 8)), d], activation="tanh", init="xavier", seed=seed)
    for b in mlp.biases:
        b += 0.1 * rng.standard_normal(b.shape)
    block = ResidualBlock(mlp, 1 + 0.3 * rng.standard_normal(d), rng.standard_normal(d), order)
    shape = (int(rng.integers(1, 5)), d)
    return block, rng.standard_normal(shape), rng.standard_normal(shape)


def _block_params(block):
    params = {"gain": block.norm.gain, "bias": block.norm.bias}
    for i, (w, b) in enumerate(zip(block.mlp.weights, block.mlp.biases, strict=True)):
        params[f"mlp.weights.{i}"], params[f"mlp.biases.{i}"] = w, b
    return params


@pytest.mark.parametrize("order", ["pre", "post"])
@pytest.mark.parametrize("seed", SEEDS)
def test_residual_block_gradients_match_finite_differences(order, seed):
    block, x, r = _residual_case(order, seed)
    dx, grads = block.backward(r, block.forward(x)[1])

    def loss():
        return float(np.sum(block.forward(x)[0] * r))

    _assert_fd(dx, loss, x)
    params = _block_params(block)
    assert set(grads) == set(params)
    for name, param in params.items():
        _assert_fd(grads[name], loss, param)


@pytest.mark.frameworks
@pytest.mark.parametrize("order", ["pre", "post"])
@pytest.mark.parametrize("seed", SEEDS)
def test_residual_block_matches_torch_autograd(order, seed):
    torch = require_framework("torch")
    block, x, r = _residual_case(order, seed)
    y, cache = block.forward(x)
    dx, grads = block.backward(r, cache)
    tp = {k: _t(torch, v) for k, v in _block_params(block).items()}
    xt = _t(torch, x)
    d = x.shape[1]

    def ln(v):
        return torch.nn.functional.layer_norm(v, (d,), tp["gain"], tp["bias"], block.norm.eps)

    def f(v):
        hidden = torch.tanh(v @ tp["mlp.weights.0"].T + tp["mlp.biases.0"])
        return hidden @ tp["mlp.weights.1"].T + tp["mlp.biases.1"]

    out = xt + f(ln(xt)) if order == "pre" else ln(xt + f(xt))
    (out * torch.tensor(r)).sum().backward()
    _assert_torch(y, out)
    _assert_torch(dx, xt.grad)
    for name, tensor in tp.items():
        _assert_torch(grads[name], tensor.grad)


def test_pre_ln_block_passes_the_gradient_through_its_identity_path():
    block, x, r = _residual_case("pre", 0)
    for w in block.mlp.weights:
        w[...] = 0.0  # f == const: only the identity path is left
    dx, _ = block.backward(r, block.forward(x)[1])
    np.testing.assert_array_equal(dx, r)


# ----------------------------------------------------------------------------- recurrent cells


def _cell_case(cls, seed):
    rng = np.random.default_rng(seed)
    n_in, n_hid = int(rng.integers(1, 4)), int(rng.integers(2, 5))
    cell = cls.init(n_in, n_hid, seed=seed)
    batch, steps = int(rng.integers(1, 4)), int(rng.integers(2, 6))
    x = rng.standard_normal((batch, steps, n_in))
    state = tuple(rng.standard_normal((batch, n_hid)) for _ in range(2 if cls is LSTMCell else 1))
    r = rng.standard_normal((batch, steps, n_hid))
    r_final = tuple(rng.standard_normal((batch, n_hid)) for _ in state)
    return cell, x, state, r, r_final


def _sequence_loss(cell, x, state, r, r_final):
    hs, final, _ = cell.forward_sequence(x, state)
    return float(np.sum(hs * r) + sum(np.sum(s * w) for s, w in zip(final, r_final, strict=True)))


@pytest.mark.parametrize("cls", [LSTMCell, GRUCell])
@pytest.mark.parametrize("seed", SEEDS)
def test_bptt_gradients_match_finite_differences(cls, seed):
    cell, x, state, r, r_final = _cell_case(cls, seed)
    _, _, caches = cell.forward_sequence(x, state)
    dx, d_state, grads = cell.backward_sequence(r, caches, r_final)

    def loss():
        return _sequence_loss(cell, x, state, r, r_final)

    _assert_fd(dx, loss, x)
    for d, s in zip(d_state, state, strict=True):
        _assert_fd(d, loss, s)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        _assert_fd(grads[name], loss, getattr(cell, name))


@pytest.mark.frameworks
@pytest.mark.parametrize("cls", [LSTMCell, GRUCell])
@pytest.mark.parametrize("seed", SEEDS)
def test_bptt_matches_torch_cells_autograd(cls, seed):
    torch = require_framework("torch")
    cell, x, state, r, r_final = _cell_case(cls, seed)
    hs, final, caches = cell.forward_sequence(x, state)
    dx, d_state, grads = cell.backward_sequence(r, caches, r_final)
    module_cls = torch.nn.LSTMCell if cls is LSTMCell else torch.nn.GRUCell
    module = module_cls(cell.input_size, cell.hidden_size).double()
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    with torch.no_grad():
        for name in names:
            getattr(module, name).copy_(torch.tensor(getattr(cell, name)))
    xt = _t(torch, x)
    st = [_t(torch, s) for s in state]
    current = tuple(st) if cls is LSTMCell else st[0]
    outputs = []
    for t in range(x.shape[1]):
        current = module(xt[:, t], current)
        outputs.append(current[0] if cls is LSTMCell else current)
    final_t = current if cls is LSTMCell else (current,)
    loss = (torch.stack(outputs, dim=1) * torch.tensor(r)).sum()
    loss = loss + sum((s * torch.tensor(w)).sum() for s, w in zip(final_t, r_final, strict=True))
    loss.backward()
    _assert_torch(hs, torch.stack(outputs, dim=1))
    for ours, theirs in zip(final, final_t, strict=True):
        _assert_torch(ours, theirs)
    _assert_torch(dx, xt.grad)
    for ours, theirs in zip(d_state, st, strict=True):
        _assert_torch(ours, theirs.grad)
    for name in names:
        _assert_torch(grads[name], getattr(module, name).grad)


def test_lstm_cell_state_gradient_is_the_forget_gate_times_the_incoming_one():
    cell = LSTMCell.init(2, 3, seed=0)
    x = np.random.default_rng(0).standard_normal((4, 2))
    state = (np.zeros((4, 3)), np.ones((4, 3)))
    _, cache = cell.forward(x, state)
    dc = np.random.default_rng(1).standard_normal((4, 3))
    _, (_, dc_prev), _ = cell.backward((np.zeros((4, 3)), dc), cache)
    np.testing.assert_allclose(dc_prev, dc * cache["f"])


# ----------------------------------------------------------------------------- attention


def _attention_case(qk_layernorm, seed):
    rng = np.random.default_rng(seed)
    heads = int(rng.integers(1, 4))
    d = heads * int(rng.integers(1, 4))
    attn = CausalSelfAttention(
        *(rng.standard_normal((d, d)) / np.sqrt(d) for _ in range(4)),
        num_heads=heads,
        qk_layernorm=qk_layernorm,
    )
    if qk_layernorm:
        for name in ("q_norm_gain", "k_norm_gain"):
            getattr(attn, name)[...] = 1 + 0.3 * rng.standard_normal(d // heads)
        for name in ("q_norm_bias", "k_norm_bias"):
            getattr(attn, name)[...] = 0.3 * rng.standard_normal(d // heads)
    shape = (int(rng.integers(1, 3)), int(rng.integers(1, 6)), d)
    return attn, rng.standard_normal(shape), rng.standard_normal(shape)


ATTENTION_PARAMS = {
    "q_weight": "q_weight",
    "k_weight": "k_weight",
    "v_weight": "v_weight",
    "out_weight": "out_weight",
    "q_norm.gain": "q_norm_gain",
    "q_norm.bias": "q_norm_bias",
    "k_norm.gain": "k_norm_gain",
    "k_norm.bias": "k_norm_bias",
}


@pytest.mark.parametrize("qk_layernorm", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_attention_gradients_match_finite_differences(qk_layernorm, seed):
    attn, x, r = _attention_case(qk_layernorm, seed)
    dx, grads = attn.backward(r, attn.forward(x)[1])

    def loss():
        return float(np.sum(attn.forward(x)[0] * r))

    _assert_fd(dx, loss, x)
    assert len(grads) == (8 if qk_layernorm else 4)
    for key, grad in grads.items():
        _assert_fd(grad, loss, getattr(attn, ATTENTION_PARAMS[key]))


@pytest.mark.frameworks
@pytest.mark.parametrize("qk_layernorm", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_attention_matches_torch_scaled_dot_product_attention(qk_layernorm, seed):
    torch = require_framework("torch")
    functional = torch.nn.functional
    attn, x, r = _attention_case(qk_layernorm, seed)
    y, cache = attn.forward(x)
    dx, grads = attn.backward(r, cache)
    tp = {key: _t(torch, getattr(attn, attr)) for key, attr in ATTENTION_PARAMS.items()}
    xt = _t(torch, x)
    n, t, d = x.shape
    h = attn.num_heads

    def heads(v):
        return v.reshape(n, t, h, d // h).transpose(1, 2)

    q, k, v = (heads(xt @ tp[w].T) for w in ("q_weight", "k_weight", "v_weight"))
    if qk_layernorm:
        q = functional.layer_norm(q, (d // h,), tp["q_norm.gain"], tp["q_norm.bias"], attn.eps)
        k = functional.layer_norm(k, (d // h,), tp["k_norm.gain"], tp["k_norm.bias"], attn.eps)
    context = functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    out = context.transpose(1, 2).reshape(n, t, d) @ tp["out_weight"].T
    (out * torch.tensor(r)).sum().backward()
    logits = (q @ k.transpose(-1, -2)) / np.sqrt(d // h)
    causal = torch.ones(t, t, dtype=torch.bool).tril()
    assert cache["max_logit"] == pytest.approx(float(logits[..., causal].max().detach()), rel=1e-12)
    _assert_torch(y, out)
    _assert_torch(dx, xt.grad)
    for key, grad in grads.items():
        _assert_torch(grad, tp[key].grad)


def test_attention_output_at_a_position_ignores_later_tokens():
    attn, x, _ = _attention_case(False, 0)
    changed = x.copy()
    changed[:, -1] += 5.0
    before, after = attn.forward(x)[0], attn.forward(changed)[0]
    np.testing.assert_array_equal(before[:, :-1], after[:, :-1])


def test_qk_layernorm_bounds_the_attention_logits():
    # with unit gains and zero biases, |q.k| <= |q||k| = d, so the logit is at most sqrt(d)
    attn, x, _ = _attention_case(True, 1)
    attn.q_norm_gain[...], attn.k_norm_gain[...] = 1.0, 1.0
    attn.q_norm_bias[...], attn.k_norm_bias[...] = 0.0, 0.0
    _, cache = attn.forward(1e3 * x)
    head_dim = attn.q_weight.shape[0] // attn.num_heads
    assert cache["max_logit"] <= np.sqrt(head_dim) + 1e-9


# ----------------------------------------------------------------------------- cross-entropy


@pytest.mark.parametrize("z_loss_coef", [0.0, 1e-2])
@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy_gradient_matches_finite_differences(z_loss_coef, seed):
    rng = np.random.default_rng(seed)
    logits = 3 * rng.standard_normal((int(rng.integers(1, 6)), int(rng.integers(2, 7))))
    targets = rng.integers(logits.shape[1], size=logits.shape[0])
    result = softmax_cross_entropy(logits, targets, z_loss_coef)
    _assert_fd(
        result.grad_logits,
        lambda: softmax_cross_entropy(logits, targets, z_loss_coef).loss,
        logits,
    )


@pytest.mark.frameworks
@pytest.mark.parametrize("z_loss_coef", [0.0, 1e-4, 1e-1])
@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy_with_z_loss_matches_torch(z_loss_coef, seed):
    torch = require_framework("torch")
    rng = np.random.default_rng(seed)
    logits = 3 * rng.standard_normal((5, 7)) + 4
    targets = rng.integers(7, size=5)
    result = softmax_cross_entropy(logits, targets, z_loss_coef)
    lt = _t(torch, logits)
    ce = torch.nn.functional.cross_entropy(lt, torch.tensor(targets))
    z = z_loss_coef * torch.logsumexp(lt, -1).pow(2).mean()
    (ce + z).backward()
    assert result.cross_entropy == pytest.approx(float(ce.detach()), rel=1e-12)
    assert result.z_loss == pytest.approx(float(z.detach()), rel=1e-12, abs=1e-300)
    _assert_torch(result.grad_logits, lt.grad)


def test_z_loss_breaks_the_shift_invariance_of_cross_entropy():
    logits = np.random.default_rng(0).standard_normal((4, 5))
    targets = np.array([0, 1, 2, 3])
    plain = softmax_cross_entropy(logits, targets)
    shifted = softmax_cross_entropy(logits + 10.0, targets)
    assert plain.loss == pytest.approx(shifted.loss, rel=1e-12)
    np.testing.assert_allclose(plain.grad_logits.sum(axis=1), 0, atol=1e-15)
    with_z = softmax_cross_entropy(logits + 10.0, targets, z_loss_coef=1e-3)
    assert np.all(with_z.grad_logits.sum(axis=1) > 0)  # pushes every logit of a row down


def test_cross_entropy_is_stable_for_huge_logits():
    result = softmax_cross_entropy(np.array([[1000.0, 0.0]]), np.array([1]))
    assert result.loss == pytest.approx(1000.0)


# ----------------------------------------------------------------------------- transformer LM


def _lm_case(qk_layernorm, seed):
    rng = np.random.default_rng(seed)
    heads = int(rng.integers(1, 3))
    lm = init_transformer_lm(
        vocab_size=int(rng.integers(3, 8)),
        context_length=6,
        d_model=4 * heads,
        num_heads=heads,
        num_layers=2,
        d_ff=int(rng.integers(3, 9)),
        qk_layernorm=qk_layernorm,
        init_std=0.5,
        seed=seed,
    )
    for name, param in lm.params.items():  # move gains and biases off 1 and 0
        if name.endswith(("gain", "bias")):
            param += 0.3 * rng.standard_normal(param.shape)
    t = int(rng.integers(2, 6))
    tokens = rng.integers(lm.vocab_size, size=(2, t))
    targets = rng.integers(lm.vocab_size, size=(2, t))
    return lm, tokens, targets


@pytest.mark.parametrize("qk_layernorm", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_transformer_lm_gradients_match_finite_differences(qk_layernorm, seed):
    lm, tokens, targets = _lm_case(qk_layernorm, seed)
    out = lm.loss_and_gradients(tokens, targets, z_loss_coef=1e-2)
    assert set(out.grads) == set(lm.params)
    rng = np.random.default_rng(seed + 100)

    def loss():
        return lm.loss_and_gradients(tokens, targets, z_loss_coef=1e-2).loss

    for name, param in lm.params.items():
        _assert_fd(out.grads[name], loss, param, max_entries=4, rng=rng)


def _torch_lm(torch, lm, tokens, targets, z_loss_coef):
    functional = torch.nn.functional
    tp = {k: _t(torch, v) for k, v in lm.params.items()}
    n, t = tokens.shape
    d = tp["token_embedding"].shape[1]
    h = lm.num_heads
    heads = lm.num_heads

    def ln(v, key):
        return functional.layer_norm(v, (v.shape[-1],), tp[key + ".gain"], tp[key + ".bias"])

    x = functional.embedding(torch.tensor(tokens), tp["token_embedding"])
    x = x + tp["position_embedding"][:t]
    attention_maxima = []
    for layer in range(lm.num_layers):
        pre = f"blocks.{layer}."
        a = ln(x, pre + "ln1")
        q, k, v = (
            (a @ tp[pre + f"attn.{w}_weight"].T).reshape(n, t, h, d // h).transpose(1, 2)
            for w in ("q", "k", "v")
        )
        if lm.qk_layernorm:
            q, k = ln(q, pre + "attn.q_norm"), ln(k, pre + "attn.k_norm")
        logits = (q @ k.transpose(-1, -2)) / np.sqrt(d // heads)
        attention_maxima.append(float(logits[..., torch.ones(t, t).tril().bool()].max().detach()))
        context = functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + context.transpose(1, 2).reshape(n, t, d) @ tp[pre + "attn.out_weight"].T
        m = ln(x, pre + "ln2") @ tp[pre + "mlp.fc1_weight"].T + tp[pre + "mlp.fc1_bias"]
        m = functional.gelu(m, approximate="tanh")
        x = x + m @ tp[pre + "mlp.fc2_weight"].T + tp[pre + "mlp.fc2_bias"]
    logits = ln(x, "final_ln") @ tp["unembedding"].T
    flat = logits.reshape(n * t, -1)
    ce = functional.cross_entropy(flat, torch.tensor(targets.reshape(-1)))
    loss = ce + z_loss_coef * torch.logsumexp(flat, -1).pow(2).mean()
    loss.backward()
    return loss, logits, tp, attention_maxima


@pytest.mark.frameworks
@pytest.mark.parametrize("qk_layernorm", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_transformer_lm_matches_torch_autograd(qk_layernorm, seed):
    torch = require_framework("torch")
    lm, tokens, targets = _lm_case(qk_layernorm, seed)
    out = lm.loss_and_gradients(tokens, targets, z_loss_coef=1e-3)
    loss, logits, tp, maxima = _torch_lm(torch, lm, tokens, targets, 1e-3)
    assert out.loss == pytest.approx(float(loss.detach()), rel=1e-12)
    forward = lm.forward(tokens)
    _assert_torch(forward.logits, logits)
    np.testing.assert_allclose(forward.max_attention_logits, maxima, rtol=1e-12)
    np.testing.assert_allclose(out.max_attention_logits, maxima, rtol=1e-12)
    assert forward.max_abs_logit == pytest.approx(float(logits.abs().max().detach()), rel=1e-12)
    for name, tensor in tp.items():
        _assert_torch(out.grads[name], tensor.grad)


def test_init_transformer_lm_is_deterministic_and_scales_residual_projections():
    a = init_transformer_lm(20, 8, 64, 4, 3, seed=3)
    b = init_transformer_lm(20, 8, 64, 4, 3, seed=3)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    attn_in = a.params["blocks.0.attn.q_weight"].std()
    attn_out = a.params["blocks.0.attn.out_weight"].std()
    assert attn_in == pytest.approx(0.02, rel=0.05)
    assert attn_out == pytest.approx(0.02 / np.sqrt(6), rel=0.05)


def test_untrained_lm_loss_is_near_log_vocab_size():
    lm = init_transformer_lm(30, 10, 16, 2, 2, seed=0)
    tokens = np.random.default_rng(0).integers(30, size=(4, 10))
    out = lm.loss_and_gradients(tokens, tokens)
    assert out.cross_entropy == pytest.approx(np.log(30), rel=0.01)
    assert out.z_loss == 0.0
    # the norm clipping measures: the one clip_by_global_norm reports for the same gradients
    _, clip_norm = clip_by_global_norm(list(out.grads.values()), 1.0)
    assert out.global_norm() == clip_norm > 0


def test_transformer_lm_accepts_its_own_params_and_rejects_a_missing_one():
    lm = init_transformer_lm(7, 4, 8, 2, 1, qk_layernorm=True, seed=0)
    rebuilt = TransformerLM(lm.params, 2, qk_layernorm=True)
    tokens = np.array([[1, 2, 3]])
    np.testing.assert_array_equal(rebuilt.forward(tokens).logits, lm.forward(tokens).logits)
    with pytest.raises(ValueError, match="params"):
        TransformerLM(lm.params, 2, qk_layernorm=False)


# ----------------------------------------------------------------------------- argument checks

LM = init_transformer_lm(7, 4, 8, 2, 1, seed=0)


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (lambda: LayerNorm(np.ones(3), np.zeros(2)), ValueError, "bias"),
        (lambda: LayerNorm(np.ones((3, 1)), np.zeros(3)), ValueError, "gain"),
        (lambda: LayerNorm(np.ones(3), np.zeros(3), eps=0.0), ValueError, "eps"),
        (lambda: LayerNorm(np.ones(3), np.zeros(3)).forward(np.ones((2, 4))), ValueError, "x"),
        (lambda: BatchNorm(np.ones(3), np.zeros(3)).forward(np.ones((1, 3))), ValueError, "x"),
        (
            lambda: LayerNorm(np.ones(2), np.zeros(2)).backward(
                np.ones((1, 3)), LayerNorm(np.ones(2), np.zeros(2)).forward(np.ones((1, 2)))[1]
            ),
            ValueError,
            "grad_output",
        ),
        (
            lambda: ResidualBlock(init_mlp([3, 4, 2]), np.ones(3), np.zeros(3)),
            ValueError,
            "mlp",
        ),
        (lambda: ResidualBlock("mlp", np.ones(3), np.zeros(3)), TypeError, "mlp"),
        (
            lambda: ResidualBlock(init_mlp([3, 4, 3]), np.ones(3), np.zeros(3), order="mid"),
            ValueError,
            "order",
        ),
        (
            lambda: LSTMCell(np.ones((6, 2)), np.ones((6, 1)), np.ones(6), np.ones(6)),
            ValueError,
            "weight_ih",
        ),
        (
            lambda: GRUCell(np.ones((6, 2)), np.ones((6, 3)), np.ones(6), np.ones(6)),
            ValueError,
            "weight_hh",
        ),
        (lambda: GRUCell.init(0, 3), ValueError, "input_size"),
        (lambda: GRUCell.init(2, 3).forward(np.ones((2, 3))), ValueError, "x"),
        (
            lambda: LSTMCell.init(2, 3).forward(np.ones((2, 2)), (np.ones((2, 3)),)),
            ValueError,
            "state",
        ),
        (lambda: LSTMCell.init(2, 3).forward_sequence(np.ones((2, 2))), ValueError, "x"),
        (
            lambda: GRUCell.init(2, 3).backward_sequence(
                np.ones((1, 2, 3)),
                GRUCell.init(2, 3).forward_sequence(np.ones((1, 2, 2)))[2],
                (np.ones((1, 2)),),
            ),
            ValueError,
            "grad_final_state",
        ),
        (
            lambda: CausalSelfAttention(*np.ones((4, 6, 6)), num_heads=4),
            ValueError,
            "num_heads",
        ),
        (
            lambda: CausalSelfAttention(*np.ones((4, 6, 6)), num_heads=2, qk_layernorm=1),
            TypeError,
            "qk_layernorm",
        ),
        (lambda: softmax_cross_entropy(np.ones((2, 3)), np.array([0, 3])), ValueError, "targets"),
        (
            lambda: softmax_cross_entropy(np.ones((2, 3)), np.array([0.0, 1.0])),
            TypeError,
            "targets",
        ),
        (
            lambda: softmax_cross_entropy(np.ones((2, 3)), np.array([0, 1]), z_loss_coef=-1.0),
            ValueError,
            "z_loss_coef",
        ),
        (lambda: softmax_cross_entropy(np.ones(3), np.array([0])), ValueError, "logits"),
        (lambda: init_transformer_lm(7, 4, 8, 3, 1), ValueError, "num_heads"),
        (lambda: init_transformer_lm(7, 4, 8, 2, 0), ValueError, "num_layers"),
        (lambda: init_transformer_lm(7, 4, 8, 2, 1, init_std=0.0), ValueError, "init_std"),
        (lambda: LM.forward(np.array([[1, 2, 3, 4, 5]])), ValueError, "tokens"),
        (lambda: LM.forward(np.array([[7]])), ValueError, "tokens"),
        (lambda: LM.loss_and_gradients(np.array([[1, 2]]), np.array([[1]])), ValueError, "targets"),
        (lambda: TransformerLM([1, 2], 2), TypeError, "params"),
    ],
)
def test_bad_arguments_raise_errors_naming_the_parameter(call, exc, name):
    with pytest.raises(exc, match=name):
        call()


@pytest.mark.frameworks
def test_documented_torch_defaults():
    # BatchNorm's Notes: torch keeps running statistics (unbiased variance, momentum 0.1) that this
    # class does not; LayerNorm and BatchNorm eps default to 1e-5; CausalSelfAttention's Notes:
    # nn.MultiheadAttention packs the input projections in one (3D, D) matrix and has biases
    torch = require_framework("torch")
    bn = torch.nn.BatchNorm1d(1).double()
    bn(torch.tensor([[1.0], [3.0]], dtype=torch.float64))
    assert bn.momentum == 0.1 and bn.eps == 1e-5 and torch.nn.LayerNorm(3).eps == 1e-5
    assert float(bn.running_var[0]) == pytest.approx(0.9 * 1.0 + 0.1 * 2.0)  # var([1, 3], ddof=1)
    mha = torch.nn.MultiheadAttention(6, 2)
    assert tuple(mha.in_proj_weight.shape) == (18, 6) and mha.in_proj_bias is not None
    cell = torch.nn.LSTMCell(2, 3)
    assert tuple(cell.weight_ih.shape) == (12, 2)  # (4H, I), gates i, f, g, o
