// The in-browser diagnosis page (plain ES module, SVG, no dependencies, offline).
// <div data-gdguide-diagnose> holds the form; its <template data-gdguide-diagnose-text> holds every
// label in the page's language (<span data-key="...">, with {n}-style placeholders). The report is
// diagnose-core.js's, the object `python -m gdguide diagnose --json` prints for the same text; it is
// shown in the page and as JSON in <pre data-gdguide-diagnose-json> (the browser test reads it).
import { diagnoseTexts } from "./diagnose-core.js";

const SVG = "http://www.w3.org/2000/svg";
const LIST_LIMIT = 30;

function texts(root) {
  const out = {};
  const template = root.querySelector("template[data-gdguide-diagnose-text]");
  for (const el of template.content.querySelectorAll("[data-key]")) out[el.dataset.key] = el.textContent;
  return out;
}

// The page's translations of the core's English rules, caveats and notes (the JSON keeps the
// English, as `--json` prints it): <template data-gdguide-diagnose-phrases> holds
// <span data-pattern="regex">text with {1}, {2} for the groups</span> (the whole text must match);
// none on the English page.
function phrases(root) {
  const template = root.querySelector("template[data-gdguide-diagnose-phrases]");
  const list = template
    ? [...template.content.querySelectorAll("[data-pattern]")].map((e) => [
        new RegExp(`^(?:${e.dataset.pattern})$`),
        e.textContent,
      ])
    : [];
  return (text) => {
    for (const [pattern, translation] of list) {
      const m = pattern.exec(text);
      if (m) return translation.replace(/\{(\d)\}/g, (_, i) => m[Number(i)]);
    }
    return text;
  };
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

const number = (x, digits = 4) => (x === null ? "–" : Number(x.toPrecision(digits)).toString());
const percent = (x) => (x === null ? "–" : `${(100 * x).toFixed(2)}%`);
// Between two sentences or a value and its parenthesis: a space in English, none in Chinese.
const GAP = (document.documentElement.lang || "en").toLowerCase().startsWith("zh") ? "" : " ";

function stepList(T, steps) {
  if (!steps.length) return T.none;
  const shown = steps.slice(0, LIST_LIMIT).join(", ");
  const more = steps.length > LIST_LIMIT ? `${GAP}${fill(T.more, { n: steps.length - LIST_LIMIT })}` : "";
  return `${fill(T.count, { n: steps.length })}${T.colon}${shown}${more}`;
}

// One user-facing line for a LogError (the page's language), with the core's detail after it.
function errorLine(T, message) {
  let kind = "errorOther";
  if (/empty file|no records/.test(message)) kind = "errorEmpty";
  else if (/no column/.test(message)) kind = "errorColumn";
  else if (/is not a number/.test(message)) kind = "errorNumber";
  else if (/neither CSV|not JSON|not a JSON object|fields, the header has|mix of TensorBoard/.test(message))
    kind = "errorFormat";
  return `${T[kind]}${GAP}${T.detail.replace("{detail}", message)}`;
}

// Min and max of the positive finite values per pixel column: a million records draw as ~2 * width
// points, and every spike survives (it is the maximum of its column).
function envelope(steps, values, present, x0, x1, width) {
  const lo = new Array(width).fill(Infinity),
    hi = new Array(width).fill(-Infinity);
  const span = x1 - x0 || 1;
  for (let i = 0; i < steps.length; i++) {
    const v = values[i];
    if (!present[i] || !Number.isFinite(v) || v <= 0) continue;
    const c = Math.min(width - 1, Math.floor(((steps[i] - x0) / span) * width));
    if (v < lo[c]) lo[c] = v;
    if (v > hi[c]) hi[c] = v;
  }
  return { lo, hi };
}

// Tick values on a log axis with their labels: powers of ten (10ⁿ) over several decades, and
// 1, 2, 5 times a power of ten (plain numbers) when the range spans two decades or less.
function logTicks(min, max) {
  const e0 = Math.floor(Math.log10(min)),
    e1 = Math.ceil(Math.log10(max));
  const ticks = [];
  if (e1 - e0 <= 2) {
    for (let e = e0; e <= e1; e++)
      for (const k of [1, 2, 5]) {
        const v = k * 10 ** e;
        if (v >= min && v <= max) ticks.push([v, Number(v.toPrecision(1)).toString()]);
      }
    if (ticks.length >= 2) return ticks;
  }
  const step = Math.max(1, Math.ceil((e1 - e0 + 1) / 6));
  for (let e = e0; e <= e1; e += step) ticks.push([10 ** e, superscript(e)]);
  return ticks;
}

function superscript(e) {
  const digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
  return `10${String(e)
    .replace("-", "⁻")
    .replace(/\d/g, (d) => digits[Number(d)])}`;
}

// One panel: a series on a log axis against step, its spikes as circles, non-finite steps as
// vertical dashed lines.
function panel(T, spec) {
  const { steps, values, present, spikes, nonfinite, title, cls, width, height } = spec;
  const m = { left: 56, right: 12, top: 22, bottom: 30 };
  const w = width - m.left - m.right,
    h = height - m.top - m.bottom;
  const g = svg("g", { class: `gdguide-diagnose-panel ${cls}` });
  const x0 = steps.length ? steps[0] : 0,
    x1 = steps.length ? steps[steps.length - 1] : 1;
  const positive = [];
  for (let i = 0; i < values.length; i++)
    if (present[i] && Number.isFinite(values[i]) && values[i] > 0) positive.push(values[i]);
  const titleNode = svg("text", { x: m.left, y: 15, class: "gdguide-diagnose-title" });
  titleNode.textContent = title;
  g.append(titleNode);
  g.append(svg("rect", { x: m.left, y: m.top, width: w, height: h, class: "gdguide-diagnose-frame" }));
  const xOf = (s) => m.left + ((s - x0) / (x1 - x0 || 1)) * w;
  for (const s of nonfinite) {
    g.append(svg("line", { x1: xOf(s), x2: xOf(s), y1: m.top, y2: m.top + h, class: "gdguide-diagnose-nonfinite" }));
  }
  if (!positive.length) {
    const t = svg("text", {
      x: m.left + w / 2,
      y: m.top + h / 2,
      "text-anchor": "middle",
      class: "gdguide-diagnose-empty",
    });
    t.textContent = T.noPositive;
    g.append(t);
    return g;
  }
  let lo = Infinity,
    hi = -Infinity;
  for (const v of positive) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi === lo) {
    lo /= 2;
    hi *= 2;
  }
  const l0 = Math.log10(lo),
    l1 = Math.log10(hi);
  const yOf = (v) => m.top + h - ((Math.log10(v) - l0) / (l1 - l0)) * h;
  for (const [v, label] of logTicks(lo, hi)) {
    const y = yOf(v);
    if (y < m.top - 0.5 || y > m.top + h + 0.5) continue;
    g.append(svg("line", { x1: m.left, x2: m.left + w, y1: y, y2: y, class: "gdguide-diagnose-grid" }));
    const t = svg("text", { x: m.left - 6, y: y + 4, "text-anchor": "end", class: "gdguide-diagnose-tick" });
    t.textContent = label;
    g.append(t);
  }
  for (const s of [x0, x1]) {
    const t = svg("text", {
      x: xOf(s),
      y: m.top + h + 16,
      "text-anchor": s === x0 ? "start" : "end",
      class: "gdguide-diagnose-tick",
    });
    t.textContent = String(s);
    g.append(t);
  }
  const axis = svg("text", {
    x: m.left + w / 2,
    y: m.top + h + 16,
    "text-anchor": "middle",
    class: "gdguide-diagnose-tick",
  });
  axis.textContent = T.step;
  g.append(axis);
  const { lo: cLo, hi: cHi } = envelope(steps, values, present, x0, x1, Math.max(1, Math.round(w)));
  const points = [];
  for (let c = 0; c < cLo.length; c++) {
    if (!Number.isFinite(cLo[c])) continue;
    const x = (m.left + c + 0.5).toFixed(1);
    points.push(`${x},${yOf(cLo[c]).toFixed(1)}`);
    if (cHi[c] !== cLo[c]) points.push(`${x},${yOf(cHi[c]).toFixed(1)}`);
  }
  g.append(svg("polyline", { points: points.join(" "), class: "gdguide-diagnose-line" }));
  const at = new Map(steps.map((s, i) => [s, i]));
  for (const s of spikes.slice(0, 2000)) {
    const v = values[at.get(s)];
    g.append(svg("circle", { cx: xOf(s), cy: yOf(v), r: 4, class: "gdguide-diagnose-spike" }));
  }
  return g;
}

function plot(T, report, series, available) {
  const rows = [];
  if (series.grad_norm)
    rows.push(["grad_norm", T.gradNormTitle, report.grad_norm_spikes, report.nonfinite.grad_norm ?? []]);
  if (series.loss) rows.push(["loss", T.lossTitle, report.loss_spikes, report.nonfinite.loss ?? []]);
  // The drawing is as wide as the page's column, so its 12 px text stays 12 px on a phone.
  const width = Math.max(300, Math.min(960, Math.round(available) || 720)),
    height = width < 560 ? 170 : 200,
    narrow = width < 560;
  const root = svg("svg", {
    viewBox: `0 0 ${width} ${height * rows.length + (narrow ? 44 : 24)}`,
    width,
    role: "img",
    class: "gdguide-diagnose-plot",
    "aria-label": fill(T.plotAlt, {
      spikes: report.grad_norm_spikes.length,
      loss: report.loss_spikes.length,
      nonfinite: report.nonfinite_steps.length,
    }),
  });
  rows.forEach(([key, title, spikes, nonfinite], i) => {
    const [values, present] = series[key];
    const g = panel(T, {
      steps: series.steps,
      values,
      present,
      spikes,
      nonfinite,
      title,
      cls: `is-${key}`,
      width,
      height,
    });
    g.setAttribute("transform", `translate(0 ${i * height})`);
    root.append(g);
  });
  // legend
  const y = height * rows.length + 14;
  const legend = svg("g", { class: "gdguide-diagnose-legend" });
  legend.append(svg("circle", { cx: 62, cy: y - 4, r: 4, class: "gdguide-diagnose-spike" }));
  const a = svg("text", { x: 72, y });
  a.textContent = T.legendSpike;
  legend.append(a);
  const [bx, by] = narrow ? [62, y + 20] : [300, y];
  legend.append(svg("line", { x1: bx, x2: bx, y1: by - 12, y2: by + 2, class: "gdguide-diagnose-nonfinite" }));
  const b = svg("text", { x: bx + 10, y: by });
  b.textContent = T.legendNonfinite;
  legend.append(b);
  root.append(legend);
  return root;
}

function row(dl, label, value, field) {
  dl.append(el("dt", {}, label));
  const dd = el("dd", field ? { "data-field": field } : {});
  dd.append(value);
  dl.append(dd);
}

function renderReport(T, report, say) {
  const box = el("div", { class: "gdguide-diagnose-result" });
  const dl = el("dl");
  row(
    dl,
    T.records,
    fill(T.recordsValue, {
      kept: report.records,
      read: report.records_read,
      first: report.first_step ?? "–",
      last: report.last_step ?? "–",
    }),
    "records",
  );
  const used = Object.entries(report.columns)
    .filter(([, name]) => name !== null)
    .map(([role, name]) => (role === name ? role : `${role} = ${name}`));
  row(dl, T.columns, used.join(", "), "columns");
  if (report.resumes.length) {
    const text = report.resumes
      .slice(0, 10)
      .map((r) => fill(T.resumeValue, { line: r.line, from: r.previous_step, to: r.step, dropped: r.records_dropped }))
      .join("; ");
    row(dl, T.resumes, text, "resumes");
  }
  row(dl, T.nonfiniteSteps, stepList(T, report.nonfinite_steps), "nonfinite_steps");
  const s = report.settings;
  row(
    dl,
    fill(T.gradNormSpikes, { factor: s.grad_norm_factor, window: s.window }),
    stepList(T, report.grad_norm_spikes),
    "grad_norm_spikes",
  );
  row(
    dl,
    fill(T.lossSpikes, { factor: s.loss_factor, window: s.window }),
    stepList(T, report.loss_spikes),
    "loss_spikes",
  );
  if (report.update_norm_spikes.length)
    row(dl, T.updateNormSpikes, stepList(T, report.update_norm_spikes), "update_norm_spikes");
  const lead = report.lead;
  if (report.loss_spikes.length && report.grad_norm_spikes.length) {
    let text = fill(T.leadValue, {
      grad: lead.grad_norm_first,
      same: lead.same_step,
      loss: lead.loss_first,
      unmatched: lead.unmatched_loss_spikes.length,
      lag: s.max_lag,
    });
    if (lead.median_lead_steps !== null) text += `${GAP}${fill(T.medianLead, { n: lead.median_lead_steps })}`;
    row(dl, T.lead, text, "lead");
  } else row(dl, T.lead, T.leadNone, "lead");
  const sug = report.suggestion;
  if (report.suggested_max_norm !== null) {
    const strong = el("strong", {}, number(report.suggested_max_norm));
    const dd = el(
      "span",
      {},
      strong,
      `${GAP}${fill(T.suggestedValue, { rule: say(sug.rule), rate: percent(sug.clip_rate) })}`,
    );
    row(dl, T.suggested, dd, "suggested_max_norm");
  } else
    row(
      dl,
      T.suggested,
      sug ? `${T.none}${GAP}${T.detail.replace("{detail}", say(sug.rule))}` : T.none,
      "suggested_max_norm",
    );
  box.append(dl);
  if (sug?.caveats.length) {
    box.append(el("p", { class: "gdguide-diagnose-subhead" }, T.caveats));
    box.append(el("ul", { "data-field": "caveats" }, ...sug.caveats.map((c) => el("li", {}, say(c)))));
  }
  if (report.clip_rates.length) {
    const table = el("table", { "data-field": "clip_rates" });
    table.append(el("caption", {}, T.clipRates));
    table.append(
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", { scope: "col" }, T.threshold),
          el("th", { scope: "col" }, T.clipRate),
          el("th", { scope: "col" }, T.rule),
        ),
      ),
    );
    const body = el("tbody");
    for (const r of report.clip_rates)
      body.append(
        el("tr", {}, el("td", {}, number(r.threshold)), el("td", {}, percent(r.clip_rate)), el("td", {}, say(r.rule))),
      );
    table.append(body);
    box.append(el("div", { class: "md-typeset__table" }, table));
  }
  if (report.notes.length) {
    box.append(el("p", { class: "gdguide-diagnose-subhead" }, T.notes));
    box.append(el("ul", { "data-field": "notes" }, ...report.notes.map((n) => el("li", {}, say(n)))));
  }
  const details = el("details", { class: "gdguide-diagnose-details" });
  details.append(el("summary", {}, T.json));
  details.append(el("pre", { "data-gdguide-diagnose-json": "" }, JSON.stringify(report, null, 2)));
  box.append(details);
  return box;
}

function setUp(root) {
  const T = texts(root);
  const say = phrases(root);
  const form = root.querySelector("form");
  const textarea = root.querySelector("textarea");
  const fileInput = root.querySelector("input[type=file]");
  const status = root.querySelector("[data-gdguide-diagnose-status]");
  const error = root.querySelector("[data-gdguide-diagnose-error]");
  const output = root.querySelector("[data-gdguide-diagnose-output]");
  const columns = [...root.querySelectorAll("input[data-role]")];
  const tagSelect = root.querySelector("select[data-gdguide-diagnose-tag]");

  function names() {
    const out = {};
    for (const input of columns) if (input.value.trim()) out[input.dataset.role] = input.value.trim();
    return out;
  }

  function show(files) {
    error.hidden = true;
    error.textContent = "";
    root.dataset.state = "running";
    const series = {};
    let report;
    try {
      report = diagnoseTexts(files, names(), {}, series);
    } catch (e) {
      output.replaceChildren();
      error.textContent = errorLine(T, e.message);
      error.hidden = false;
      root.dataset.state = "error";
      return;
    }
    output.replaceChildren(plot(T, report, series, output.clientWidth), renderReport(T, report, say));
    root.dataset.state = "done";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    status.textContent = "";
    const pasted = { name: T.pastedName, text: textarea.value };
    // A pasted TensorBoard export has no file name to take its tag from: the page's select says it.
    if (/^\uFEFF?\s*"?Wall time"?,/.test(pasted.text)) {
      const role = tagSelect.value;
      pasted.tag = names()[role] ?? role;
    }
    show([pasted]);
  });

  async function readFiles(list) {
    const files = [...list];
    if (!files.length) return;
    status.textContent = fill(T.reading, { names: files.map((f) => f.name).join(", ") });
    root.dataset.state = "reading";
    try {
      const read = await Promise.all(files.map(async (f) => ({ name: f.name, text: await f.text() })));
      status.textContent = fill(T.read, { names: files.map((f) => f.name).join(", ") });
      // let the status line paint before the (synchronous) diagnosis of a large log
      await new Promise((resolve) => setTimeout(resolve, 30));
      show(read);
    } catch (e) {
      error.textContent = `${T.errorRead}${GAP}${T.detail.replace("{detail}", e.message)}`;
      error.hidden = false;
      root.dataset.state = "error";
    }
  }

  fileInput.addEventListener("change", () => readFiles(fileInput.files));
  const zone = root.querySelector("[data-gdguide-diagnose-drop]");
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("is-over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("is-over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("is-over");
    if (event.dataTransfer?.files.length) readFiles(event.dataTransfer.files);
  });
  root.dataset.state = "ready";
}

for (const root of document.querySelectorAll("[data-gdguide-diagnose]")) setUp(root);
