"""Record PyTorch and optax clipping outputs on fixed inputs into tests/data/clipping_parity.json.

Run with the project's environment (needs torch==2.13.0, jax and optax; the frameworks extra):

    .venv/bin/python scripts/record_parity_clipping.py

The JSON stores the inputs too, so tests/test_clipping.py compares gdguide against it without
any framework installed. NaN and infinities are stored as the strings "nan", "inf", "-inf" so
the file stays standard JSON.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)  # record float64 results too

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
import torch  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "clipping_parity.json"


def encode(array) -> dict:
    """An array as {dtype, shape, data} with non-finite values as strings."""
    a = np.asarray(array)
    data = [v if math.isfinite(v) else str(v) for v in a.astype(np.float64).ravel().tolist()]
    return {"dtype": a.dtype.name, "shape": list(a.shape), "data": data}


def fixed_inputs() -> dict[str, list[np.ndarray]]:
    rng = np.random.default_rng(20240611)
    mixed = [rng.standard_normal(s) for s in [(4, 3), (5,), (2, 2, 2)]]
    return {
        "mixed_f64": mixed,
        "mixed_f32": [m.astype(np.float32) for m in mixed],
        "at_threshold_f32": [np.array([3.0, 4.0], np.float32)],
        "at_threshold_f64": [np.array([3.0, 4.0])],
        "zero_f64": [np.zeros(3), np.zeros((2, 2))],
        "nan_f64": [np.array([1.0, np.nan, 2.0]), np.array([3.0])],
        "inf_f64": [np.array([1.0, np.inf, -2.0]), np.array([3.0])],
        "neg_inf_f32": [np.array([1.0, -np.inf], np.float32), np.array([3.0], np.float32)],
    }


CASES = [  # (input name, max_norm, norm_type)
    ("mixed_f64", 0.5, 2.0),
    ("mixed_f64", 100.0, 2.0),
    ("mixed_f64", 0.5, 1.0),
    ("mixed_f64", 0.5, "inf"),
    ("mixed_f32", 0.5, 2.0),
    ("mixed_f32", 0.5, 1.0),
    ("mixed_f32", 0.5, "inf"),
    ("at_threshold_f32", 5.0, 2.0),
    ("at_threshold_f64", 5.0, 2.0),
    ("zero_f64", 1.0, 2.0),
    ("nan_f64", 1.0, 2.0),
    ("inf_f64", 1.0, 2.0),
    ("neg_inf_f32", 1.0, 2.0),
]


def torch_clip_grad_norm(arrays, max_norm, norm_type) -> dict:
    params = []
    for a in arrays:
        p = torch.nn.Parameter(torch.zeros(a.shape, dtype=getattr(torch, a.dtype.name)))
        p.grad = torch.from_numpy(a.copy())
        params.append(p)
    p_type = float("inf") if norm_type == "inf" else norm_type
    total = torch.nn.utils.clip_grad_norm_(
        params, max_norm, p_type, error_if_nonfinite=False, foreach=True
    )
    try:
        grads = [torch.from_numpy(a.copy()) for a in arrays]
        torch.nn.utils.get_total_norm(grads, p_type, error_if_nonfinite=True)
        raises = False
    except RuntimeError:
        raises = True
    return {
        "clipped": [encode(p.grad.numpy()) for p in params],
        "total_norm": encode(total.detach().numpy()),
        "raises_if_nonfinite": raises,
    }


def optax_clip_by_global_norm(arrays, max_norm) -> dict:
    tx = optax.clip_by_global_norm(max_norm)
    updates = [jnp.asarray(a) for a in arrays]
    out, _ = tx.update(updates, tx.init(updates))
    return {
        "clipped": [encode(np.asarray(o)) for o in out],
        "total_norm": encode(np.asarray(optax.global_norm(updates))),
    }


def torch_clip_value() -> list[dict]:
    records = []
    for dtype in (np.float64, np.float32):
        a = np.array([[-3.0, 0.25, np.nan], [np.inf, -np.inf, 0.5]], dtype=dtype)
        t = torch.from_numpy(a.copy())
        p = torch.nn.Parameter(torch.zeros_like(t))
        p.grad = t
        torch.nn.utils.clip_grad_value_([p], 0.5)
        records.append({"input": encode(a), "clip_value": 0.5, "clipped": encode(p.grad.numpy())})
    return records


def agc_inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    shapes = {
        "bias": (3,),
        "dense": (4, 3),
        "conv": (2, 2, 3, 5),
        "multihead": (4, 2, 3),
        "zero_w": (3, 2),
    }
    grads = {k: rng.standard_normal(s) * 0.3 for k, s in shapes.items()}
    params = {k: rng.standard_normal(s) for k, s in shapes.items()}
    params["zero_w"] = np.zeros(shapes["zero_w"])
    grads["dense"][:, 1] = 0.0  # a zero unit
    return grads, params


def optax_agc(clipping: float, eps: float, dtype) -> dict:
    grads, params = agc_inputs()
    grads = {k: v.astype(dtype) for k, v in grads.items()}
    params = {k: v.astype(dtype) for k, v in params.items()}
    tx = optax.adaptive_grad_clip(clipping, eps)
    out, _ = tx.update(
        {k: jnp.asarray(v) for k, v in grads.items()},
        tx.init(params),
        {k: jnp.asarray(v) for k, v in params.items()},
    )
    return {
        "clipping": clipping,
        "eps": eps,
        "grads": {k: encode(v) for k, v in grads.items()},
        "params": {k: encode(v) for k, v in params.items()},
        "clipped": {k: encode(np.asarray(v)) for k, v in out.items()},
    }


def optax_per_example(max_norm: float, dtype) -> dict:
    rng = np.random.default_rng(11)
    grads = [rng.standard_normal((6, 3)), rng.standard_normal((6, 2, 2))]
    grads[0][2] = 0.0
    grads[1][2] = 0.0  # example 2 has zero gradient
    grads = [g.astype(dtype) for g in grads]
    total, num_clipped = optax.per_example_global_norm_clip(
        [jnp.asarray(g) for g in grads], max_norm
    )
    return {
        "max_norm": max_norm,
        "grads": [encode(g) for g in grads],
        "sum": [encode(np.asarray(s)) for s in total],
        "num_clipped": int(num_clipped),
    }


def main() -> None:
    inputs = fixed_inputs()
    record = {
        "versions": {
            "torch": torch.__version__,
            "optax": optax.__version__,
            "jax": jax.__version__,
        },
        "inputs": {k: [encode(a) for a in v] for k, v in inputs.items()},
        "clip_grad_norm": [],
        "optax_clip_by_global_norm": [],
        "clip_grad_value": torch_clip_value(),
        "optax_adaptive_grad_clip": [
            optax_agc(0.05, 1e-3, np.float64),
            optax_agc(0.05, 1e-3, np.float32),
        ],
        "optax_per_example_global_norm_clip": [
            optax_per_example(1.0, np.float64),
            optax_per_example(1.0, np.float32),
        ],
    }
    for name, max_norm, norm_type in CASES:
        case = {"input": name, "max_norm": max_norm, "norm_type": norm_type}
        record["clip_grad_norm"].append(
            case | torch_clip_grad_norm(inputs[name], max_norm, norm_type)
        )
        if norm_type == 2.0:
            record["optax_clip_by_global_norm"].append(
                case | optax_clip_by_global_norm(inputs[name], max_norm)
            )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(record, indent=1, allow_nan=False) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
