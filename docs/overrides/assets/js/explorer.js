// Interactive explorers of the gdguide site (plain ES module, SVG, no dependencies, offline).
// Every element <div data-gdguide-explorer="regression|cliffs"> becomes an explorer; labels follow
// the page's <html lang>. The iterates come from explorer-core.js (gdguide's arithmetic);
// window.gdguideExplorer.lastRun(name) returns what the page computed last (tests read it).
import { PROBLEMS, run } from "./explorer-core.js";

const LANG = (document.documentElement.lang || "en").toLowerCase().startsWith("zh") ? "zh" : "en";
const TEXT = {
  en: {
    alpha: "Learning rate α",
    colon: ": ",
    stop: ". ",
    sep: " · ",
    clip: "Clipping",
    none: "none",
    value: "by value",
    norm: "by norm",
    c: "Clipping threshold c",
    beta: "Heavy-ball momentum β",
    steps: "Steps",
    start: "Start",
    problem: "Problem",
    wall: "wall x² + x⁴",
    cliff: "recurrent cliff ½(w⁵⁰ − 1)²",
    presets: "Presets",
    marks: "Marked on the slider:",
    twoD: "Two parameters (intercept and slope)",
    oneD: "One parameter (the article's model)",
    contourAlt: "Loss contours of the two-parameter problem with the trajectory of gradient descent",
    curveAlt: "The loss as a function of the parameter with the iterates on it",
    lossAlt: "Loss minus its minimum per step, logarithmic scale",
    errorAlt: "Distance to the minimizer per step, logarithmic scale",
    lossTitle: "loss − minimum (log scale) per step",
    errorTitle: "|x − x*| (log scale) per step",
    step: "step",
    nonfinite: (k) => `inf/NaN at step ${k}`,
    converged: (k) => `within 10⁻⁶ of the minimizer from step ${k} on`,
    bounded: "bounded, but not converging (a wobble)",
    growing: "growing: the run diverges",
    slow: "still on its way",
    loading: "The interactive explorer starts when you scroll to it.",
    clipped: (n, total) => `${n} of ${total} steps clipped`,
    final: "last iterate",
    leftView: (k) => `step ${k}: left the plotted area`,
    jsNeeded: "This interactive figure needs JavaScript.",
    preset: {
      converge: "Converging step α = 0.015",
      above: "Just above the boundary α = 0.0171",
      wobble: "Value clipping, step too large",
      momentum: "Momentum β = 0.9, α = 0.03",
      wallPlain: "Wall: plain α = 0.1 from 3",
      wallClip: "Wall: clip norm to 1",
      cliffPlain: "Cliff: plain α = 0.01 from 1.1",
      cliffWobble: "Cliff: clipped from 1.105",
      cliffSmall: "Cliff: clipped, α = 0.0007",
    },
  },
  zh: {
    alpha: "学习率 α",
    colon: "：",
    stop: "。",
    sep: "；",
    clip: "梯度裁剪",
    none: "不裁剪",
    value: "按值裁剪",
    norm: "按范数裁剪",
    c: "裁剪阈值 c",
    beta: "动量（heavy ball）β",
    steps: "步数",
    start: "起点",
    problem: "问题",
    wall: "陡墙 x² + x⁴",
    cliff: "循环网络悬崖 ½(w⁵⁰ − 1)²",
    presets: "预设",
    marks: "滑块上的标记：",
    twoD: "两个参数（截距和斜率）",
    oneD: "一个参数（原文的模型）",
    contourAlt: "双参数问题的损失等高线和梯度下降的轨迹",
    curveAlt: "损失随参数变化的曲线，以及曲线上的迭代点",
    lossAlt: "每一步的损失减去最小值，对数坐标",
    errorAlt: "每一步到极小点的距离，对数坐标",
    lossTitle: "损失 − 最小值（对数坐标），按步数",
    errorTitle: "|x − x*|（对数坐标），按步数",
    step: "步",
    nonfinite: (k) => `第 ${k} 步出现 inf/NaN`,
    converged: (k) => `从第 ${k} 步起与极小点相差不到 10⁻⁶`,
    bounded: "有界，但不收敛（来回摆动）",
    growing: "越来越大：发散",
    slow: "仍在逼近中",
    loading: "滚动到这里时，交互演示会自动启动。",
    clipped: (n, total) => `${total} 步中有 ${n} 步被裁剪`,
    final: "最后一个迭代点",
    leftView: (k) => `第 ${k} 步：离开了绘图区域`,
    jsNeeded: "这个交互图需要 JavaScript。",
    preset: {
      converge: "收敛的步长 α = 0.015",
      above: "略高于边界 α = 0.0171",
      wobble: "按值裁剪，步长过大",
      momentum: "动量 β = 0.9，α = 0.03",
      wallPlain: "陡墙：不裁剪，α = 0.1，从 3 出发",
      wallClip: "陡墙：范数裁剪到 1",
      cliffPlain: "悬崖：不裁剪，α = 0.01，从 1.1 出发",
      cliffWobble: "悬崖：裁剪，从 1.105 出发",
      cliffSmall: "悬崖：裁剪，α = 0.0007",
    },
  },
}[LANG];

const SVG = "http://www.w3.org/2000/svg";
const LAMBDA_2D = [60 - Math.sqrt(3400), 60 + Math.sqrt(3400)]; // eigenvalues of [[10,30],[30,110]]
const LAMBDA_1D = 110;
const L1_MIN = PROBLEMS.regression1.loss([19 / 11]); // 10/11, the residual of the article's model
const fmt = (v, digits = 4) => (Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : String(v));

// ------------------------------------------------------------------------------------------ controls

let uid = 0;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

/** A labelled range input; `toValue` maps the input's number to the setting (rounded). */
function slider(parent, { key, label, min, max, step, value, toValue = (v) => v, fromValue = (v) => v, show }) {
  const id = `gx-${key}-${++uid}`;
  const input = el("input", { type: "range", id, min, max, step, value: fromValue(value), "data-key": key });
  const output = el("output", { for: id, id: `${id}-out` });
  const marks = el("div", { class: "gx-marks", "aria-hidden": "true" });
  const hint = el("p", { class: "gx-hint", id: `${id}-hint` });
  input.setAttribute("aria-describedby", hint.id);
  const field = el(
    "div",
    { class: "gx-field" },
    el("div", { class: "gx-label" }, el("label", { for: id, text: label }), output),
    el("div", { class: "gx-range" }, input, marks),
    hint,
  );
  parent.append(field);
  const control = {
    input,
    get value() {
      return toValue(Number(input.value));
    },
    set(v) {
      input.value = fromValue(v);
    },
    render() {
      const v = control.value;
      const text = show ? show(v) : fmt(v);
      output.textContent = text;
      input.setAttribute("aria-valuetext", `${label} ${text}`);
    },
    range(lo, hi, stepSize) {
      input.min = lo;
      input.max = hi;
      input.step = stepSize;
    },
    mark(list) {
      // list: [{value, label}] in the setting's units
      const min = Number(input.min);
      const max = Number(input.max);
      marks.replaceChildren(
        ...list
          .filter((m) => m.value >= min && m.value <= max)
          .sort((a, b) => a.value - b.value)
          .map((m, i) => {
            const f = (fromValue(m.value) - min) / (max - min);
            const tick = el("span", {
              class: `gx-tick gx-row${i % 2}${f > 0.75 ? " gx-flip" : ""}`,
              style: `left: calc(8px + ${f} * (100% - 16px))`,
            });
            tick.append(el("span", { text: m.short || m.label }));
            return tick;
          }),
      );
      hint.textContent = list.length
        ? `${TEXT.marks} ${list.map((m) => `${m.label} = ${fmt(m.value, 5)}`).join("; ")}`
        : "";
      hint.hidden = !list.length;
    },
  };
  return control;
}

function radios(parent, { key, legend, options, value }) {
  const name = `gx-${key}-${++uid}`;
  const set = el("fieldset", { class: "gx-choice" }, el("legend", { text: legend }));
  const inputs = options.map(([v, text]) => {
    const input = el("input", { type: "radio", name, value: v, "data-key": key });
    if (v === value) input.checked = true;
    set.append(el("label", {}, input, " ", text));
    return input;
  });
  parent.append(set);
  return {
    inputs,
    get value() {
      return inputs.find((i) => i.checked).value;
    },
    set(v) {
      for (const i of inputs) i.checked = i.value === v;
    },
    render() {},
  };
}

const round = (digits) => (v) => Number(v.toFixed(digits));
const logControl = { toValue: (v) => Number((10 ** v).toPrecision(3)), fromValue: (v) => Math.log10(v).toFixed(2) };

// ------------------------------------------------------------------------------------------ drawing

function svgBox(label, width, height) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.classList.add("gx-plot");
  return svg;
}

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;");

function axes(box, xTicks, yTicks, xLabel, yLabel) {
  const { x0, x1, y0, y1, sx, sy } = box;
  let out = `<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" class="gx-frame"/>`;
  for (const [v, t] of xTicks)
    out += `<text x="${sx(v)}" y="${y0 + 13}" class="gx-tick-label" text-anchor="middle">${esc(t)}</text>`;
  for (const [v, t] of yTicks) {
    out += `<line x1="${x0}" x2="${x1}" y1="${sy(v)}" y2="${sy(v)}" class="gx-grid"/>`;
    out += `<text x="${x0 - 3}" y="${sy(v) + 3}" class="gx-tick-label" text-anchor="end">${esc(t)}</text>`;
  }
  if (xLabel)
    out += `<text x="${(x0 + x1) / 2}" y="${y0 + 26}" class="gx-axis-label" text-anchor="middle">${esc(xLabel)}</text>`;
  if (yLabel) out += `<text x="${x0}" y="${y1 - 6}" class="gx-axis-label">${esc(yLabel)}</text>`;
  return out;
}

function frame(width, height, [xa, xb], [ya, yb], pad = { l: 34, r: 8, t: 16, b: 30 }) {
  const x0 = pad.l;
  const x1 = width - pad.r;
  const y0 = height - pad.b;
  const y1 = pad.t;
  return {
    x0,
    x1,
    y0,
    y1,
    sx: (v) => x0 + ((v - xa) / (xb - xa)) * (x1 - x0),
    sy: (v) => y0 - ((v - ya) / (yb - ya)) * (y0 - y1),
  };
}

function pathOf(points) {
  // points: [[px, py] | null]; null breaks the line
  let d = "";
  let pen = false;
  for (const p of points) {
    if (!p || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
      pen = false;
      continue;
    }
    const x = Math.max(-1e4, Math.min(1e4, p[0]));
    const y = Math.max(-1e4, Math.min(1e4, p[1]));
    d += `${pen ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`;
    pen = true;
  }
  return d;
}

/**
 * The plotting area of `box` as an SVG clip path: `defs` declares it, `group(svg)` draws `svg`
 * clipped to it (lines that leave the plot stop at its frame).
 */
function clipArea(box) {
  const id = `gx-clip-${++uid}`;
  const rect = `<rect x="${box.x0}" y="${box.y1}" width="${box.x1 - box.x0}" height="${box.y0 - box.y1}"/>`;
  return {
    defs: `<defs><clipPath id="${id}">${rect}</clipPath></defs>`,
    group: (svg) => `<g clip-path="url(#${id})">${svg}</g>`,
  };
}

/** Loss (or error) per step, log10 scale, one line per run. */
function drawLog(svg, series, title) {
  const W = 320;
  const H = 170;
  let hi = -Infinity;
  let n = 1;
  for (const s of series) {
    n = Math.max(n, s.values.length - 1);
    for (const v of s.values) if (v > 0 && Number.isFinite(v)) hi = Math.max(hi, Math.log10(v));
  }
  const top = Math.min(Math.max(Math.ceil(hi / 4) * 4, 4), 320);
  const bottom = -16;
  const box = frame(W, H, [0, n], [bottom, top]);
  const span = top - bottom;
  const every = span > 80 ? 40 : span > 40 ? 10 : 4;
  const yTicks = [];
  for (let v = Math.ceil(bottom / every) * every; v <= top; v += every) yTicks.push([v, `1e${v}`]);
  const xTicks = [0, Math.round(n / 2), n].map((v) => [v, String(v)]);
  const area = clipArea(box);
  let lines = "";
  for (const s of series) {
    const pts = s.values.map((v, k) => [box.sx(k), box.sy(v > 0 ? Math.max(Math.log10(v), bottom) : bottom)]);
    lines += `<path d="${pathOf(pts)}" class="gx-line ${s.cls}"/>`;
    if (s.nonfinite !== null) {
      const x = box.sx(s.nonfinite);
      lines += `<line x1="${x}" x2="${x}" y1="${box.y1}" y2="${box.y0}" class="gx-nonfinite ${s.cls}"/>`;
      lines += `<text x="${Math.min(x + 3, box.x1 - 70)}" y="${box.y1 + 12 + 12 * s.row}" class="gx-note ${s.cls}">${esc(TEXT.nonfinite(s.nonfinite))}</text>`;
    }
  }
  svg.innerHTML = area.defs + axes(box, xTicks, yTicks, TEXT.step, title) + area.group(lines);
}

function ticksFor(a, b, count = 5) {
  const raw = (b - a) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(a / step) * step; v <= b + 1e-9; v += step) out.push([v, fmt(Number(v.toFixed(10)), 3)]);
  return out;
}

/** Contours of the two-parameter loss with the trajectory. */
function drawContour(svg, result) {
  const W = 320;
  const H = 270;
  const X = [-3.2, 2.2];
  const Y = [-0.6, 3.9];
  const box = frame(W, H, X, Y, { l: 34, r: 8, t: 16, b: 30 });
  const area = clipArea(box);
  const [cx, cy] = [box.sx(-1), box.sy(2)];
  // eigenvector of the small eigenvalue, in pixels (x and y scales differ)
  const lam = LAMBDA_2D;
  const v = [30, lam[0] - 10]; // (H - lam I) v = 0 -> first row: (10 - lam) v0 + 30 v1 = 0
  const sxu = (box.x1 - box.x0) / (X[1] - X[0]);
  const syu = (box.y0 - box.y1) / (Y[1] - Y[0]);
  let inside = "";
  const norm = Math.hypot(...v);
  const e1 = [v[0] / norm, v[1] / norm]; // small-eigenvalue direction
  const e2 = [-e1[1], e1[0]];
  for (const level of [0.03, 0.3, 3, 30, 300, 3000]) {
    const a = Math.sqrt((2 * level) / lam[0]);
    const b = Math.sqrt((2 * level) / lam[1]);
    const pts = [];
    for (let i = 0; i <= 96; i++) {
      const t = (2 * Math.PI * i) / 96;
      const dx = a * Math.cos(t) * e1[0] + b * Math.sin(t) * e2[0];
      const dy = a * Math.cos(t) * e1[1] + b * Math.sin(t) * e2[1];
      pts.push([cx + dx * sxu, cy - dy * syu]);
    }
    inside += `<path d="${pathOf(pts)}Z" class="gx-contour"/>`;
  }
  const pts = result.params.map(([a, b]) => [box.sx(a), box.sy(b)]);
  inside += `<path d="${pathOf(pts)}" class="gx-line gx-a"/>`;
  for (const [px, py] of pts.slice(0, 80)) {
    if (Number.isFinite(px) && Number.isFinite(py))
      inside += `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="1.8" class="gx-dot gx-a"/>`;
  }
  let out = area.defs + axes(box, ticksFor(...X), ticksFor(...Y), "θ₀", "θ₁") + area.group(inside);
  out += `<path d="M${cx - 5} ${cy}h10M${cx} ${cy - 5}v10" class="gx-star"/><text x="${cx + 6}" y="${cy - 6}" class="gx-note">θ*</text>`;
  out += `<rect x="${pts[0][0] - 3}" y="${pts[0][1] - 3}" width="6" height="6" class="gx-start"/>`;
  svg.innerHTML = out;
}

/** f(x) over an interval with the iterates on it (one-parameter problems). */
function drawCurve(svg, result, { range, f, log = false, cls = "gx-a", xLabel, yLabel }) {
  const W = 320;
  const H = 200;
  const tf = (y) => (log ? Math.log10(Math.max(y, 1e-30)) : y);
  const xs = Array.from({ length: 241 }, (_, i) => range[0] + ((range[1] - range[0]) * i) / 240);
  const ys = xs.map((x) => tf(f(x)));
  let lo = Math.min(...ys);
  const hi = Math.max(...ys);
  if (log) lo = Math.max(lo, -12);
  const pad = (hi - lo) * 0.05;
  const box = frame(W, H, range, [lo - pad, hi + pad]);
  const yTicks = log ? ticksFor(lo, hi, 4).map(([v]) => [v, `1e${Math.round(v)}`]) : ticksFor(lo, hi, 4);
  const area = clipArea(box);
  let inside = `<path d="${pathOf(xs.map((x, i) => [box.sx(x), box.sy(ys[i])]))}" class="gx-curve"/>`;
  const pts = result.params.map(([x]) => [box.sx(x), box.sy(tf(f(x)))]);
  inside += `<path d="${pathOf(pts)}" class="gx-line ${cls} gx-thin"/>`;
  for (const [px, py] of pts.slice(0, 80)) {
    if (Number.isFinite(px) && Number.isFinite(py))
      inside += `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="2" class="gx-dot ${cls}"/>`;
  }
  let out = area.defs + axes(box, ticksFor(...range, 4), yTicks, xLabel, yLabel) + area.group(inside);
  const out0 = result.params.findIndex(([x]) => !(x >= range[0] && x <= range[1]));
  if (out0 >= 0) out += `<text x="${box.x0 + 4}" y="${box.y1 + 12}" class="gx-note">${esc(TEXT.leftView(out0))}</text>`;
  svg.innerHTML = out;
}

function summary(result, target) {
  const { params, firstNonfinite, steps, clippedCount, clip } = result;
  const parts = [];
  const last = params[params.length - 1];
  parts.push(`${TEXT.final} ${last.map((v) => fmt(v, 6)).join(", ")}`);
  if (firstNonfinite !== null) parts.push(TEXT.nonfinite(firstNonfinite));
  else {
    const err = params.map((p) => Math.max(...p.map((v, i) => Math.abs(v - target[i]))));
    let from = null;
    for (let k = err.length - 1; k >= 0 && err[k] < 1e-6; k--) from = k;
    if (from !== null) parts.push(TEXT.converged(from));
    else {
      const tail = err.slice(Math.floor(err.length / 2));
      const first = tail[0];
      const lastErr = tail[tail.length - 1];
      const peak = Math.max(...tail);
      if (lastErr > 1.5 * first && lastErr >= peak * 0.999) parts.push(TEXT.growing);
      else if (lastErr < 0.5 * first) parts.push(TEXT.slow);
      else parts.push(TEXT.bounded);
    }
  }
  if (clip !== "none") parts.push(TEXT.clipped(clippedCount, steps));
  return parts.join(TEXT.sep);
}

// ------------------------------------------------------------------------------------------ explorers

const LAST = {};

/**
 * What each explorer is, declaratively: its sliders' ranges (a slider spec: `min`, `max`, `step`,
 * `start`, and `digits` shown), its problems (the code page switches between two, each with its
 * own ranges), its presets (name -> settings), its panels and what one update computes and draws.
 * `build` reads it; nothing else differs between explorers.
 */
const EXPLORERS = {
  regression: {
    alpha: { min: 0.0005, max: 0.04, step: 0.00005, digits: 5, start: 0.015 },
    clipThreshold: 5,
    steps: 300,
    presets: {
      converge: { alpha: 0.015, clip: "none", beta: 0 },
      above: { alpha: 0.0171, clip: "none", beta: 0 },
      wobble: { alpha: 0.02, clip: "value", c: 5, beta: 0 },
      momentum: { alpha: 0.03, clip: "none", beta: 0.9 },
    },
    panels(plots) {
      const contour = svgBox(TEXT.contourAlt, 320, 270);
      const curve = svgBox(TEXT.curveAlt, 320, 200);
      const loss = svgBox(TEXT.lossAlt, 320, 170);
      const legend = el(
        "p",
        { class: "gx-legend" },
        el("span", { class: "gx-key gx-a", text: TEXT.twoD }),
        el("span", { class: "gx-key gx-b", text: TEXT.oneD }),
      );
      plots.append(
        el("figure", { class: "gx-panel" }, el("figcaption", { text: TEXT.twoD }), contour),
        el("figure", { class: "gx-panel" }, el("figcaption", { text: TEXT.oneD }), curve),
        el("figure", { class: "gx-panel" }, el("figcaption", { text: TEXT.lossTitle }), loss, legend),
      );
      return { contour, curve, loss };
    },
    /** One update: both regressions with the settings `s`; returns the status line. */
    update(views, c, s) {
      const b = 1 + s.beta;
      const two = run({ problem: "regression2", x0: [0, 0], ...s });
      const one = run({ problem: "regression1", x0: [0], ...s });
      c.alpha.mark([
        { value: 2 / LAMBDA_2D[1], label: "2/λ_max", short: "2/λ" },
        ...(s.beta > 0 ? [{ value: (2 * b) / LAMBDA_2D[1], label: "2(1+β)/λ_max", short: "2(1+β)/λ" }] : []),
        { value: 2 / LAMBDA_1D, label: "1/55", short: "1/55" },
      ]);
      drawContour(views.contour, two);
      drawCurve(views.curve, one, {
        range: [0, 3.5],
        f: (t) => PROBLEMS.regression1.loss([t]) - L1_MIN,
        xLabel: "θ",
        yLabel: "L(θ) − L*",
      });
      drawLog(
        views.loss,
        [
          { values: two.losses, nonfinite: two.firstNonfinite, cls: "gx-a", label: TEXT.twoD, row: 0 },
          {
            values: one.losses.map((v) => v - L1_MIN),
            nonfinite: one.firstNonfinite,
            cls: "gx-b",
            label: TEXT.oneD,
            row: 1,
          },
        ],
        "",
      );
      const status = `${TEXT.twoD}${TEXT.colon}${summary(two, [-1, 2])}${TEXT.stop}${TEXT.oneD}${TEXT.colon}${summary(one, [19 / 11])}${TEXT.stop}`;
      return { runs: { regression2: two, regression1: one }, status };
    },
  },
  cliffs: {
    alpha: { min: 0.005, max: 1.5, step: 0.005, digits: 4, start: 0.1 },
    start: { min: -4, max: 4, step: 0.005, digits: 3, start: 3 },
    clipThreshold: 1,
    steps: 100,
    // Each problem's ranges (and starting values, set when the reader switches to it).
    problems: {
      wall: {
        label: TEXT.wall,
        alpha: { min: 0.005, max: 1.5, step: 0.005, start: 0.1 },
        start: { min: -4, max: 4, step: 0.05, start: 3 },
      },
      cliff: {
        label: TEXT.cliff,
        alpha: { min: 0.0001, max: 0.03, step: 0.0001, start: 0.01 },
        start: { min: 0.8, max: 1.2, step: 0.005, start: 1.1 },
      },
    },
    presets: {
      wallPlain: { problem: "wall", x0: 3, alpha: 0.1, clip: "none", beta: 0, steps: 100 },
      wallClip: { problem: "wall", x0: 3, alpha: 0.1, clip: "norm", c: 1, beta: 0, steps: 100 },
      cliffPlain: { problem: "cliff", x0: 1.1, alpha: 0.01, clip: "none", beta: 0, steps: 100 },
      cliffWobble: { problem: "cliff", x0: 1.105, alpha: 0.01, clip: "norm", c: 1, beta: 0, steps: 100 },
      cliffSmall: { problem: "cliff", x0: 1.105, alpha: 0.0007, clip: "norm", c: 1, beta: 0, steps: 300 },
    },
    panels(plots) {
      const curve = svgBox(TEXT.curveAlt, 320, 200);
      const error = svgBox(TEXT.errorAlt, 320, 170);
      const caption = el("figcaption");
      plots.append(
        el("figure", { class: "gx-panel" }, caption, curve),
        el("figure", { class: "gx-panel" }, el("figcaption", { text: TEXT.errorTitle }), error),
      );
      return { curve, error, caption };
    },
    /** One update: the chosen problem from the chosen start; returns the status line. */
    update(views, c, s) {
      const b = 1 + s.beta;
      const momentum = s.beta > 0 ? "(1+β)" : "";
      const problem = c.problem.value;
      const x0 = c.x0.value;
      const result = run({ problem, x0: [x0], ...s });
      if (problem === "wall") {
        c.alpha.mark([
          { value: (2 / (2 + 12 * x0 * x0)) * b, label: `2${momentum}/f''(x₀)`, short: "2/f″(x₀)" },
          { value: b, label: `2${momentum}/f''(0)`, short: "2/f″(0)" },
        ]);
        drawCurve(views.curve, result, {
          range: [-4, 4],
          f: (x) => PROBLEMS.wall.loss([x]),
          xLabel: "x",
          yLabel: "f(x)",
        });
      } else {
        c.alpha.mark([{ value: (2 * b) / 2500, label: `2${momentum}/L''(1)`, short: "2/L″(1)" }]);
        drawCurve(views.curve, result, {
          range: [0.8, 1.2],
          f: (w) => PROBLEMS.cliff.loss([w]),
          log: true,
          xLabel: "w",
          yLabel: "L(w)",
        });
      }
      views.caption.textContent = this.problems[problem].label;
      const target = PROBLEMS[problem].minimizer;
      const error = result.params.map(([x]) => Math.abs(x - target[0]));
      drawLog(views.error, [{ values: error, nonfinite: result.firstNonfinite, cls: "gx-a", label: "", row: 0 }], "");
      return { runs: { [problem]: result }, status: summary(result, target) };
    },
  },
};

/** A slider for the spec `range` ({min, max, step, start, digits}), rounded to `digits`. */
function rangeSlider(parent, key, label, range) {
  return slider(parent, {
    key,
    label,
    min: range.min,
    max: range.max,
    step: range.step,
    value: range.start,
    toValue: round(range.digits),
    show: (v) => v.toFixed(range.digits),
  });
}

function build(root) {
  const name = root.dataset.gdguideExplorer;
  const spec = EXPLORERS[name];
  root.replaceChildren();
  root.classList.remove("gx-pending");
  root.classList.add("gx");
  const controls = el("div", { class: "gx-controls" });
  const presets = el("div", { class: "gx-presets", role: "group", "aria-label": TEXT.presets });
  const plots = el("div", { class: "gx-plots" });
  root.append(el("p", { class: "gx-presets-title", text: TEXT.presets }), presets, controls, plots);
  const c = {};
  if (spec.problems) {
    const options = Object.entries(spec.problems).map(([key, problem]) => [key, problem.label]);
    c.problem = radios(controls, { key: "problem", legend: TEXT.problem, options, value: options[0][0] });
  }
  c.alpha = rangeSlider(controls, "alpha", TEXT.alpha, spec.alpha);
  const clipOptions = [
    ["none", TEXT.none],
    ["value", TEXT.value],
    ["norm", TEXT.norm],
  ];
  c.clip = radios(controls, { key: "clip", legend: TEXT.clip, options: clipOptions, value: "none" });
  c.c = slider(controls, {
    key: "c",
    label: TEXT.c,
    min: -2,
    max: 3,
    step: 0.01,
    value: spec.clipThreshold,
    ...logControl,
  });
  c.beta = slider(controls, {
    key: "beta",
    label: TEXT.beta,
    min: 0,
    max: 0.95,
    step: 0.05,
    value: 0,
    toValue: round(2),
    show: (v) => v.toFixed(2),
  });
  if (spec.start) c.x0 = rangeSlider(controls, "x0", TEXT.start, spec.start);
  c.steps = slider(controls, {
    key: "steps",
    label: TEXT.steps,
    min: 10,
    max: 1000,
    step: 10,
    value: spec.steps,
    toValue: round(0),
    show: (v) => String(v),
  });

  // The code page's explorer: each problem has its own alpha and start ranges.
  let shownProblem = null;
  function useProblem(problem, reset) {
    if (problem === shownProblem) return;
    shownProblem = problem;
    for (const [key, range] of [
      ["alpha", spec.problems[problem].alpha],
      ["x0", spec.problems[problem].start],
    ]) {
      c[key].range(range.min, range.max, range.step);
      if (reset) c[key].set(range.start);
    }
  }
  if (spec.problems) {
    useProblem(c.problem.value, false);
    for (const input of c.problem.inputs) input.addEventListener("input", () => useProblem(input.value, true));
  }

  const status = el("p", { class: "gx-status", "aria-live": "polite" });
  const views = spec.panels(plots);
  root.append(status);

  function update() {
    const started = performance.now();
    for (const control of Object.values(c)) control.render();
    const settings = {
      alpha: c.alpha.value,
      clip: c.clip.value,
      c: c.c.value,
      beta: c.beta.value,
      steps: c.steps.value,
    };
    c.c.input.disabled = settings.clip === "none";
    const shown = spec.update(views, c, settings);
    LAST[name] = shown.runs;
    status.textContent = shown.status;
    root.dataset.updateMs = (performance.now() - started).toFixed(2);
  }

  for (const [preset, values] of Object.entries(spec.presets)) {
    const button = el("button", {
      type: "button",
      class: "gx-preset",
      "data-preset": preset,
      text: TEXT.preset[preset],
    });
    button.addEventListener("click", () => {
      if (values.problem) {
        c.problem.set(values.problem);
        useProblem(values.problem, false);
      }
      for (const [k, v] of Object.entries(values)) c[k].set(v);
      update();
    });
    presets.append(button);
  }
  controls.addEventListener("input", update);
  controls.addEventListener("change", update);
  update();
}

window.gdguideExplorer = {
  /** The runs computed at the last update of explorer `name` ("regression" or "cliffs"). */
  lastRun: (name) => LAST[name],
};

// Build an explorer only when the reader comes near it: its first run and drawing take a few
// hundred milliseconds on a slow phone, which would otherwise block the page while it loads.
const roots = document.querySelectorAll("[data-gdguide-explorer]");
if ("IntersectionObserver" in window) {
  const near = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        near.unobserve(entry.target);
        build(entry.target);
      }
    },
    { rootMargin: "600px 0px" },
  );
  for (const root of roots) {
    root.classList.add("gx-pending");
    root.replaceChildren(el("p", { text: TEXT.loading }));
    near.observe(root);
  }
} else {
  for (const root of roots) build(root);
}
