"""Write the example training logs under tests/data/logs/ (small, deterministic, synthetic).

    .venv/bin/python scripts/make_example_logs.py

- `spike_led_by_grad_norm.csv`: a falling loss with a gradient-norm spike 3 steps before a loss
  spike (the order a too-large step produces: the norm jumps, the next updates raise the loss);
- `goes_nan.jsonl`: the gradient norm grows for 40 steps, turns inf, then every value is NaN;
- `resumed/part1.csv`, `resumed/part2.csv`: a run resumed from a checkpoint at step 150 after
  logging up to 179 (the steps 150-179 are logged twice; the later records win);
- `tensorboard/run-train-tag-loss.csv`, `tensorboard/run-train-tag-grad_norm.csv`: TensorBoard
  CSV exports (`Wall time,Step,Value`) of one run, the norm logged every other step.

They are synthetic (lognormal noise around a trend), not training runs: the spike lab's runs (issue
16) will add real ones. Values are written with `repr`. numpy's `exp` differs in the last bits
between CPUs (SIMD kernels), so a file written on another machine may differ in a last digit;
tests/test_diagnose.py compares the numbers to 1e-12 relative, the rest of the text exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "logs"


def trend_run(steps: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Loss, gradient norm and learning rate of a quiet run: trends times lognormal noise."""
    rng = np.random.default_rng(seed)
    k = np.arange(steps)
    loss = (0.8 + 3.2 * np.exp(-k / 120)) * np.exp(rng.normal(0, 0.03, steps))
    norm = (0.4 + 2.0 * np.exp(-k / 80)) * np.exp(rng.normal(0, 0.25, steps))
    lr = 1e-3 * np.minimum(1.0, (k + 1) / 50)
    return loss, norm, lr


def write_csv(path: Path, header: str, rows: list[tuple[object, ...]]) -> None:
    """Write `rows` (numbers as repr, NaN as nan) under `header`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [header] + [",".join(cell_text(c) for c in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def cell_text(value: object) -> str:
    """Repr of a float (`nan`, `inf` as Python writes them), str of anything else."""
    return repr(float(value)) if isinstance(value, float) else str(value)


def spike_led_by_grad_norm() -> None:
    loss, norm, lr = trend_run(400, seed=1)
    norm[250:253] *= [25.0, 8.0, 3.0]
    loss[253:258] *= [2.5, 2.0, 1.6, 1.3, 1.1]
    rows = [(k, float(loss[k]), float(norm[k]), float(lr[k])) for k in range(400)]
    write_csv(OUT / "spike_led_by_grad_norm.csv", "step,loss,grad_norm,lr", rows)


def goes_nan() -> None:
    loss, norm, lr = trend_run(300, seed=2)
    norm[200:240] *= np.geomspace(1, 1e6, 40)
    loss[230:240] *= np.geomspace(1, 50, 10)
    norm[240], loss[240] = np.inf, np.inf
    norm[241:], loss[241:] = np.nan, np.nan
    lines = []
    for k in range(300):
        lines.append(
            f'{{"step": {k}, "loss": {json_number(loss[k])}, "grad_norm": '
            f'{json_number(norm[k])}, "lr": {float(lr[k])!r}}}'
        )
    (OUT / "goes_nan.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def json_number(x: float) -> str:
    """JSON as Python's json module writes it: NaN, Infinity, -Infinity are bare words."""
    if np.isnan(x):
        return "NaN"
    if np.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return repr(float(x))


def resumed() -> None:
    loss, norm, lr = trend_run(300, seed=3)
    header = "step,loss,grad_norm"
    first = [(k, float(loss[k] * 1.02), float(norm[k]), None) for k in range(180)]
    second = [(k, float(loss[k]), float(norm[k] * 0.9), None) for k in range(150, 300)]
    write_csv(OUT / "resumed" / "part1.csv", header, [r[:3] for r in first])
    write_csv(OUT / "resumed" / "part2.csv", header, [r[:3] for r in second])


def tensorboard() -> None:
    loss, norm, _ = trend_run(300, seed=4)
    norm[180] *= 30.0
    loss[182] *= 2.2
    wall = 1.7e9 + 0.25 * np.arange(300)
    header = "Wall time,Step,Value"
    write_csv(
        OUT / "tensorboard" / "run-train-tag-loss.csv",
        header,
        [(float(wall[k]), k, float(loss[k])) for k in range(300)],
    )
    write_csv(
        OUT / "tensorboard" / "run-train-tag-grad_norm.csv",
        header,
        [(float(wall[k]), k, float(norm[k])) for k in range(0, 300, 2)],
    )


def main() -> None:
    """Write every example log."""
    spike_led_by_grad_norm()
    goes_nan()
    resumed()
    tensorboard()


if __name__ == "__main__":
    main()
