// Numerics of the gdguide explorers: the same floating-point operations, in the same order, as
// gdguide.gradient_descent with ClipByValue / ClipByNorm and gdguide.Momentum (float64).
//
// numpy hands some operations to OpenBLAS, whose x86-64 kernels use fused multiply-adds:
//   - the 2-element dot product inside ClipByNorm's norm is fma(g1, g1, g0 * g0);
//   - the regression gradient's X^T r is a chain of fmas (orders below, measured with numpy 2.4 +
//     OpenBLAS on AVX2/AVX-512 CPUs and checked by tests/browser/test_explorer_browser.py).
// JavaScript has no fma, so `fma` below computes the exactly rounded a * b + c in software
// (Boldo & Melquiond's emulation with rounding to odd; an exact BigInt path outside its range).
// Integer powers (x**3, w**50, w**49) are correctly rounded here; numpy's power may be off by one
// ulp on CPUs where it uses SIMD math (SVML), which stays far below the tests' 1e-12.

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer); // little-endian: U32[0] low word, U32[1] high word
const SPLITTER = 134217729; // 2**27 + 1 (Dekker)

function twoSum(a, b) {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

function split(a) {
  const t = SPLITTER * a;
  const hi = t - (t - a);
  return [hi, a - hi];
}

function twoProd(a, b) {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

/** a + b rounded to odd (the neighbour with an odd last bit when the sum is inexact). */
function addRoundToOdd(a, b) {
  const [s, e] = twoSum(a, b);
  if (e === 0) return s;
  F64[0] = s;
  if (U32[0] & 1) return s;
  if (e > 0 === s > 0) {
    U32[0] += 1; // even low word: no carry
  } else if (U32[0] === 0) {
    U32[0] = 0xffffffff;
    U32[1] -= 1;
  } else {
    U32[0] -= 1;
  }
  return F64[0];
}

const TWO_450 = 2 ** 450;
const TWO_M450 = 2 ** -450;
const TWO_900 = 2 ** 900;
const TWO_M900 = 2 ** -900;

function inFastRange(v) {
  const m = Math.abs(v);
  return m <= TWO_450 && m >= TWO_M450;
}

/** Exactly rounded a * b + c (IEEE 754 fusedMultiplyAdd, round to nearest even). */
export function fma(a, b, c) {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a * b + c;
  if (!Number.isFinite(c)) return c;
  if (a === 0 || b === 0) return a * b + c;
  if (c === 0) return a * b;
  const mc = Math.abs(c);
  if (!inFastRange(a) || !inFastRange(b) || mc > TWO_900 || mc < TWO_M900) {
    return fmaExact(a, b, c);
  }
  const [uh, ul] = twoProd(a, b);
  const [th, tl] = twoSum(c, uh);
  return th + addRoundToOdd(tl, ul);
}

function decompose(v) {
  // v = sign * m * 2**e with m a BigInt
  F64[0] = v;
  const hi = U32[1];
  const lo = U32[0];
  const expField = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e;
  if (expField === 0) {
    e = -1074;
  } else {
    m |= 1n << 52n;
    e = expField - 1075;
  }
  return [hi >>> 31 ? -m : m, e];
}

function bitLength(m) {
  return m.toString(2).length;
}

function roundBig(m, e) {
  // the double nearest to m * 2**e (ties to even)
  if (m === 0n) return 0;
  const negative = m < 0n;
  if (negative) m = -m;
  const length = bitLength(m);
  if (length - 1 + e > 1023) return negative ? -Infinity : Infinity;
  const shift = Math.max(length - 53, -1074 - e);
  let q = m;
  if (shift > 0) {
    const big = BigInt(shift);
    q = m >> big;
    const rem = m - (q << big);
    const half = 1n << (big - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    e += shift;
  } else if (shift < 0 && e > -1074) {
    // m has fewer than 53 bits: exact
  }
  let x = Number(q);
  if (e >= -1022) {
    x *= 2 ** Math.min(e, 1023);
    if (e > 1023) x *= 2 ** (e - 1023);
  } else {
    x = x * 2 ** (e + 1074) * 2 ** -1074;
  }
  return negative ? -x : x;
}

function fmaExact(a, b, c) {
  const [ma, ea] = decompose(a);
  const [mb, eb] = decompose(b);
  const [mc, ec] = decompose(c);
  const mp = ma * mb;
  const ep = ea + eb;
  const e = Math.min(ep, ec);
  const sum = (mp << BigInt(ep - e)) + (mc << BigInt(ec - e));
  if (sum === 0n) return a * b + c; // exact zero: IEEE's sign rules
  return roundBig(sum, e);
}

function ddMul(ah, al, bh, bl) {
  const [p, e] = twoProd(ah, bh);
  const t = e + (ah * bl + al * bh);
  const s = p + t;
  return [s, t - (s - p)];
}

const TWO_960 = 2 ** 960;
const TWO_M960 = 2 ** -960;

/** x**n for an integer n >= 1, correctly rounded (double-double binary powering). */
export function ipow(x, n) {
  const rough = x ** n;
  const m = Math.abs(rough);
  if (!Number.isFinite(x) || x === 0 || !(m < TWO_960 && m > TWO_M960) || Math.abs(x) > TWO_450) {
    return rough;
  }
  let rh = 1;
  let rl = 0;
  let bh = x;
  let bl = 0;
  let k = n;
  while (k > 0) {
    if (k & 1) [rh, rl] = ddMul(rh, rl, bh, bl);
    k >>= 1;
    if (k) [bh, bl] = ddMul(bh, bl, bh, bl);
  }
  return rh + rl;
}

// ------------------------------------------------------------------------------------------
// problems: grad(x) and loss(x) on arrays of numbers, written as gdguide/problems.py computes them

const XS = [1, 2, 3, 4, 5];
const YS = [1, 3, 5, 7, 9]; // y = 2x - 1 (gdguide.article_regression)

function residuals2(t) {
  // (design @ theta - y) with design rows [1, x_i]: 1*t0 + x_i*t1 (no fma in numpy's row product)
  return XS.map((x, i) => 1 * t[0] + x * t[1] - YS[i]);
}

function column2(d, r) {
  // OpenBLAS dgemv for design.T @ r (5 rows): fma(d4, r4, fma(d0, r0, d1*r1) + fma(d2, r2, d3*r3))
  return fma(d[4], r[4], fma(d[0], r[0], d[1] * r[1]) + fma(d[2], r[2], d[3] * r[3]));
}

function sumSquares(r) {
  let s = 0;
  for (const v of r) s += v * v;
  return s;
}

export const PROBLEMS = {
  // the article's data with an intercept: theta = (intercept, slope), sum loss
  regression2: {
    dim: 2,
    minimizer: [-1, 2],
    grad(t) {
      const r = residuals2(t);
      return [2 * column2([1, 1, 1, 1, 1], r), 2 * column2(XS, r)];
    },
    loss: (t) => sumSquares(residuals2(t)),
  },
  // the article's own model, no intercept
  regression1: {
    dim: 1,
    minimizer: [19 / 11],
    grad(t) {
      const r = XS.map((x, i) => x * t[0] - YS[i]);
      let acc = XS[0] * r[0];
      for (let i = 1; i < 5; i++) acc = fma(XS[i], r[i], acc);
      return [2 * acc];
    },
    loss: (t) => sumSquares(XS.map((x, i) => x * t[0] - YS[i])),
  },
  // gdguide.Wall: x^2 + x^4
  wall: {
    dim: 1,
    minimizer: [0],
    grad: (x) => [2 * x[0] + 4 * ipow(x[0], 3)],
    loss(x) {
      const square = x[0] * x[0];
      return square + square * square;
    },
  },
  // gdguide.RecurrentCliff(): T = 50, x0 = 1, target 1
  cliff: {
    dim: 1,
    minimizer: [1],
    grad(w) {
      const residual = 1 * ipow(w[0], 50) - 1;
      return [residual * 1 * 50 * ipow(w[0], 49)];
    },
    loss(w) {
      const residual = 1 * ipow(w[0], 50) - 1;
      return 0.5 * (residual * residual);
    },
  },
};

// ------------------------------------------------------------------------------------------
// clipping, as gdguide.clipping computes it

const TINY_OVER_EPS = 2.2250738585072014e-308 / 2.220446049250313e-16;

function dotSelf(g) {
  // numpy.dot(g, g) through OpenBLAS ddot: g0*g0, then fma for the next entries
  let s = g[0] * g[0];
  for (let i = 1; i < g.length; i++) s = fma(g[i], g[i], s);
  return s;
}

/** ClipByNorm's L2 norm (gdguide.clipping._l2_norm): rescaled when the squares over/underflow. */
export function l2Norm(g) {
  const squares = 0 + dotSelf(g);
  if (Number.isNaN(squares)) return NaN;
  if (squares >= TINY_OVER_EPS && squares < Infinity) return Math.sqrt(squares);
  let biggest = 0;
  for (const v of g) biggest = Math.max(biggest, Math.abs(v));
  if (biggest === 0 || !Number.isFinite(biggest)) return biggest;
  return biggest * Math.sqrt(dotSelf(g.map((v) => v / biggest)));
}

export function clipGradient(g, kind, c) {
  if (kind === "value") return g.map((v) => Math.min(Math.max(v, -c), c));
  if (kind === "norm") {
    const total = l2Norm(g);
    const coef = Number.isNaN(total) ? NaN : total <= c ? 1 : c / total;
    return coef >= 1 ? g.slice() : g.map((v) => v * coef);
  }
  return g;
}

// ------------------------------------------------------------------------------------------
// the runner (gdguide.descent.gradient_descent; heavy ball = gdguide.Momentum, dampening 0)

/**
 * Run `steps` updates from `x0`. Returns params (steps + 1 iterates), losses, the pre-clip
 * gradient norms, how many steps the clip changed, and first_nonfinite_step as gdguide defines it.
 */
export function run({ problem, x0, alpha, clip = "none", c = 1, beta = 0, steps }) {
  const p = PROBLEMS[problem];
  let x = x0.slice();
  let buffer = null;
  const params = [x];
  const losses = [];
  const gradNorms = [];
  let clippedCount = 0;
  let firstNonfinite = null;
  for (let k = 0; k < steps; k++) {
    losses.push(p.loss(x));
    const g = p.grad(x);
    const used = clipGradient(g, clip, c);
    gradNorms.push(Math.hypot(...g));
    if (used !== g && used.some((v, i) => !(v === g[i] || (Number.isNaN(v) && Number.isNaN(g[i]))))) {
      clippedCount += 1;
    }
    if (firstNonfinite === null && !(x.every(Number.isFinite) && g.every(Number.isFinite))) {
      firstNonfinite = k;
    }
    let step = used;
    if (beta > 0) {
      buffer = buffer === null ? used.slice() : buffer.map((v, i) => v * beta + used[i]);
      step = buffer;
    }
    x = x.map((v, i) => v - alpha * step[i]);
    params.push(x);
  }
  losses.push(p.loss(x));
  if (firstNonfinite === null && !x.every(Number.isFinite)) firstNonfinite = steps;
  return { problem, x0, alpha, clip, c, beta, steps, params, losses, gradNorms, clippedCount, firstNonfinite };
}
