"""The gdguide site's own tooling (not part of the gdguide library or its wheel).

The order in which the MkDocs hooks run, and what each does, is in docs/hooks/README.md.

| module | what |
|---|---|
| `build` | both languages' strict `mkdocs build`, swapped into `site/` (scripts/build_site.py) |
| `serve` | serve `site/` like a static host, rebuild on changes (scripts/serve_site.py) |
| `options` | `extra.gdguide` / `extra.alternate`: every key, who writes and who reads it |
| `links` | links from a built page: relative to it, and in its `<head>` (404 page too) |
| `nav` | the nav without pages not written yet |
| `figures` | the pages' figures as SVG (the registry; scripts/make_figures.py) |
| `figure_markup` | a figure's `<a><img width height loading=lazy></a>` |
| `katex_fonts` | which KaTeX font file draws each character (the font subsets) |
| `katex_render.mjs` | the node process that renders TeX with KaTeX |
| `chromium` | how the browser tests and benchmarks start Chromium |
| `page_parser` | the sybil parser of docs pages (blocks, output blocks, not-run, solutions) |
"""
