"""Record torch.optim trajectories that tests/test_optimizers.py compares gdguide's optimizers with.

Run with the project's venv (needs torch==2.13.0):

    .venv/bin/python scripts/record_parity_optimizers.py

Writes tests/data/optimizers_parity.json: for each (problem, optimizer, hyperparameters) the
parameters every `record_every` steps of a float64 run of torch.optim, with the gradient computed
in numpy (the same function the tests use), so only the optimizer arithmetic is compared.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "optimizers_parity.json"

# gdguide class name -> (torch constructor, fixed torch kwargs)
TORCH = {
    "SGD": (torch.optim.SGD, {}),
    "Momentum": (torch.optim.SGD, {}),
    "Nesterov": (torch.optim.SGD, {"nesterov": True}),
    "AdaGrad": (torch.optim.Adagrad, {}),
    "RMSprop": (torch.optim.RMSprop, {}),
    "Adam": (torch.optim.Adam, {}),
    "AdamW": (torch.optim.AdamW, {}),
}

# (gdguide class, gdguide kwargs) run on each problem; learning rates in units of 1/lambda_max
CONFIGS = [
    ("SGD", {"learning_rate": 0.9}),
    ("SGD", {"learning_rate": 0.5, "weight_decay": 0.1}),
    ("Momentum", {"learning_rate": 1.0, "momentum": 0.9}),
    ("Momentum", {"learning_rate": 0.5, "momentum": 0.5, "dampening": 0.2}),
    ("Nesterov", {"learning_rate": 1.0, "momentum": 0.9}),
    ("AdaGrad", {"learning_rate": 0.5}),
    ("AdaGrad", {"learning_rate": 0.01, "eps": 1e-6, "initial_accumulator_value": 0.1}),
    ("RMSprop", {"learning_rate": 0.01}),
    ("RMSprop", {"learning_rate": 3e-4, "alpha": 0.9, "eps": 1e-6}),
    ("Adam", {"learning_rate": 1e-3}),
    ("Adam", {"learning_rate": 0.01}),
    ("Adam", {"learning_rate": 0.05, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.1}),
    ("AdamW", {"learning_rate": 0.01}),
    ("AdamW", {"learning_rate": 0.02, "betas": [0.8, 0.99], "weight_decay": 0.5}),
]
SCALED_LR = {
    "SGD",
    "Momentum",
    "Nesterov",
}  # their learning rates above are multiplied by 1/lambda_max


def torch_kwargs(name: str, kwargs: dict) -> dict:
    out = dict(TORCH[name][1])
    for key, value in kwargs.items():
        key = {"learning_rate": "lr", "initial_accumulator_value": "initial_accumulator_value"}.get(
            key, key
        )
        out[key] = tuple(value) if key == "betas" else value
    return {**out, "foreach": False}


def article_problem() -> dict:
    x = np.arange(1.0, 6.0)[:, None]
    return {
        "name": "article",
        "A": x.tolist(),
        "b": [1.0, 3.0, 5.0, 7.0, 9.0],
        "x0": [0.0],
        "lambda_max": 110.0,
        "num_steps": 1000,
        "record_every": 10,
    }


def quadratic_problem() -> dict:
    """Least squares with a design of condition number 30 (Hessian condition number 900)."""
    rng = np.random.default_rng(20240601)
    u, _ = np.linalg.qr(rng.standard_normal((8, 4)))
    v, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    a = u @ np.diag([30.0, 10.0, 3.0, 1.0]) @ v.T
    b = rng.standard_normal(8)
    return {
        "name": "ill_conditioned",
        "A": a.tolist(),
        "b": b.tolist(),
        "x0": rng.standard_normal(4).tolist(),
        "lambda_max": float(np.linalg.eigvalsh(2 * a.T @ a)[-1]),
        "num_steps": 300,
        "record_every": 5,
    }


def gradient(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient of the sum loss ||A x - b||^2 (the article's `2 * (X @ theta - y) @ X`).

    Written without BLAS (`@` rounds differently on different CPUs, and an ill-conditioned run
    amplifies that past the tests' rtol=1e-12): elementwise products and numpy's sums over at
    most 5 terms, which round the same everywhere. tests/test_optimizers.py uses the same formula.
    """
    residual = (a * x).sum(axis=1) - b
    return 2 * (a * residual[:, None]).sum(axis=0)


def run_torch(problem: dict, name: str, kwargs: dict) -> list[list[float]]:
    a, b = np.array(problem["A"]), np.array(problem["b"])
    param = torch.tensor(problem["x0"], dtype=torch.float64)
    opt = TORCH[name][0]([param], **torch_kwargs(name, kwargs))
    records = [param.tolist()]
    for step in range(1, problem["num_steps"] + 1):
        param.grad = torch.from_numpy(gradient(a, b, param.detach().numpy()))
        opt.step()
        if step % problem["record_every"] == 0:
            records.append(param.tolist())
    return records


def main() -> None:
    problems = [article_problem(), quadratic_problem()]
    runs = []
    for problem in problems:
        for name, kwargs in CONFIGS:
            kwargs = dict(kwargs)
            if name in SCALED_LR:
                kwargs["learning_rate"] = kwargs["learning_rate"] / problem["lambda_max"]
            runs.append(
                {
                    "problem": problem["name"],
                    "optimizer": name,
                    "kwargs": kwargs,
                    "params": run_torch(problem, name, kwargs),
                }
            )
    data = {
        "torch_version": torch.__version__,
        "loss": "sum of squares ||A x - b||^2, gradient 2 A^T (A x - b)",
        "problems": {p["name"]: p for p in problems},
        "runs": runs,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {len(runs)} runs to {OUT} ({OUT.stat().st_size / 1024:.1f} kB)")


if __name__ == "__main__":
    main()
