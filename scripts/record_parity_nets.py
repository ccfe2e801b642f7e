"""Record PyTorch autograd gradients that tests/test_nets.py compares gdguide.nets's backprop with.

Run with the project's venv (needs torch==2.13.0):

    .venv/bin/python scripts/record_parity_nets.py

Writes tests/data/nets_parity.json: for small seeded networks (an MLP per activation, a tanh RNN
through `torch.nn.RNN` and a linear RNN unrolled by hand) the weights, inputs and targets, and
what float64 PyTorch autograd gives for the loss, every parameter gradient, the per-step hidden
gradient norms of the RNN and the input Jacobian of the MLP. The tests also import the functions
below to compare live on fresh random networks when torch is installed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from gdguide import MLP, RNN, init_mlp, init_rnn

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "nets_parity.json"
TORCH_ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "linear": lambda z: z,
}


def _half_mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # torch's MSELoss(reduction="sum") / (2 N): half the squared error, averaged over the batch
    return torch.nn.functional.mse_loss(out, y, reduction="sum") / (2 * out.shape[0])


def torch_mlp(net: MLP, x: np.ndarray, y: np.ndarray) -> dict:
    """Loss, gradients and input Jacobian of `net` computed by torch autograd (float64)."""
    act = TORCH_ACTIVATIONS[net.activation]
    weights = [torch.tensor(w, requires_grad=True) for w in net.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in net.biases]

    def forward(inputs: torch.Tensor) -> torch.Tensor:
        h = inputs
        for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
            h = torch.nn.functional.linear(h, w, b)
            h = h if i == len(weights) - 1 else act(h)
        return h

    xt = torch.tensor(x)
    loss = _half_mse(forward(xt), torch.tensor(y))
    loss.backward()
    full = torch.autograd.functional.jacobian(forward, xt)  # (N, out, N, in)
    jac = torch.stack([full[n, :, n, :] for n in range(x.shape[0])])
    return {
        "loss": loss.item(),
        "weights": [w.grad.numpy().tolist() for w in weights],
        "biases": [b.grad.numpy().tolist() for b in biases],
        "jacobian": jac.numpy().tolist(),
    }


def torch_rnn(net: RNN, x: np.ndarray, y: np.ndarray) -> dict:
    """Loss, gradients and per-step hidden gradient norms of `net` by torch autograd (float64).

    A tanh RNN runs through `torch.nn.RNN` (its `bias_hh` set to 0, so `bias_ih` plays gdguide's
    `b`) for the parameter gradients; the hidden norms come from an unrolled loop with
    `retain_grad`, which also serves the linear RNN that `torch.nn.RNN` does not offer.
    """
    params = [torch.tensor(p, requires_grad=True) for p in net.parameters()]
    w, u, b, v, c = params
    act = TORCH_ACTIVATIONS[net.activation]
    xt, yt = torch.tensor(x), torch.tensor(y)
    h = torch.zeros(x.shape[0], net.sizes[1], dtype=torch.float64)
    states = []
    for t in range(x.shape[1]):
        h = act(h @ w.T + xt[:, t] @ u.T + b)
        h.retain_grad()
        states.append(h)
    loss = _half_mse(h @ v.T + c, yt)
    loss.backward()
    result = {
        "loss": loss.item(),
        "grads": [p.grad.numpy().tolist() for p in params],
        "hidden_norms": [float(torch.linalg.norm(s.grad)) for s in states],
    }
    if net.activation == "tanh":
        result["grads_nn_rnn"] = _torch_nn_rnn_grads(net, xt, yt)
    return result


def _torch_nn_rnn_grads(net: RNN, xt: torch.Tensor, yt: torch.Tensor) -> list:
    n_in, n_hid, n_out = net.sizes
    rnn = torch.nn.RNN(n_in, n_hid, nonlinearity="tanh", batch_first=True, dtype=torch.float64)
    head = torch.nn.Linear(n_hid, n_out, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(torch.tensor(net.weight_hh))
        rnn.weight_ih_l0.copy_(torch.tensor(net.weight_ih))
        rnn.bias_ih_l0.copy_(torch.tensor(net.bias))
        rnn.bias_hh_l0.zero_()
        head.weight.copy_(torch.tensor(net.weight_out))
        head.bias.copy_(torch.tensor(net.bias_out))
    outputs, _ = rnn(xt)
    _half_mse(head(outputs[:, -1]), yt).backward()
    grads = [rnn.weight_hh_l0, rnn.weight_ih_l0, rnn.bias_ih_l0, head.weight, head.bias]
    return [g.grad.numpy().tolist() for g in grads]


def mlp_case(activation: str, seed: int) -> tuple[MLP, np.ndarray, np.ndarray]:
    net = init_mlp([3, 5, 4, 2], activation=activation, init="xavier", seed=seed)
    rng = np.random.default_rng(seed + 1)
    return net, rng.standard_normal((6, 3)), rng.standard_normal((6, 2))


def rnn_case(activation: str, seed: int) -> tuple[RNN, np.ndarray, np.ndarray]:
    net = init_rnn(2, 5, 3, activation=activation, spectral_radius=1.1, seed=seed)
    net.bias += 0.1 * np.arange(5)
    rng = np.random.default_rng(seed + 1)
    return net, rng.standard_normal((4, 7, 2)), rng.standard_normal((4, 3))


def main() -> None:
    data = {"torch_version": torch.__version__, "mlp": [], "rnn": []}
    for activation in ("sigmoid", "tanh", "relu", "linear"):
        net, x, y = mlp_case(activation, seed=11)
        case = {"activation": activation, "x": x.tolist(), "y": y.tolist()}
        case["weights"] = [w.tolist() for w in net.weights]
        case["biases"] = [b.tolist() for b in net.biases]
        data["mlp"].append({**case, "torch": torch_mlp(net, x, y)})
    for activation in ("tanh", "linear"):
        net, x, y = rnn_case(activation, seed=21)
        case = {"activation": activation, "x": x.tolist(), "y": y.tolist()}
        case["params"] = [p.tolist() for p in net.parameters()]
        data["rnn"].append({**case, "torch": torch_rnn(net, x, y)})
    OUT.write_text(json.dumps(data) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
