// diagnose-core.js: the in-browser twin of gdguide.diagnose (same parsing, same definitions,
// same report object). Plain ES module, no dependencies. diagnoseTexts([{name, text}], names,
// settings) returns what `python -m gdguide diagnose --json` prints for the same files; given an
// object `series`, it also fills series.steps (the kept steps) and series.loss / series.grad_norm
// ([values, present] of the kept records, for the page's plot).
// Checked against the Python report by tests/test_diagnose_js.py (through node).

const ROLES = ["step", "loss", "grad_norm", "lr", "update_norm"];

export class LogError extends Error {}

function parseNumber(text, where) {
  const t = text.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (/^[+-]?inf(inity)?$/i.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  throw new LogError(`${where}: ${JSON.stringify(t.slice(0, 40))} is not a number`);
}

function splitCsvLine(line) {
  if (!line.includes('"')) return line.split(",");
  const cells = [];
  let cell = "",
    quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      cells.push(cell);
      cell = "";
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

function readTable(name, text, wanted) {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  let h = 0;
  while (h < lines.length && !lines[h].trim()) h++;
  if (h === lines.length) throw new LogError(`${name}: empty file`);
  const first = lines[h].trim();
  const table = { header: [], columns: {}, lines: [] };
  if (first.startsWith("{")) {
    const vals = {},
      pres = {};
    for (const w of wanted) {
      vals[w] = [];
      pres[w] = [];
    }
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let rec;
      try {
        rec = JSON.parse(line.replace(/(?<=[:[,]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, '"$1"'));
      } catch {
        throw new LogError(`${name}, line ${i + 1}: not JSON`);
      }
      if (rec === null || typeof rec !== "object" || Array.isArray(rec)) {
        throw new LogError(`${name}, line ${i + 1}: not a JSON object`);
      }
      table.lines.push(i + 1);
      for (const w of wanted) {
        const has = Object.hasOwn(rec, w);
        pres[w].push(has);
        if (!has) {
          vals[w].push(NaN);
          continue;
        }
        const v = rec[w],
          where = `${name}, line ${i + 1}, column '${w}'`;
        if (typeof v === "number") vals[w].push(v);
        else if (typeof v === "string") vals[w].push(parseNumber(v, where));
        else throw new LogError(`${where}: ${JSON.stringify(v)} is not a number`);
      }
    });
    for (const w of wanted) if (pres[w].some(Boolean)) table.columns[w] = [vals[w], pres[w]];
    table.header = Object.keys(table.columns);
    return table;
  }
  if (!first.includes(",") && !wanted.includes(first)) {
    throw new LogError(`${name}, line ${h + 1}: neither CSV (a header row with commas) nor JSON Lines`);
  }
  table.header = splitCsvLine(lines[h]).map((c) => c.trim());
  const index = {};
  for (const w of wanted) {
    const j = table.header.indexOf(w);
    if (j >= 0) index[w] = j;
  }
  const vals = {},
    pres = {};
  for (const w in index) {
    vals[w] = [];
    pres[w] = [];
  }
  for (let i = h + 1; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    const row = splitCsvLine(lines[i]);
    if (row.length !== table.header.length) {
      throw new LogError(`${name}, line ${i + 1}: ${row.length} fields, the header has ${table.header.length}`);
    }
    table.lines.push(i + 1);
    for (const w in index) {
      const cell = row[index[w]];
      const has = cell.trim().length > 0;
      pres[w].push(has);
      vals[w].push(has ? parseNumber(cell, `${name}, line ${i + 1}, column '${w}'`) : NaN);
    }
  }
  for (const w in index) table.columns[w] = [vals[w], pres[w]];
  return table;
}

function laterRecordsWin(steps) {
  const keep = new Array(steps.length).fill(true);
  let min = Infinity;
  for (let i = steps.length - 1; i >= 0; i--) {
    keep[i] = steps[i] < min;
    min = Math.min(min, steps[i]);
  }
  return keep;
}

function checkNames(found, wanted, explicit, where) {
  for (const role in explicit) {
    if (!found.has(explicit[role])) {
      throw new LogError(`${where}: no column '${explicit[role]}' (given for ${role})`);
    }
  }
  if (!found.has(wanted.loss) && !found.has(wanted.grad_norm)) {
    throw new LogError(`${where}: no column '${wanted.loss}' or '${wanted.grad_norm}'`);
  }
}

function median(sorted) {
  const n = sorted.length,
    m = n >> 1;
  return n % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

export function rollingMedianBaseline(x, window = 50, warmup = 10) {
  const f = x.filter(Number.isFinite);
  const byCount = new Array(f.length + 1).fill(NaN);
  // The last `window` finite values kept sorted: one binary-search insert and delete per value
  // (a million records in well under a second; sorting every window took seconds).
  const sorted = new Float64Array(window);
  let size = 0;
  const position = (v) => {
    let lo = 0,
      hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (let c = 1; c <= f.length; c++) {
    if (c > window) {
      const out = position(f[c - window - 1]);
      sorted.copyWithin(out, out + 1, size);
      size--;
    }
    const at = position(f[c - 1]);
    sorted.copyWithin(at + 1, at, size);
    sorted[at] = f[c - 1];
    size++;
    if (c >= warmup) byCount[c] = median(sorted.subarray(0, size));
  }
  const out = [];
  let seen = 0;
  for (const v of x) {
    out.push(byCount[seen]);
    if (Number.isFinite(v)) seen++;
  }
  return out;
}

export function exceedsBaseline(x, m, factor) {
  return x.map((v, i) => Number.isFinite(v) && Number.isFinite(m[i]) && v > factor * m[i]);
}

function quantile(sorted, q) {
  const h = (sorted.length - 1) * q,
    lo = Math.floor(h),
    t = h - lo;
  if (lo + 1 >= sorted.length) return sorted[lo];
  const a = sorted[lo],
    b = sorted[lo + 1];
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

function significant(x, d = 2) {
  // Python's f"{x:.{d}g}": exact decimal value, ties to even (toPrecision breaks ties upwards)
  if (x === 0 || !Number.isFinite(x)) return x;
  const [mantissa, exponent] = Math.abs(x).toExponential(99).split("e");
  const digits = mantissa.replace(".", "");
  if (!/^50*$/.test(digits.slice(d))) return Number(x.toPrecision(d));
  let head = BigInt(digits.slice(0, d));
  if (head % 2n === 1n) head += 1n;
  return Math.sign(x) * Number(`${head}e${Number(exponent) - (d - 1)}`);
}
const clipRate = (norms, c) => norms.filter((v) => v > c).length / norms.length;
const fmt = (x, d) => Number(x.toPrecision(d)).toString();

function suggest(norms, factor, nonfinite) {
  norms = norms.map((v) => (v === -Infinity ? NaN : v));
  const finite = norms.filter(Number.isFinite);
  if (!finite.length) return [null, { rule: "no finite gradient norm", clip_rate: null, caveats: [] }, []];
  const sorted = Float64Array.from(finite).sort(),
    med = median(sorted);
  const cands = [1, 2, factor, 10].map((k) => [med * k, `${k} x median norm`]);
  for (const q of [0.9, 0.99]) cands.push([quantile(sorted, q), `${Math.round(q * 100)}% quantile`]);
  cands.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
  const rates = cands
    .filter(([c]) => c > 0)
    .map(([c, rule]) => ({ threshold: significant(c, 4), rule, clip_rate: clipRate(norms, c) }));
  const suggested = significant(factor * med);
  if (suggested <= 0) return [null, { rule: "median norm is 0", clip_rate: null, caveats: [] }, rates];
  const caveats = [],
    quarter = Math.max(1, Math.floor(finite.length / 4));
  const early = median(Float64Array.from(finite.slice(0, quarter)).sort());
  const late = median(Float64Array.from(finite.slice(-quarter)).sort());
  if (late > 0 && early > 0 && Math.max(early / late, late / early) > 3) {
    caveats.push(
      `the norm drifts (median ${fmt(early, 3)} in the first quarter, ${fmt(late, 3)} in the last): a fixed threshold fits one end only; consider AutoClip's percentile rule`,
    );
  }
  const top = sorted[sorted.length - 1],
    atTop = finite.filter((v) => v >= top * (1 - 1e-9)).length;
  if (atTop > Math.max(2, 0.05 * finite.length)) {
    caveats.push(
      `${atTop} norms sit at the maximum ${fmt(top, 4)}: the log may hold post-clip norms; the rule needs pre-clip ones`,
    );
  }
  if (nonfinite) caveats.push(`${nonfinite} non-finite norm(s): clipping cannot repair NaN/inf; skip those steps`);
  if (finite.length < 100) caveats.push(`only ${finite.length} finite norms: a rough estimate`);
  return [
    suggested,
    {
      rule: `${factor} x the median finite pre-clip norm (${fmt(med, 4)}), 2 digits`,
      clip_rate: clipRate(norms, suggested),
      caveats,
    },
    rates,
  ];
}

function lead(lossSpikes, gradSpikes, maxLag) {
  const pairs = [],
    unmatched = [];
  for (const s of lossSpikes) {
    let best = -1;
    gradSpikes.forEach((g, j) => {
      if (best < 0 || Math.abs(g - s) < Math.abs(gradSpikes[best] - s)) best = j;
    });
    if (best < 0 || Math.abs(gradSpikes[best] - s) > maxLag) unmatched.push(s);
    else pairs.push({ loss_step: s, grad_norm_step: gradSpikes[best], lead_steps: s - gradSpikes[best] });
  }
  const leads = pairs.map((p) => p.lead_steps);
  return {
    pairs,
    grad_norm_first: leads.filter((d) => d > 0).length,
    same_step: leads.filter((d) => d === 0).length,
    loss_first: leads.filter((d) => d < 0).length,
    unmatched_loss_spikes: unmatched,
    median_lead_steps: leads.length ? median([...leads].sort((a, b) => a - b)) : null,
  };
}

const TENSORBOARD_HEADER = "Wall time,Step,Value";

function tensorboardTag(file) {
  if (file.tag) return file.tag;
  const stem = file.name
    .split("/")
    .pop()
    .replace(/\.[^.]*$/, "");
  return stem.includes("-tag-") ? stem.slice(stem.lastIndexOf("-tag-") + 5) : stem;
}

function isTensorboard(text) {
  // the first non-blank line, without splitting the whole text
  let start = text.startsWith("\uFEFF") ? 1 : 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    if (line) return splitCsvLine(line).join(",") === TENSORBOARD_HEADER;
    start = end + 1;
  }
  return false;
}

function mergeTensorboard(files, wanted, names) {
  const byTag = {};
  for (const file of files) {
    const t = readTable(file.name, file.text, ["Step", "Value"]);
    if (!t.columns.Step) throw new LogError(`${file.name}: empty TensorBoard export (no records)`);
    const steps = t.columns.Step[0],
      keep = laterRecordsWin(steps);
    byTag[tensorboardTag(file)] = [
      steps.filter((_, i) => keep[i]),
      t.columns.Value[0].filter((_, i) => keep[i]),
      t.columns.Value[1].filter((_, i) => keep[i]),
    ];
  }
  checkNames(new Set(Object.keys(byTag)), wanted, names, files.map((f) => f.name).join(", "));
  const used = ROLES.slice(1).filter((r) => wanted[r] in byTag);
  const all = [...new Set(used.flatMap((r) => byTag[wanted[r]][0]))].sort((a, b) => a - b);
  const at = new Map(all.map((s, i) => [s, i]));
  const cols = {},
    resolved = { step: "Step" };
  for (const r of ROLES.slice(1)) {
    if (!(wanted[r] in byTag)) {
      resolved[r] = null;
      continue;
    }
    resolved[r] = wanted[r];
    const [steps, values, present] = byTag[wanted[r]];
    const full = new Array(all.length).fill(NaN),
      has = new Array(all.length).fill(false);
    steps.forEach((s, i) => {
      full[at.get(s)] = values[i];
      has[at.get(s)] = present[i];
    });
    cols[r] = [full, has];
  }
  const notes = [`TensorBoard tags: ${Object.keys(byTag).sort().join(", ")}; steps merged across files`];
  return { cols, resolved, steps: all, notes };
}

export function diagnoseTexts(files, names = {}, settings = {}, series = null) {
  const wanted = {};
  for (const r of ROLES) wanted[r] = names[r] ?? r;
  if (!files.length) throw new LogError("no log file given");
  const tb = files.map((f) => isTensorboard(f.text));
  if (tb.some(Boolean) && !tb.every(Boolean)) {
    throw new LogError("mix of TensorBoard exports and tables: give one kind");
  }
  if (tb[0]) {
    const m = mergeTensorboard(files, wanted, names);
    return analyse(
      files,
      m.steps,
      m.steps.map(() => 0),
      m.steps.map(() => 0),
      m.cols,
      m.resolved,
      m.notes,
      settings,
      false,
      series,
    );
  }
  const tables = files.map(({ name, text }) => [name, readTable(name, text, Object.values(wanted))]);
  const found = new Set(Object.keys(tables[0][1].columns));
  for (const [name, t] of tables) {
    if (!t.lines.length) throw new LogError(`${name}: no records after the header`);
    checkNames(new Set(Object.keys(t.columns)), wanted, names, name);
    for (const k of [...found]) if (!(k in t.columns)) found.delete(k);
  }
  const cols = {},
    resolved = {},
    lines = [],
    sources = [];
  tables.forEach(([, t], i) => {
    for (const l of t.lines) {
      lines.push(l);
      sources.push(i);
    }
  });
  for (const r of ROLES) {
    resolved[r] = found.has(wanted[r]) ? wanted[r] : null;
    if (resolved[r])
      cols[r] = [
        [].concat(...tables.map(([, t]) => t.columns[wanted[r]][0])),
        [].concat(...tables.map(([, t]) => t.columns[wanted[r]][1])),
      ];
  }
  const notes = [];
  let steps;
  if (cols.step) {
    steps = cols.step[0];
    delete cols.step;
  } else {
    steps = lines.map((_, i) => i);
    notes.push(`no column '${wanted.step}' in ${files.map((f) => f.name).join(", ")}: the record index is the step`);
  }
  return analyse(files, steps, lines, sources, cols, resolved, notes, settings, true, series);
}

function analyse(files, steps, lines, sources, cols, resolved, notes, settings, findResumes, out) {
  const { window = 50, warmup = 10, grad_norm_factor = 5.0, loss_factor = 1.5 } = settings;
  const maxLag = settings.max_lag ?? window;
  const keep = laterRecordsWin(steps);
  const resumes = [];
  for (let i = 1; findResumes && i < steps.length; i++) {
    if (steps[i] <= steps[i - 1]) {
      let dropped = 0;
      for (let j = 0; j < i; j++) if (!keep[j] && steps[j] >= steps[i]) dropped++;
      resumes.push({
        file: files[sources[i]].name,
        line: lines[i],
        step: steps[i],
        previous_step: steps[i - 1],
        records_dropped: dropped,
      });
    }
  }
  const kept = steps.filter((_, i) => keep[i]);
  const series = {};
  for (const r in cols) series[r] = [cols[r][0].filter((_, i) => keep[i]), cols[r][1].filter((_, i) => keep[i])];
  if (out) Object.assign(out, { steps: kept, loss: series.loss ?? null, grad_norm: series.grad_norm ?? null });
  const nonfinite = {},
    union = new Array(kept.length).fill(false);
  for (const r of ["loss", "grad_norm", "update_norm"]) {
    if (!series[r]) continue;
    const [v, p] = series[r];
    nonfinite[r] = kept.filter((_, i) => p[i] && !Number.isFinite(v[i]));
    v.forEach((x, i) => {
      if (p[i] && !Number.isFinite(x)) union[i] = true;
    });
  }
  const spikes = {};
  for (const [r, factor] of [
    ["grad_norm", grad_norm_factor],
    ["update_norm", grad_norm_factor],
    ["loss", loss_factor],
  ]) {
    if (!series[r]) continue;
    const [v, p] = series[r];
    if (v.some((x, i) => p[i] && Number.isFinite(x) && x < 0)) {
      if (r === "loss") {
        notes.push("the loss has negative values: loss spikes need a positive loss");
        spikes[r] = [];
        continue;
      }
      throw new LogError(`${r} is negative: a norm is >= 0`);
    }
    const x = v.filter((_, i) => p[i]),
      s = kept.filter((_, i) => p[i]);
    const flags = exceedsBaseline(x, rollingMedianBaseline(x, window, warmup), factor);
    spikes[r] = s.filter((_, i) => flags[i]);
  }
  let suggested = null,
    suggestion = null,
    rates = [];
  if (series.grad_norm) {
    const [v, p] = series.grad_norm;
    [suggested, suggestion, rates] = suggest(
      v.filter((_, i) => p[i]),
      grad_norm_factor,
      nonfinite.grad_norm.length,
    );
  } else notes.push("no gradient-norm column: no clip rates and no suggested max_norm");
  if (resumes.length) notes.push(`${resumes.length} resume(s) or rollback(s): the later records win`);
  return {
    files: files.map((f) => f.name),
    records: kept.length,
    records_read: steps.length,
    first_step: kept.length ? kept[0] : null,
    last_step: kept.length ? kept[kept.length - 1] : null,
    columns: resolved,
    settings: { window, warmup, grad_norm_factor, loss_factor, max_lag: maxLag },
    resumes,
    nonfinite_steps: kept.filter((_, i) => union[i]),
    nonfinite,
    grad_norm_spikes: spikes.grad_norm ?? [],
    loss_spikes: spikes.loss ?? [],
    update_norm_spikes: spikes.update_norm ?? [],
    lead: lead(spikes.loss ?? [], spikes.grad_norm ?? [], maxLag),
    clip_rates: rates,
    suggested_max_norm: suggested,
    suggestion,
    notes,
  };
}
