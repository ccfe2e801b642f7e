"""Record PyTorch autograd derivatives that tests/test_problems.py compares gdguide's problems with.

Run with the project's venv (needs torch==2.13.0):

    .venv/bin/python scripts/record_parity_problems.py

Writes tests/data/problems_parity.json: for each problem and point, the loss, the gradient from
`torch.autograd.grad` and the Hessian from `torch.autograd.functional.hessian`, in float64.
The torch losses are written independently of gdguide (from the formulas), so the comparison
checks the closed-form derivatives against automatic differentiation.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "problems_parity.json"


def regression_loss(design: np.ndarray, y: np.ndarray, reduction: str):
    a = torch.tensor(design, dtype=torch.float64)
    t = torch.tensor(y, dtype=torch.float64)
    mse = torch.nn.MSELoss(reduction=reduction)
    return lambda theta: mse(a @ theta, t)


def article_design(n: int, intercept: bool, standardize: bool) -> tuple[np.ndarray, np.ndarray]:
    x = np.arange(1.0, n + 1.0)
    y = 2 * x - 1
    if standardize:
        x = (x - x.mean()) / x.std()
    design = np.column_stack([np.ones(n), x]) if intercept else x[:, None]
    return design, y


def cases() -> list[dict]:
    rng = np.random.default_rng(2024)
    matrix = rng.normal(size=(3, 3))
    sym = matrix @ matrix.T + np.eye(3)
    b = rng.normal(size=3)
    features = rng.normal(size=(6, 2))
    targets = rng.normal(size=6)
    out = []
    for n, intercept, standardize, reduction in [
        (5, False, False, "sum"),
        (7, False, False, "sum"),
        (5, True, False, "sum"),
        (5, True, True, "sum"),
        (5, True, False, "mean"),
    ]:
        design, y = article_design(n, intercept, standardize)
        out.append(
            {
                "problem": "article_regression",
                "kwargs": {
                    "n": n,
                    "fit_intercept": intercept,
                    "standardize": standardize,
                    "reduction": reduction,
                },
                "fun": regression_loss(design, y, reduction),
                "points": [np.zeros(design.shape[1]), np.linspace(-2.0, 3.0, design.shape[1])],
            }
        )
    with_ones = np.column_stack([np.ones(6), features])
    out.append(
        {
            "problem": "LinearRegression",
            "kwargs": {
                "X": features.tolist(),
                "y": targets.tolist(),
                "fit_intercept": True,
                "reduction": "mean",
            },
            "fun": regression_loss(with_ones, targets, "mean"),
            "points": [rng.normal(size=3)],
        }
    )
    tsym, tb = torch.tensor(sym), torch.tensor(b)
    out.append(
        {
            "problem": "Quadratic",
            "kwargs": {"A": sym.tolist(), "b": b.tolist()},
            "fun": lambda x: 0.5 * x @ tsym @ x - tb @ x,
            "points": [rng.normal(size=3), np.zeros(3)],
        }
    )
    out.append(
        {
            "problem": "Wall",
            "kwargs": {},
            "fun": lambda x: (x**2 + x**4).sum(),
            "points": [np.array([3.0, -0.5, 0.0]), rng.normal(size=3)],
        }
    )
    for T, x0, target in [(50, 1.0, 1.0), (7, 0.5, -2.0)]:
        out.append(
            {
                "problem": "RecurrentCliff",
                "kwargs": {"T": T, "x0": x0, "target": target},
                "fun": lambda w, T=T, x0=x0, target=target: 0.5 * (x0 * w[0] ** T - target) ** 2,
                "points": [np.array([1.1]), np.array([1.0]), np.array([0.97]), np.array([-1.05])],
            }
        )
    return out


def record(case: dict) -> dict:
    points = []
    for point in case["points"]:
        x = torch.tensor(point, dtype=torch.float64, requires_grad=True)
        loss = case["fun"](x)
        (grad,) = torch.autograd.grad(loss, x)
        hessian = torch.autograd.functional.hessian(case["fun"], x.detach())
        points.append(
            {
                "x": point.tolist(),
                "loss": loss.item(),
                "grad": grad.tolist(),
                "hessian": hessian.reshape(point.size, point.size).tolist(),
            }
        )
    return {"problem": case["problem"], "kwargs": case["kwargs"], "points": points}


def main() -> None:
    torch.set_default_dtype(torch.float64)
    data = {"torch": torch.__version__, "cases": [record(case) for case in cases()]}
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(data['cases'])} cases)")


if __name__ == "__main__":
    main()
