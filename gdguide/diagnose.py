r"""Diagnose a training log: non-finite steps, spikes, who leads, clip rates, a `max_norm`.

`python -m gdguide diagnose LOG...` reads a log written during training and reports what
[`GradNormMonitor`][gdguide.monitor.GradNormMonitor] would have seen, with the same definitions
(they live in `gdguide.monitor` and are shared):

- a **non-finite step** is a step where a used column (loss, gradient norm, update norm) is NaN or
  $\pm\infty$;
- a **spike** at step $k$ is $x_k > \rho\, m_k$ with $m_k$ the median of the last `window` finite
  values before $k$ ([`rolling_median_baseline`][gdguide.monitor.rolling_median_baseline],
  [`exceeds_baseline`][gdguide.monitor.exceeds_baseline]): a threshold on the log scale, so a
  trend is not a spike. Defaults: `window=50`, `warmup=10`, $\rho = 5$ for the gradient norm (the
  monitor's default) and $\rho = 1.5$ for the loss (a loss that rises by half within a few steps
  is what practitioners call a spike; its noise is far smaller than the gradient norm's);
- the **clip rate** at $c$ is the fraction of steps with pre-clip norm $> c$
  ([`clip_rate`][gdguide.monitor.clip_rate]; inf counts as clipped, NaN not).

Input
-----
- CSV with a header row, or JSON Lines (one object per line), with columns `step`, `loss`,
  `grad_norm` and optionally `lr`, `update_norm` (names set by `--step`, `--loss`, ...). Without a
  `step` column the record index is the step. `nan`, `NaN`, `inf`, `-inf`, `Infinity` (bare in
  CSV, bare or quoted in JSON) are values; an empty CSV cell or an absent JSON key is missing.
- TensorBoard-exported CSV files (`Wall time,Step,Value`), one tag each: `loss=run-tag-loss.csv`
  names the column, otherwise the tag is taken from the file name (after `-tag-`, else the stem).
- Several tables are read in order as one log (a run resumed into a new file).
- A step that repeats or goes back is a resumed or rolled-back run: it is reported and the later
  records win (the earlier records with that step or later are dropped).

JSON report (`--json`)
----------------------
One object with the keys

| key | type | meaning |
|---|---|---|
| `files` | list of str | the logs read |
| `records` | int | records kept after resolving resumes |
| `records_read` | int | records read |
| `first_step`, `last_step` | int or null | step range kept |
| `columns` | object | role (`step`, `loss`, `grad_norm`, ...) → column name or null |
| `settings` | object | `window`, `warmup`, `grad_norm_factor`, `loss_factor`, `max_lag` |
| `resumes` | list of object | `{"file", "line", "step", "previous_step", "records_dropped"}` |
| `nonfinite_steps` | list of int | steps with any non-finite used column |
| `nonfinite` | object | column role → its non-finite steps |
| `grad_norm_spikes`, `loss_spikes`, `update_norm_spikes` | list of int | spike steps |
| `lead` | object | `pairs`, `grad_norm_first`, `same_step`, `loss_first`, ... (below) |
| `clip_rates` | list of object | `{"threshold", "rule", "clip_rate"}` |
| `suggested_max_norm` | float or null | null without a gradient-norm column or finite norms |
| `suggestion` | object | `rule`, `clip_rate`, `caveats` (list of str) |

`lead` also holds `unmatched_loss_spikes` and `median_lead_steps`; each pair is
`{"loss_step", "grad_norm_step", "lead_steps"}` with `lead_steps` $= s_\text{loss} -
s_\text{grad}$: positive when the gradient norm spiked first.
Each loss spike is paired with the nearest gradient-norm spike within `max_lag` steps
(default `window`), the earlier one on a tie.

The suggested threshold is $c = \rho \cdot \operatorname{median}_k \lVert g_k\rVert$ over the
finite pre-clip norms, to two significant digits: it clips what this report calls a spike against
the run's typical norm and leaves ordinary steps alone, inside the range
$0.5$-$10\times$ the average norm that Pascanu et al. (2013) found workable. AutoClip
(Seetharaman et al., 2020) instead moves the threshold with a percentile of the history; use it
when the norm drifts (a caveat says so).

References
----------
1. R. Pascanu, T. Mikolov, Y. Bengio, "On the difficulty of training recurrent neural networks",
   ICML 2013, [arXiv:1211.5063](https://arxiv.org/abs/1211.5063).
2. P. Seetharaman, G. Wichern, B. Pardo, J. Le Roux, "AutoClip: Adaptive gradient clipping for
   source separation networks", MLSP 2020, [arXiv:2007.14469](https://arxiv.org/abs/2007.14469).

Examples
--------
>>> import numpy as np
>>> from gdguide.diagnose import diagnose_arrays
>>> norms = np.ones(40); norms[30] = 20.0
>>> loss = np.full(40, 2.0); loss[32] = 5.0; loss[35] = np.nan
>>> report = diagnose_arrays(np.arange(40), loss=loss, grad_norm=norms)
>>> report["grad_norm_spikes"], report["loss_spikes"], report["nonfinite_steps"]
([30], [32], [35])
>>> report["lead"]["pairs"][0]["lead_steps"], report["suggested_max_norm"]
(2, 5.0)
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import os
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np
from numpy.typing import NDArray

from gdguide.monitor import clip_rate, exceeds_baseline, rolling_median_baseline

__all__ = ["LogError", "diagnose_arrays", "diagnose_files", "format_report", "main", "read_log"]

ROLES = ("step", "loss", "grad_norm", "lr", "update_norm")
TENSORBOARD_HEADER = ["Wall time", "Step", "Value"]
CHUNK_LINES = 65536


class LogError(ValueError):
    """A log that cannot be read; the message names the file, line and column."""


@dataclass
class _Column:
    """One column of a log: values (NaN where missing) and which records have a value."""

    values: NDArray
    present: NDArray


@dataclass
class _Log:
    """A log as columns, before resumes are resolved; `lines[i]` is record i's line number."""

    files: list[str]
    names: dict[str, str | None]
    columns: dict[str, _Column]
    steps: NDArray
    lines: NDArray
    sources: NDArray
    notes: list[str] = field(default_factory=list)


def _to_float(text: str, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise LogError(f"{where}: {text[:40]!r} is not a number") from None


def _parse_cells(cells: list[str], where: str) -> tuple[NDArray, NDArray]:
    array = np.asarray(cells)
    present = np.char.str_len(np.char.strip(array)) > 0 if array.size else np.zeros(0, bool)
    filled = np.where(present, array, "nan")
    try:
        return filled.astype(np.float64), present
    except ValueError:
        for i, text in enumerate(filled.tolist()):
            _to_float(text, where.format(i))
        raise  # pragma: no cover - astype and float() disagree


def _open_text(path: str) -> TextIO:
    if os.path.isdir(path):
        raise LogError(f"{path}: is a directory, not a log file")
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise LogError(f"{path}: no such file") from None
    except OSError as error:
        raise LogError(f"{path}: cannot open ({error.strerror})") from None
    return handle


def _first_line(path: str) -> tuple[str, int]:
    with _open_text(path) as handle:
        try:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    if "\x00" in line:
                        raise LogError(f"{path}: binary data, neither CSV nor JSON Lines")
                    return line.strip(), number
        except UnicodeDecodeError as error:
            raise LogError(
                f"{path}: not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset "
                f"{error.start} of a block), neither CSV nor JSON Lines"
            ) from None
    raise LogError(f"{path}: empty file")


def _read_csv(path: str, wanted: dict[str, str], header_line: int) -> tuple[dict, int]:
    """Return ({"header", "columns": {name: (values, present)}, "lines"}, record count).

    Blocks of `CHUNK_LINES` lines go through numpy's C parser (`numpy.loadtxt`); a block it
    refuses (empty cells, quotes, text, ragged rows) is read again with the `csv` module, which
    finds the exact line and column of a problem.
    """
    parts: dict[str, list[tuple[NDArray, NDArray]]] = {name: [] for name in wanted.values()}
    line_parts: list[NDArray] = []
    with _open_text(path) as handle:
        try:
            for _ in range(header_line):
                header_text = handle.readline()
            header = [cell.strip() for cell in next(csv.reader([header_text]))]
            index = {name: header.index(name) for name in wanted.values() if name in header}
            number = header_line + 1
            while True:
                block = list(itertools.islice(handle, CHUNK_LINES))
                if not block:
                    break
                parsed = _fast_block(block, len(header)) or _checked_block(
                    block, number, len(header), path, index
                )
                values, lines = parsed
                line_parts.append(
                    lines if lines is not None else np.arange(number, number + len(block))
                )
                for name, col in index.items():
                    column = values[:, col] if isinstance(values, np.ndarray) else values[name]
                    if isinstance(column, tuple):
                        parts[name].append(column)
                    else:
                        parts[name].append((column, np.ones(column.size, dtype=bool)))
                number += len(block)
        except UnicodeDecodeError:
            raise LogError(f"{path}: not UTF-8 text, neither CSV nor JSON Lines") from None
    lines_all = np.concatenate(line_parts) if line_parts else np.zeros(0, np.int64)
    out = {}
    for name in index if line_parts else ():
        out[name] = (
            np.concatenate([v for v, _ in parts[name]]),
            np.concatenate([p for _, p in parts[name]]),
        )
    return {"header": header, "columns": out, "lines": lines_all}, lines_all.size


def _fast_block(block: list[str], width: int) -> tuple[NDArray, None] | None:
    """Parse a block of plain numeric CSV lines with numpy, or return None to take the slow path."""
    if any('"' in line or not line.strip() for line in block):
        return None
    try:
        values = np.loadtxt(block, delimiter=",", dtype=np.float64, comments=None, ndmin=2)
    except ValueError:
        return None
    return (values, None) if values.shape == (len(block), width) else None


def _checked_block(
    block: list[str], first_number: int, width: int, path: str, index: dict[str, int]
) -> tuple[dict[str, tuple[NDArray, NDArray]], NDArray]:
    """Parse a block with the csv module: empty cells are missing, errors name line and column."""
    reader = csv.reader(block)
    rows: list[list[str]] = []
    numbers: list[int] = []
    try:
        for row in reader:
            number = first_number + reader.line_num - 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != width:
                raise LogError(f"{path}, line {number}: {len(row)} fields, the header has {width}")
            rows.append(row)
            numbers.append(number)
    except csv.Error as error:
        raise LogError(
            f"{path}, line {first_number + reader.line_num - 1}: not valid CSV ({error})"
        ) from None
    lines = np.asarray(numbers, dtype=np.int64)
    out = {}
    for name, col in index.items():
        cells = [row[col] for row in rows]
        try:
            out[name] = _parse_cells(cells, "")
        except (LogError, ValueError):
            for i, cell in enumerate(cells):
                if cell.strip():
                    _to_float(cell, f"{path}, line {lines[i]}, column {name!r}")
            raise
    return out, lines


def _json_value(value: Any, where: str) -> float:
    if isinstance(value, bool) or value is None:
        raise LogError(f"{where}: {json.dumps(value)} is not a number")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return _to_float(value, where)
    raise LogError(f"{where}: {json.dumps(value)[:40]} is not a number")


def _read_jsonl(path: str, wanted: dict[str, str]) -> dict:
    """Return ({"header", "columns": {name: (values, present)}, "lines"}) of a JSON Lines log.

    Blocks of `CHUNK_LINES` lines are decoded by one `json.loads` call (which reads NaN,
    Infinity, -Infinity) and only the wanted keys are kept, as numpy arrays; a block with a
    problem (bad JSON, a string or null where a number belongs) is read again line by line,
    which names the line and column.
    """
    names = list(wanted.values())
    blocks: dict[str, list[tuple[NDArray, NDArray]]] = {name: [] for name in names}
    line_blocks: list[NDArray] = []
    with _open_text(path) as handle:
        try:
            number = 1
            while True:
                block = list(itertools.islice(handle, CHUNK_LINES))
                if not block:
                    break
                parsed = _fast_json_block(block, number, names) or _checked_json_block(
                    block, number, names, path
                )
                columns, lines = parsed
                line_blocks.append(lines)
                for name in names:
                    blocks[name].append(columns[name])
                number += len(block)
        except UnicodeDecodeError:
            raise LogError(f"{path}: not UTF-8 text, neither CSV nor JSON Lines") from None
    out = {}
    for name in names:
        found = np.concatenate([p for _, p in blocks[name]]) if blocks[name] else np.zeros(0, bool)
        if found.any():
            out[name] = (np.concatenate([v for v, _ in blocks[name]]), found)
    lines_all = np.concatenate(line_blocks) if line_blocks else np.zeros(0, np.int64)
    return {"header": list(out), "columns": out, "lines": lines_all}


JsonBlock = tuple[dict[str, tuple[NDArray, NDArray]], NDArray]


def _fast_json_block(block: list[str], first: int, names: list[str]) -> JsonBlock | None:
    """Decode a block of plain numeric records at once, or return None to take the slow path."""
    kept = [i for i, line in enumerate(block) if line.strip()]
    try:
        records = json.loads("[" + ",".join(block[i] for i in kept) + "]")
    except json.JSONDecodeError:
        return None
    if len(records) != len(kept) or not all(type(r) is dict for r in records):
        return None
    columns = {}
    for name in names:
        present = np.fromiter((name in r for r in records), dtype=bool, count=len(records))
        cells = [r.get(name) for r in records]
        types = set(map(type, cells))
        if (
            not types <= {int, float, type(None)}
            or cells.count(None) != present.size - present.sum()
        ):
            return None
        columns[name] = (np.asarray(cells, dtype=np.float64), present)
    return columns, np.asarray(kept, dtype=np.int64) + first


def _checked_json_block(block: list[str], first: int, names: list[str], path: str) -> JsonBlock:
    """Decode a block line by line: errors name the line and column."""
    values: dict[str, list[float]] = {name: [] for name in names}
    present: dict[str, list[bool]] = {name: [] for name in names}
    lines: list[int] = []
    for number, line in enumerate(block, start=first):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise LogError(
                f"{path}, line {number}: not JSON ({error.msg} at column {error.colno})"
            ) from None
        if not isinstance(record, dict):
            raise LogError(f"{path}, line {number}: not a JSON object")
        lines.append(number)
        for name in names:
            has = name in record
            present[name].append(has)
            if has:
                where = f"{path}, line {number}, column {name!r}"
                values[name].append(_json_value(record[name], where))
            else:
                values[name].append(math.nan)
    columns = {
        name: (np.asarray(values[name], dtype=np.float64), np.asarray(present[name], dtype=bool))
        for name in names
    }
    return columns, np.asarray(lines, dtype=np.int64)


def _tensorboard_tag(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return stem.rsplit("-tag-", 1)[-1] if "-tag-" in stem else stem


def _split_named(argument: str) -> tuple[str | None, str]:
    """`loss=run.csv` -> ("loss", "run.csv"); a path that exists is taken whole."""
    if "=" in argument and not os.path.exists(argument):
        name, path = argument.split("=", 1)
        return name, path
    return None, argument


def read_log(paths: Sequence[str], names: dict[str, str] | None = None) -> _Log:
    """Read CSV, JSON Lines or TensorBoard-exported CSV logs into columns.

    `names` maps a role (`step`, `loss`, `grad_norm`, `lr`, `update_norm`) to its column name
    (default: the role). A name given explicitly must exist; a default one may be absent, but one
    of `loss` and `grad_norm` must be found. Raises [`LogError`][gdguide.diagnose.LogError].
    """
    explicit = dict(names or {})
    wanted = {role: explicit.get(role, role) for role in ROLES}
    if not paths:
        raise LogError("no log file given")
    tables, tags = [], []
    for argument in paths:
        tag, path = _split_named(argument)
        first, number = _first_line(path)
        if first.startswith("{"):
            tables.append((path, _read_jsonl(path, wanted)))
        elif next(csv.reader([first])) == TENSORBOARD_HEADER:
            tb = _read_csv(path, {"s": "Step", "v": "Value"}, number)[0]
            if "Step" not in tb["columns"]:
                raise LogError(f"{path}: empty TensorBoard export (no records)")
            tags.append((path, tag or _tensorboard_tag(path), tb))
        elif "," in first or first in wanted.values():
            tables.append((path, _read_csv(path, wanted, number)[0]))
        else:
            raise LogError(
                f"{path}, line {number}: neither CSV (a header row with commas) nor JSON Lines "
                f"(an object per line): {first[:40]!r}"
            )
    if tables and tags:
        raise LogError("mix of TensorBoard exports and tables: give one kind")
    if tags:
        return _merge_tensorboard(tags, wanted, explicit)
    return _concatenate_tables(tables, wanted, explicit)


def _check_names(found: set[str], wanted: dict[str, str], explicit: dict, where: str) -> None:
    for role, name in explicit.items():
        if name not in found:
            raise LogError(f"{where}: no column {name!r} (given for {role}); found {sorted(found)}")
    if wanted["loss"] not in found and wanted["grad_norm"] not in found:
        raise LogError(
            f"{where}: no column {wanted['loss']!r} or {wanted['grad_norm']!r}; found "
            f"{sorted(found)} (name them with --loss/--grad-norm)"
        )


def _concatenate_tables(tables: list, wanted: dict[str, str], explicit: dict) -> _Log:
    found = set.intersection(*(set(t["columns"]) for _, t in tables))
    where = ", ".join(path for path, _ in tables)
    for path, table in tables:
        if table["lines"].size == 0:
            raise LogError(f"{path}: no records after the header")
        _check_names(set(table["columns"]), wanted, explicit, path)
    columns: dict[str, _Column] = {}
    resolved: dict[str, str | None] = {}
    for role in ROLES:
        name = wanted[role]
        if name in found:
            resolved[role] = name
            columns[role] = _Column(
                np.concatenate([t["columns"][name][0] for _, t in tables]),
                np.concatenate([t["columns"][name][1] for _, t in tables]),
            )
        else:
            resolved[role] = None
    lines = np.concatenate([t["lines"] for _, t in tables])
    sources = np.concatenate([np.full(t["lines"].size, i) for i, (_, t) in enumerate(tables)])
    notes = []
    if "step" in columns:
        step_col = columns.pop("step")
        if not step_col.present.all():
            bad = int(np.flatnonzero(~step_col.present)[0])
            raise LogError(f"{tables[sources[bad]][0]}, line {lines[bad]}: no step value")
        _check_integer_steps(step_col.values, lines, sources, [p for p, _ in tables])
        steps = step_col.values.astype(np.int64)
    else:
        steps = np.arange(lines.size, dtype=np.int64)
        notes.append(f"no column {wanted['step']!r} in {where}: the record index is the step")
    return _Log([p for p, _ in tables], resolved, columns, steps, lines, sources, notes)


def _check_integer_steps(values: NDArray, lines: NDArray, sources: NDArray, files: list) -> None:
    bad = np.flatnonzero(~np.isfinite(values) | (values != np.round(values)))
    if bad.size:
        i = int(bad[0])
        raise LogError(
            f"{files[sources[i]]}, line {lines[i]}: step {float(values[i])!r} is not an integer"
        )


def _merge_tensorboard(tags: list, wanted: dict[str, str], explicit: dict) -> _Log:
    by_tag = {}
    for path, tag, table in tags:
        steps, _ = table["columns"]["Step"]
        values, present = table["columns"]["Value"]
        lines = table["lines"]
        _check_integer_steps(steps, lines, np.zeros(lines.size, int), [path])
        keep = _later_records_win(steps.astype(np.int64))
        by_tag[tag] = (path, steps[keep].astype(np.int64), values[keep], present[keep])
    _check_names(set(by_tag), wanted, explicit, ", ".join(p for p, _, _ in tags))
    used = [by_tag[wanted[r]] for r in ROLES[1:] if wanted[r] in by_tag]
    all_steps = np.unique(np.concatenate([s for _, s, _, _ in used]))
    columns: dict[str, _Column] = {}
    resolved: dict[str, str | None] = {"step": "Step"}
    for role in ROLES[1:]:
        if wanted[role] not in by_tag:
            resolved[role] = None
            continue
        _, steps, values, present = by_tag[wanted[role]]
        resolved[role] = wanted[role]
        full = np.full(all_steps.size, np.nan)
        has = np.zeros(all_steps.size, dtype=bool)
        where = np.searchsorted(all_steps, steps)
        full[where], has[where] = values, present
        columns[role] = _Column(full, has)
    notes = [f"TensorBoard tags: {', '.join(sorted(by_tag))}; steps merged across files"]
    zero = np.zeros(all_steps.size, dtype=np.int64)
    return _Log([p for p, _, _ in tags], resolved, columns, all_steps, zero, zero, notes)


def _later_records_win(steps: NDArray) -> NDArray:
    """Keep record i iff its step is below every later record's step."""
    if steps.size == 0:
        return np.zeros(0, dtype=bool)
    later_min = np.minimum.accumulate(steps[::-1])[::-1]
    keep = np.ones(steps.size, dtype=bool)
    keep[:-1] = steps[:-1] < later_min[1:]
    return keep


def _resumes(log: _Log, keep: NDArray) -> list[dict]:
    back = np.flatnonzero(log.steps[1:] <= log.steps[:-1]) + 1
    dropped = np.cumsum(~keep)
    out = []
    for i in back.tolist():
        out.append(
            {
                "file": log.files[int(log.sources[i])],
                "line": int(log.lines[i]),
                "step": int(log.steps[i]),
                "previous_step": int(log.steps[i - 1]),
                "records_dropped": int(
                    np.count_nonzero(~keep[:i] & (log.steps[:i] >= log.steps[i]))
                ),
            }
        )
    del dropped
    return out


def diagnose_files(
    paths: Sequence[str],
    names: dict[str, str] | None = None,
    **settings: Any,
) -> dict[str, Any]:
    """Read the logs with [`read_log`][gdguide.diagnose.read_log] and diagnose them.

    `settings` are those of [`diagnose_arrays`][gdguide.diagnose.diagnose_arrays]. Returns the
    report described in the module docstring.
    """
    log = read_log(paths, names)
    keep = _later_records_win(log.steps)
    resumes = _resumes(log, keep) if not log.notes or "TensorBoard" not in log.notes[0] else []
    arrays = {}
    for role, col in log.columns.items():
        negative = col.present & np.isfinite(col.values) & (col.values < 0)
        if role.endswith("_norm") and negative.any():
            i = int(np.flatnonzero(negative)[0])
            raise LogError(
                f"{log.files[int(log.sources[i])]}, line {log.lines[i]}, column "
                f"{log.names[role]!r}: {col.values[i]:g} is negative, a norm is >= 0"
            )
        values = col.values[keep]
        present = col.present[keep]
        arrays[role] = (values, present)
    report = diagnose_arrays(log.steps[keep], _present=arrays, **settings)
    report["files"] = log.files
    report["records_read"] = int(log.steps.size)
    report["columns"] = log.names
    report["resumes"] = resumes
    report["notes"] = log.notes + report["notes"]
    if resumes:
        report["notes"].append(f"{len(resumes)} resume(s) or rollback(s): the later records win")
    return report


def _spikes(
    steps: NDArray, values: NDArray, present: NDArray, window: int, warmup: int, factor: float
) -> list[int]:
    x, s = values[present], steps[present]
    baseline = rolling_median_baseline(x, window, warmup)
    return s[exceeds_baseline(x, baseline, factor)].tolist()


def _lead(loss_spikes: list[int], grad_spikes: list[int], max_lag: int) -> dict[str, Any]:
    grads = np.asarray(grad_spikes, dtype=np.int64)
    pairs, unmatched = [], []
    for s in loss_spikes:
        if grads.size == 0:
            unmatched.append(s)
            continue
        distance = np.abs(grads - s)
        best = int(np.argmin(distance))  # first minimum: the earlier spike on a tie
        if distance[best] > max_lag:
            unmatched.append(s)
        else:
            g = int(grads[best])
            pairs.append({"loss_step": s, "grad_norm_step": g, "lead_steps": s - g})
    leads = [p["lead_steps"] for p in pairs]
    return {
        "pairs": pairs,
        "grad_norm_first": sum(1 for d in leads if d > 0),
        "same_step": sum(1 for d in leads if d == 0),
        "loss_first": sum(1 for d in leads if d < 0),
        "unmatched_loss_spikes": unmatched,
        "median_lead_steps": float(np.median(leads)) if leads else None,
    }


def _significant(x: float, digits: int = 2) -> float:
    if x == 0 or not math.isfinite(x):
        return x
    return float(f"{x:.{digits}g}")


def _suggest(norms: NDArray, factor: float, nonfinite: int) -> tuple[Any, dict, list]:
    norms = np.where(norms == -np.inf, np.nan, norms)  # no norm is -inf: counted as NaN
    finite = norms[np.isfinite(norms)]
    if finite.size == 0:
        return None, {"rule": "no finite gradient norm", "clip_rate": None, "caveats": []}, []
    median = float(np.median(finite))
    candidates = [(median * k, f"{k:g} x median norm") for k in (1, 2, factor, 10)]
    candidates += [(float(np.quantile(finite, q)), f"{q:.0%} quantile") for q in (0.9, 0.99)]
    rates = [
        {"threshold": _significant(c, 4), "rule": rule, "clip_rate": clip_rate(norms, c)}
        for c, rule in sorted(candidates)
        if c > 0
    ]
    suggested = _significant(factor * median)
    caveats = []
    if suggested <= 0:
        return None, {"rule": "median norm is 0", "clip_rate": None, "caveats": []}, rates
    quarter = max(1, finite.size // 4)
    early, late = np.median(finite[:quarter]), np.median(finite[-quarter:])
    if late > 0 and early > 0 and max(early / late, late / early) > 3:
        caveats.append(
            f"the norm drifts (median {early:.3g} in the first quarter, {late:.3g} in the last): "
            "a fixed threshold fits one end only; consider AutoClip's percentile rule"
        )
    top = finite.max()
    if np.count_nonzero(finite >= top * (1 - 1e-9)) > max(2, 0.05 * finite.size):
        caveats.append(
            f"{np.count_nonzero(finite >= top * (1 - 1e-9))} norms sit at the maximum {top:.4g}: "
            "the log may hold post-clip norms; the rule needs pre-clip ones"
        )
    if nonfinite:
        caveats.append(
            f"{nonfinite} non-finite norm(s): clipping cannot repair NaN/inf; skip those steps"
        )
    if finite.size < 100:
        caveats.append(f"only {finite.size} finite norms: a rough estimate")
    suggestion = {
        "rule": f"{factor:g} x the median finite pre-clip norm ({median:.4g}), 2 digits",
        "clip_rate": clip_rate(norms, suggested),
        "caveats": caveats,
    }
    return suggested, suggestion, rates


def diagnose_arrays(
    steps: Any,
    *,
    loss: Any = None,
    grad_norm: Any = None,
    learning_rate: Any = None,
    update_norm: Any = None,
    window: int = 50,
    warmup: int = 10,
    grad_norm_factor: float = 5.0,
    loss_factor: float = 1.5,
    max_lag: int | None = None,
    lr: Any = None,
    _present: dict | None = None,
) -> dict[str, Any]:
    r"""Diagnose one run given as arrays of equal length (steps increasing).

    Parameters
    ----------
    steps : array_like of int, shape (K,)
        Step numbers, strictly increasing.
    loss, grad_norm, learning_rate, update_norm : array_like, shape (K,), optional
        The logged series; NaN/inf allowed. `learning_rate` is the series of the `lr` role.
    window : int, default 50
        Records in the rolling median.
    warmup : int, default 10
        Finite records before spikes are detected.
    grad_norm_factor : float, default 5.0
        $\rho$ for gradient-norm (and update-norm) spikes.
    loss_factor : float, default 1.5
        $\rho$ for loss spikes.
    max_lag : int, optional
        Largest distance in steps between a loss spike and its gradient-norm spike (default
        `window`).
    lr : array_like, optional
        Deprecated spelling of `learning_rate` (a `DeprecationWarning`; give one of the two).

    Returns
    -------
    dict
        The report of the module docstring (without the file keys).
    """
    if lr is not None:
        if learning_rate is not None:
            raise TypeError("give learning_rate or its deprecated spelling lr, not both")
        warnings.warn(
            "diagnose_arrays(lr=...) is deprecated: use learning_rate=...",
            DeprecationWarning,
            stacklevel=2,
        )
        learning_rate = lr
    steps = np.asarray(steps, dtype=np.int64)
    for name, value in (("grad_norm_factor", grad_norm_factor), ("loss_factor", loss_factor)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 1):
            raise ValueError(f"{name} must be a finite number > 1, got {value!r}")
    rolling_median_baseline([1.0], window, warmup)  # validates window and warmup
    max_lag = window if max_lag is None else int(max_lag)
    series = dict(_present or {})
    for role, value in (
        ("loss", loss),
        ("grad_norm", grad_norm),
        ("lr", learning_rate),
        ("update_norm", update_norm),
    ):
        if value is not None:
            array = np.asarray(value, dtype=np.float64)
            if array.shape != steps.shape:
                raise ValueError(f"{role} must have the shape of steps {steps.shape}")
            series[role] = (array, np.ones(steps.size, dtype=bool))
    notes: list[str] = []
    nonfinite: dict[str, list[int]] = {}
    union = np.zeros(steps.size, dtype=bool)
    for role in ("loss", "grad_norm", "update_norm"):
        if role in series:
            values, present = series[role]
            bad = present & ~np.isfinite(values)
            nonfinite[role] = steps[bad].tolist()
            union |= bad
    spikes: dict[str, list[int]] = {}
    for role, factor in (
        ("grad_norm", grad_norm_factor),
        ("update_norm", grad_norm_factor),
        ("loss", loss_factor),
    ):
        if role in series:
            values, present = series[role]
            negative = present & np.isfinite(values) & (values < 0)
            if np.any(negative):
                if role == "loss":
                    notes.append("the loss has negative values: loss spikes need a positive loss")
                    spikes[role] = []
                    continue
                first = int(steps[np.flatnonzero(negative)[0]])
                raise LogError(f"{role} is negative at step {first}: a norm is >= 0")
            spikes[role] = _spikes(steps, values, present, window, warmup, factor)
    suggested: Any = None
    suggestion: Any = None
    rates: list[dict[str, Any]] = []
    if "grad_norm" in series:
        values, present = series["grad_norm"]
        suggested, suggestion, rates = _suggest(
            values[present], grad_norm_factor, len(nonfinite["grad_norm"])
        )
    else:
        notes.append("no gradient-norm column: no clip rates and no suggested max_norm")
    return {
        "files": [],
        "records": int(steps.size),
        "records_read": int(steps.size),
        "first_step": int(steps[0]) if steps.size else None,
        "last_step": int(steps[-1]) if steps.size else None,
        "columns": {role: (role if role in series or role == "step" else None) for role in ROLES},
        "settings": {
            "window": window,
            "warmup": warmup,
            "grad_norm_factor": grad_norm_factor,
            "loss_factor": loss_factor,
            "max_lag": max_lag,
        },
        "resumes": [],
        "nonfinite_steps": steps[union].tolist(),
        "nonfinite": nonfinite,
        "grad_norm_spikes": spikes.get("grad_norm", []),
        "loss_spikes": spikes.get("loss", []),
        "update_norm_spikes": spikes.get("update_norm", []),
        "lead": _lead(spikes.get("loss", []), spikes.get("grad_norm", []), max_lag),
        "clip_rates": rates,
        "suggested_max_norm": suggested,
        "suggestion": suggestion,
        "notes": notes,
    }


def _steps_text(steps: list[int], limit: int = 12) -> str:
    if not steps:
        return "none"
    shown = ", ".join(map(str, steps[:limit]))
    return f"{len(steps)}: {shown}" + (
        f", ... ({len(steps) - limit} more)" if len(steps) > limit else ""
    )


def format_report(report: dict[str, Any]) -> str:
    """Return the human-readable report printed by `python -m gdguide diagnose`."""
    s = report["settings"]
    out = [
        f"log: {', '.join(report['files']) or '(arrays)'}; {report['records']} records kept of "
        f"{report['records_read']}, steps {report['first_step']}..{report['last_step']}",
    ]
    for r in report["resumes"][:10]:
        out.append(
            f"resumed/rolled back: {r['file']} line {r['line']} goes from step "
            f"{r['previous_step']} to {r['step']} ({r['records_dropped']} earlier records dropped)"
        )
    if len(report["resumes"]) > 10:
        out.append(f"... {len(report['resumes']) - 10} more resumes")
    out.append(f"non-finite steps: {_steps_text(report['nonfinite_steps'])}")
    out.append(
        f"gradient-norm spikes (> {s['grad_norm_factor']:g} x rolling median of {s['window']}): "
        f"{_steps_text(report['grad_norm_spikes'])}"
    )
    out.append(
        f"loss spikes (> {s['loss_factor']:g} x rolling median of {s['window']}): "
        f"{_steps_text(report['loss_spikes'])}"
    )
    if report["update_norm_spikes"]:
        out.append(f"update-norm spikes: {_steps_text(report['update_norm_spikes'])}")
    lead = report["lead"]
    if report["loss_spikes"] and report["grad_norm_spikes"]:
        median = lead["median_lead_steps"]
        out.append(
            f"who leads: gradient norm first in {lead['grad_norm_first']}, same step in "
            f"{lead['same_step']}, loss first in {lead['loss_first']}, no gradient-norm spike "
            f"within {s['max_lag']} steps for {len(lead['unmatched_loss_spikes'])}"
            + (f"; median lead {median:g} steps" if median is not None else "")
        )
    if report["clip_rates"]:
        out.append("clip rate at candidate max_norm:")
        for row in report["clip_rates"]:
            out.append(f"  {row['threshold']:>12.4g}  {row['clip_rate']:7.2%}  ({row['rule']})")
    if report["suggested_max_norm"] is not None:
        sug = report["suggestion"]
        out.append(
            f"suggested max_norm: {report['suggested_max_norm']:g} (rule: {sug['rule']}; clips "
            f"{sug['clip_rate']:.2%} of steps)"
        )
        out += [f"  caveat: {c}" for c in sug["caveats"]]
    else:
        out.append("suggested max_norm: none")
    out += [f"note: {n}" for n in report["notes"]]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: `python -m gdguide diagnose LOG... [--json] [--window N] ...`."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m gdguide diagnose",
        description="Diagnose a training log: non-finite steps, spikes, clip rates, max_norm.",
    )
    parser.add_argument(
        "logs",
        nargs="+",
        metavar="LOG",
        help="CSV or JSON Lines file(s), or TensorBoard CSV exports ([TAG=]FILE)",
    )
    for role in ROLES:
        parser.add_argument(
            f"--{role.replace('_', '-')}",
            dest=role,
            metavar="COLUMN",
            help=f"column of {role} (default: {role})",
        )
    parser.add_argument("--window", type=int, default=50, help="rolling median length (50)")
    parser.add_argument("--warmup", type=int, default=10, help="records before detection (10)")
    parser.add_argument("--grad-norm-factor", type=float, default=5.0, help="spike ratio (5)")
    parser.add_argument("--loss-factor", type=float, default=1.5, help="loss spike ratio (1.5)")
    parser.add_argument("--max-lag", type=int, default=None, help="lead pairing (window)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    names = {role: getattr(args, role) for role in ROLES if getattr(args, role)}
    try:
        report = diagnose_files(
            args.logs,
            names,
            window=args.window,
            warmup=args.warmup,
            grad_norm_factor=args.grad_norm_factor,
            loss_factor=args.loss_factor,
            max_lag=args.max_lag,
        )
    except (LogError, ValueError, TypeError) as error:
        print(f"gdguide diagnose: error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, allow_nan=False))
    else:
        print(format_report(report))
    return 0
