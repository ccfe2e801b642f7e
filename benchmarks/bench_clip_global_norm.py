"""Global-norm clipping: gdguide (in place and copying) against torch.nn.utils.clip_grad_norm_.

Same ~80 M float32 values in ~200 arrays for every method, one thread each, one process, best of N
runs. Every run starts from the same values (restored untimed) with max_norm = half the norm, so
every method really multiplies. Peak extra memory is measured with tracemalloc, which sees numpy's
data allocations. A benchmark: it prints a table and never asserts a time.

    .venv/bin/python benchmarks/bench_clip_global_norm.py [--repeats 7] [--values 80e6]

On processors where the environment sets OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (old OpenBLAS
workarounds), numpy's BLAS runs an older kernel; compare with both unset in that one command:
`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/...`. The table header
names the kernel in use.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy and torch are imported

import argparse  # noqa: E402
import ctypes  # noqa: E402
import glob  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from gdguide import clip_by_global_norm, clip_by_global_norm_  # noqa: E402


def openblas_kernel() -> str:
    """The OpenBLAS core numpy uses and its thread count (via the bundled library), if found."""
    libs = glob.glob(str(Path(np.__file__).parent.parent / "numpy.libs" / "libscipy_openblas*.so*"))
    for path in libs:
        lib = ctypes.CDLL(path)
        for suffix in ("64_", ""):
            core = getattr(lib, f"scipy_openblas_get_corename{suffix}", None)
            threads = getattr(lib, f"scipy_openblas_get_num_threads{suffix}", None)
            if core is not None and threads is not None:
                core.restype = ctypes.c_char_p
                return f"{core().decode()} ({threads()} thread)"
    return "unknown"


def make_gradients(total: int, count: int) -> list[np.ndarray]:
    """Return `count` float32 arrays of geometrically spread sizes, about `total` values."""
    rng = np.random.default_rng(0)
    sizes = np.geomspace(1.0, 2_000.0, count)
    sizes = np.maximum((sizes / sizes.sum() * total / 64).astype(int), 1) * 64
    return [rng.standard_normal((s // 64, 64), dtype=np.float32) for s in sizes]


def best_times(methods: dict, restore, repeats: int) -> dict[str, float]:
    """Best-of-`repeats` seconds per method; methods alternate so machine load hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(repeats):
        for name, run in methods.items():
            restore()
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: min(t) for name, t in times.items()}


def peak_extra_bytes(run, restore) -> int:
    restore()
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del result
    return peak


def print_row(cells: list[str], widths: list[int]) -> None:
    first = f"{cells[0]:<{widths[0]}}"
    rest = [f"{c:>{w}}" for c, w in zip(cells[1:], widths[1:], strict=True)]
    print("| " + " | ".join([first, *rest]) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--values", type=float, default=80e6)
    parser.add_argument("--arrays", type=int, default=200)
    args = parser.parse_args()
    repeats = max(args.repeats, 5)

    grads = make_gradients(int(args.values), args.arrays)
    backup = [g.copy() for g in grads]
    largest = max(g.nbytes for g in grads)
    max_norm = 0.5 * clip_by_global_norm(grads, 1e30)[1]

    def restore() -> None:
        for g, b in zip(grads, backup, strict=True):
            np.copyto(g, b)

    methods = {
        "gdguide clip_by_global_norm_ (in place)": lambda: clip_by_global_norm_(grads, max_norm),
        "gdguide clip_by_global_norm (copy)": lambda: clip_by_global_norm(grads, max_norm),
    }
    peaks = {name: peak_extra_bytes(run, restore) for name, run in methods.items()}

    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.set_num_threads(1)
        params = []
        for g in grads:  # the gradients share memory with the numpy arrays
            p = torch.nn.Parameter(torch.empty(g.shape))
            p.grad = torch.from_numpy(g)
            params.append(p)

        def torch_clip():
            return torch.nn.utils.clip_grad_norm_(params, max_norm, foreach=True)

        methods["torch clip_grad_norm_(foreach=True)"] = torch_clip
        restore()
        torch_norm = float(torch_clip())
        restore()
        ours_norm = clip_by_global_norm_(grads, max_norm, eps=1e-6)
        exact = float(
            np.sqrt(
                sum(
                    np.dot(b.ravel().astype(np.float64), b.ravel().astype(np.float64))
                    for b in backup
                )
            )
        )

    best = best_times(methods, restore, repeats)
    torch_time = best.get("torch clip_grad_norm_(foreach=True)")
    rows = [[name, seconds, peaks.get(name)] for name, seconds in best.items()]

    values = sum(g.size for g in grads)
    print(
        f"{len(grads)} float32 arrays, {values / 1e6:.1f} M values ({values * 4 / 2**20:.0f} MiB), "
        f"largest {largest / 2**20:.1f} MiB; best of {repeats}; numpy {np.__version__}"
        + (
            f", torch {torch.__version__} ({torch.get_num_threads()} thread)"
            if torch is not None
            else ""
        )
    )
    coretype = os.environ.get("OPENBLAS_CORETYPE", "(unset)")
    l2_size = os.environ.get("OPENBLAS_L2_SIZE", "(unset)")
    print(
        f"OpenBLAS kernel: {openblas_kernel()}; "
        f"OPENBLAS_CORETYPE={coretype}, OPENBLAS_L2_SIZE={l2_size}"
    )
    print()
    widths = [40, 8, 7, 14, 9]
    print_row(["method", "best ms", "/ torch", "peak extra MiB", "/ largest"], widths)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for name, seconds, peak in rows:
        ratio = f"{seconds / torch_time:.2f}x" if torch_time else "-"
        memory = f"{peak / 2**20:.2f}" if peak is not None else "-"
        share = f"{peak / largest:.3f}" if peak is not None else "-"
        print_row([name, f"{seconds * 1e3:.1f}", ratio, memory, share], widths)
    if torch is not None:
        print(
            f"\npre-clip norm, relative error against a float64 sum: gdguide "
            f"{abs(ours_norm - exact) / exact:.1e}, torch {abs(torch_norm - exact) / exact:.1e}"
        )
    print(f"(in place / torch target: <= 1.2x; largest array {largest / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
