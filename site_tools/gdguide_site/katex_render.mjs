// Renders TeX to HTML with KaTeX for the hook docs/hooks/gdguide_katex.py: one process per site build.
// Protocol: one JSON request per line on stdin, {"items": [{"tex": "...", "display": bool}, ...]};
// one JSON answer per line on stdout, {"results": [{"html": "..."} | {"error": "..."}, ...]}, where
// each result may also carry "warnings" (KaTeX strict-mode findings, which fail a strict build).
import { createRequire } from "node:module";
import { createInterface } from "node:readline";

const require = createRequire(import.meta.url);
const katex = require(process.argv[2] || "katex");

function render({ tex, display }) {
  const warnings = [];
  try {
    const html = katex.renderToString(tex, {
      displayMode: Boolean(display),
      throwOnError: true,
      output: "htmlAndMathml", // MathML for screen readers, HTML for the eye
      strict: (code, message) => {
        warnings.push(`${code}: ${message}`);
        return "ignore";
      },
    });
    return warnings.length ? { html, warnings } : { html };
  } catch (err) {
    return { error: String(err.message || err) };
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  if (!line.trim()) return;
  const { items } = JSON.parse(line);
  process.stdout.write(`${JSON.stringify({ results: items.map(render) })}\n`);
});
