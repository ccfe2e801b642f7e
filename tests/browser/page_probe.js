// What the browser tests read off a loaded page (tests/browser/test_browser_site.py evaluates this once per
// page, before the search dialog or anything else changes the DOM). Returns plain JSON.
async () => {
  const HAN = /[\u3400-\u9fff\uf900-\ufaff]/;
  const visible = (el) => {
    const style = getComputedStyle(el);
    return style.display !== "none" && style.visibility !== "hidden";
  };

  // Images: load lazy ones now (a reader scrolling would), then wait until each is decoded.
  const images = [...document.images];
  for (const img of images) img.loading = "eager";
  await Promise.all(images.map((img) => img.decode().catch(() => null)));
  await document.fonts.ready;

  // Headings of the page itself (Material's search results, rendered later, have h1/h2 too).
  const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")]
    .filter((h) => !h.closest(".md-search"))
    .map((h) => ({ level: Number(h.tagName[1]), text: h.textContent.trim().slice(0, 80) }));

  // Visible text outside code and rendered math: raw TeX delimiters would show up here.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode(node) {
      const parent = node.parentElement;
      if (!parent || parent.closest("pre, code, kbd, script, style, .katex, .md-search")) {
        return NodeFilter.FILTER_REJECT;
      }
      return NodeFilter.FILTER_ACCEPT;
    },
  });
  const rawMath = [];
  const RAW =
    /\\\(|\\\)|\\\[|\\\]|\$\$|\$[^$\s][^$]*?[^\\\s]\$|\\(?:frac|sum|alpha|lambda|theta|nabla|mathbf|operatorname)\b/;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const match = node.data.match(RAW);
    if (match) rawMath.push(node.data.trim().slice(0, 120));
  }

  // Exercise solutions: details blocks whose summary is exactly 解答 (zh) or Solution (en).
  const solutions = [...document.querySelectorAll("details")].filter((d) =>
    ["解答", "Solution"].includes(d.querySelector(":scope > summary")?.textContent.trim()),
  );
  const solutionNumber = (div) => {
    const index = solutions.findIndex((d) => d.contains(div));
    return index < 0 ? null : index;
  };

  // Code blocks: language (pymdownx.highlight's `language-*` class), token spans, token colours.
  const blocks = [...document.querySelectorAll("div.highlight")]
    .filter((div) => div.querySelector(":scope > pre > code"))
    .map((div) => {
      const code = div.querySelector(":scope > pre > code");
      const language = ([...div.classList].find((c) => c.startsWith("language-")) || "").slice(9);
      const base = getComputedStyle(code).color;
      const tokens = [...code.querySelectorAll("span[class]")];
      const coloured = tokens.filter((span) => getComputedStyle(span).color !== base).length;
      const previous = div.previousElementSibling;
      const next = div.nextElementSibling;
      return {
        id: code.parentElement.id,
        language,
        text: code.textContent,
        tokens: tokens.length,
        coloured,
        notRun: Boolean(previous?.matches(".admonition.not-run, details.not-run")),
        output: next?.matches("div.highlight.language-output") ? next.querySelector("code").textContent : null,
        // An exercise solution (a details block titled exactly 解答 / Solution): its number on the
        // page, or null. Its blocks run on their own, not with the page's.
        solution: solutionNumber(div),
        notebook: Boolean(div.closest(".jp-Cell")),
        hasCopyButton: Boolean(div.querySelector(".md-code__button[data-md-type=copy]")),
      };
    });

  // Notebook cells: inputs, text outputs and rich (figure) outputs, per code cell.
  const cells = [...document.querySelectorAll(".jp-Cell.jp-CodeCell")]
    .filter((cell) => !cell.parentElement.closest(".jp-Cell")) // nbconvert nests a second one
    .map((cell) => ({
      hasInput: Boolean(cell.querySelector(".language-python.highlight code")),
      streams: [...cell.querySelectorAll(".jp-OutputArea-output")]
        .filter((o) => !o.matches(".jp-OutputArea-executeResult") && o.matches(".jp-RenderedText"))
        .map((o) => (o.querySelector("pre") || o).textContent),
      results: [...cell.querySelectorAll(".jp-OutputArea-output.jp-OutputArea-executeResult")].map((o) => ({
        mime: o.getAttribute("data-mime-type"),
        svg: Boolean(o.querySelector("svg")),
        img: Boolean(o.querySelector("img")),
        width: Math.round(o.getBoundingClientRect().width),
        height: Math.round(o.getBoundingClientRect().height),
        text: o.textContent.slice(0, 200),
      })),
    }));

  // Math fonts: the characters each KaTeX family/weight/style draws (the font subsets must have
  // every one; the cascade here is the browser's own, not the build's reading of KaTeX's CSS).
  const mathFonts = {};
  for (const root of document.querySelectorAll(".katex-html")) {
    const texts = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = texts.nextNode(); node; node = texts.nextNode()) {
      const style = getComputedStyle(node.parentElement);
      const family = style.fontFamily.split(",")[0].replace(/["']/g, "").trim();
      const key = [family, style.fontWeight, style.fontStyle].join("|");
      mathFonts[key] = mathFonts[key] || new Set();
      for (const character of node.data) mathFonts[key].add(character);
    }
  }

  return {
    url: location.href,
    lang: document.documentElement.lang,
    title: document.title,
    h1: document.querySelectorAll("h1").length,
    headings,
    rawMath,
    katex: document.querySelectorAll(".katex").length,
    katexDisplay: document.querySelectorAll(".katex-display").length,
    mathFonts: Object.fromEntries(Object.entries(mathFonts).map(([key, set]) => [key, [...set].sort().join("")])),
    katexCss: [...document.styleSheets].some((s) => (s.href || "").endsWith("katex/katex.min.css")),
    blocks,
    cells,
    // biome-ignore lint/performance/useDomNodeTextContent: what a reader sees, not hidden text
    notebookJson: document.body.innerText.includes('"cell_type"'),
    images: images.map((img) => ({
      src: img.getAttribute("src"),
      alt: img.getAttribute("alt"),
      loaded: img.complete && img.naturalWidth > 0,
      shown: visible(img),
      width: img.naturalWidth,
      hasHan: HAN.test(img.getAttribute("alt") || ""),
    })),
    inlineSvgFigures: [...document.querySelectorAll(".jp-OutputArea-output svg")].map((svg) => ({
      label: svg.getAttribute("aria-label") || svg.querySelector("title")?.textContent || "",
      role: svg.getAttribute("role"),
    })),
  };
};
