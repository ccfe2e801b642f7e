"""Record PyTorch training loops that tests/test_descent.py compares gradient_descent with.

Run with the project's venv (needs torch==2.13.0):

    .venv/bin/python scripts/record_parity_descent.py

Writes tests/data/descent_parity.json. Each run is the loop a PyTorch user writes, in float64:

    loss = f(theta); opt.zero_grad(); loss.backward()
    clip_grad_value_(theta, c)  or  clip_grad_norm_(theta, c)     # optional
    opt.step()                                                    # torch.optim.SGD(lr)

with autograd gradients, for the guide's runs (the article's regression with and without value
clipping, the clipped limit cycle, the wall with norm clipping, the clipped recurrent cliff).
Stored: the parameters after each of the first `keep` steps, the final parameters, the pre-clip
norms returned by `clip_grad_norm_`, and the first step whose gradient is non-finite.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "descent_parity.json"
X = torch.arange(1.0, 6.0, dtype=torch.float64)[:, None]
Y = 2 * X[:, 0] - 1

LOSSES = {
    "article": lambda theta: ((X @ theta - Y) ** 2).sum(),
    "wall": lambda x: (x**2 + x**4).sum(),
    "cliff": lambda w: 0.5 * (w[0] ** 50 - 1.0) ** 2,
}

# name, problem, x0, lr, clip kind, clip value, num_steps
RUNS = [
    ("article_plain", "article", [0.0], 0.01, None, None, 1000),
    ("article_value_clip", "article", [0.0], 0.01, "value", 0.5, 1000),
    ("article_limit_cycle", "article", [0.0], 0.02, "value", 0.5, 1000),
    ("article_diverges", "article", [0.0], 0.03, None, None, 1000),
    ("wall_norm_clip", "wall", [3.0], 0.1, "norm", 1.0, 100),
    ("cliff_value_clip", "cliff", [1.105], 0.01, "value", 1.0, 200),
]


def run(
    problem: str, x0: list[float], lr: float, kind: str | None, c: float | None, steps: int
) -> dict:
    theta = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([theta], lr=lr, foreach=False)
    params, norms, first_bad = [list(x0)], [], None
    for k in range(steps):
        opt.zero_grad()
        LOSSES[problem](theta).backward()
        if first_bad is None and not torch.isfinite(theta.grad).all():
            first_bad = k
        if kind == "value":
            torch.nn.utils.clip_grad_value_([theta], c)
        elif kind == "norm":
            norms.append(torch.nn.utils.clip_grad_norm_([theta], c).item())
        opt.step()
        params.append(theta.detach().tolist())
    finite = [p for p in params if all(math.isfinite(v) for v in p)]
    return {
        "params": finite[:60],
        "final": params[-1] if len(finite) == len(params) else None,
        "pre_clip_norms": norms[:60],
        "first_nonfinite_step": first_bad,
    }


def main() -> None:
    data = {"torch": torch.__version__, "runs": {}}
    for name, problem, x0, lr, kind, c, steps in RUNS:
        record = run(problem, x0, lr, kind, c, steps)
        data["runs"][name] = {
            "problem": problem,
            "x0": x0,
            "learning_rate": lr,
            "clip": kind,
            "clip_value": c,
            "num_steps": steps,
            **record,
        }
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(data['runs'])} runs)")


if __name__ == "__main__":
    main()
