"""The built site: `mkdocs build --strict` of both languages (once per session), then scans of it.

- every page: the right `<html lang>`, nothing loaded from another host (script, style, font, image,
  frame, CSS `url()`), no raw notebook JSON, math already rendered by KaTeX (no math JavaScript);
- the language switch of every page points at the same page in the other language;
- each language has its own search index; Chinese terms find Chinese pages the way Material's
  search worker segments a query;
- the API reference renders every public gdguide name in both languages, with working autorefs;
- scripts/serve_site.py serves both languages (and each language's 404 page) from one folder.
"""

from __future__ import annotations

import functools
import json
import posixpath
import re
import threading
from html.parser import HTMLParser
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest
from gdguide_site.serve import SiteHandler

import gdguide

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
HAN = re.compile(r"[\u4e00-\u9fff]")
LOADING_ATTRIBUTES = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "image": ("href",),
    "use": ("href",),
}
NOT_LOADED_LINKS = {"canonical", "alternate", "prev", "next"}  # <link rel> a browser does not fetch
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")


class Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def tags_of(path: Path) -> Tags:
    parser = Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def page_lang(site: Path, page: Path) -> str:
    return "en" if page.relative_to(site).parts[0] == "en" else "zh"


def is_external(url: str) -> bool:
    return url.startswith("//") or bool(urlsplit(url.strip()).scheme in {"http", "https", "ftp"})


def test_strict_build_of_both_languages_succeeds(built_site):
    for lang, index in {
        "zh": built_site / "index.html",
        "en": built_site / "en" / "index.html",
    }.items():
        assert index.is_file(), lang
        assert (index.parent / "search" / "search_index.json").is_file(), lang
        assert (index.parent / "api" / "index.html").is_file(), lang


def test_every_page_declares_its_language(built_site):
    for page in html_pages(built_site):
        html_tag = next(attrs for tag, attrs in tags_of(page).tags if tag == "html")
        assert html_tag.get("lang") == page_lang(built_site, page), page


def test_nav_titles_are_in_the_page_language(built_site):
    for lang, index in {
        "zh": built_site / "index.html",
        "en": built_site / "en" / "index.html",
    }.items():
        text = index.read_text(encoding="utf-8")
        nav = re.search(
            r'<nav class="md-nav md-nav--primary".*?</nav>\s*</div>', text, re.DOTALL
        ).group(0)
        titles = [
            t.strip()
            for t in re.findall(r'<span class="md-ellipsis">\s*(.*?)\s*</span>', nav, re.DOTALL)
        ]
        titles = [re.sub(r"<[^>]+>", "", t).strip() for t in titles if t.strip()]
        assert titles, lang
        for title in titles:
            assert bool(HAN.search(title)) == (lang == "zh"), (lang, title)


def test_no_page_loads_anything_from_another_host(built_site):
    site_host = urlsplit(gdguide_site_url()).netloc
    problems = []
    for page in html_pages(built_site):
        parsed = tags_of(page)
        for tag, attrs in parsed.tags:
            for name in LOADING_ATTRIBUTES.get(tag, ()):
                urls = (
                    re.split(r",\s*", attrs.get(name) or "")
                    if name == "srcset"
                    else [attrs.get(name) or ""]
                )
                for url in urls:
                    if not is_external(url):
                        continue
                    rel = set((attrs.get("rel") or "").split())
                    if (
                        tag == "link"
                        and rel <= NOT_LOADED_LINKS
                        and urlsplit(url).netloc == site_host
                    ):
                        continue
                    problems.append(f"{page.relative_to(built_site)}: <{tag} {name}={url}>")
            if "style" in attrs:
                parsed.styles.append(attrs["style"])
        for css in parsed.styles:
            problems += [
                f"{page.relative_to(built_site)}: css {u}" for u in css_urls(css) if is_external(u)
            ]
    for css_file in built_site.rglob("*.css"):
        problems += [
            f"{css_file.relative_to(built_site)}: {u}"
            for u in css_urls(css_file.read_text(encoding="utf-8"))
            if is_external(u)
        ]
    assert problems == []


def css_urls(css: str) -> list[str]:
    return [a or b for a, b in CSS_URL.findall(css)]


def gdguide_site_url() -> str:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    return re.search(r'site_url: !ENV \[GDGUIDE_SITE_URL, "([^"]+)"\]', text).group(1)


def test_local_css_urls_resolve(built_site):
    missing = []
    for css_file in built_site.rglob("*.css"):
        for url in css_urls(css_file.read_text(encoding="utf-8")):
            if url.startswith(("data:", "#")) or is_external(url):
                continue
            if not (css_file.parent / url.split("?")[0].split("#")[0]).exists():
                missing.append(f"{css_file.relative_to(built_site)}: {url}")
    assert missing == []


def test_no_page_is_raw_notebook_json(built_site):
    for page in html_pages(built_site):
        text = page.read_text(encoding="utf-8")
        assert '"cell_type"' not in text and '"nbformat"' not in text, page


def test_figures_keep_their_place_load_lazily_and_open_alone(built_site):
    # A figure without a size moves the text below it when it arrives (layout shift); one
    # loaded eagerly delayed the first paragraph's paint on the code page (Lighthouse LCP);
    # on a phone a tap on it must open the figure alone, where it can be zoomed.
    images = re.compile(r"<img\b[^>]*>")
    linked = re.compile(r'<a class="[^"]*gdguide-figure-link[^"]*" href="([^"]+)"><img\b([^>]*)>')
    found = 0
    for page in html_pages(built_site):
        text = page.read_text(encoding="utf-8")
        figures = [tag for tag in images.findall(text) if re.search(r'src="[^"]+\.(svg|png)"', tag)]
        wrapped = {src: attributes for src, attributes in linked.findall(text)}
        for tag in figures:
            src = re.search(r'src="([^"]+)"', tag)[1]
            assert src in wrapped, f"{page}: {src} is not a link to itself"
            assert re.search(r'width="\d+" height="\d+"', tag), f"{page}: {src} has no size"
            assert 'loading="lazy"' in tag, f"{page}: {src} loads eagerly"
            found += 1
    assert found >= 20  # the code page alone has 8 per language


def test_math_is_rendered_at_build_time_without_math_javascript(built_site):
    rendered = 0
    for page in html_pages(built_site):
        text = page.read_text(encoding="utf-8")
        assert 'class="arithmatex">\\(' not in text and 'class="arithmatex">\\[' not in text, page
        assert not re.search(r"<script[^>]*(mathjax|katex)", text, re.IGNORECASE), page
        if 'class="katex"' in text:
            rendered += 1
            css = [
                attrs["href"]
                for tag, attrs in tags_of(page).tags
                if tag == "link" and attrs.get("href", "").endswith("katex/katex.min.css")
            ]
            assert len(css) == 1 and (page.parent / css[0]).resolve().is_file(), page
    assert rendered >= 4  # both home pages and both notebook pages have math
    for root in (built_site, built_site / "en"):
        assert (root / "assets" / "katex" / "katex.min.css").is_file()
        assert list((root / "assets" / "katex" / "fonts").glob("*.woff2"))


def linked_page(site: Path, page: Path, href: str) -> Path:
    target = posixpath.normpath(posixpath.join(str(page.parent.relative_to(site)), href))
    target_path = site / target
    return target_path / "index.html" if not target.endswith(".html") else target_path


def test_language_switch_keeps_the_reader_on_the_same_page(built_site):
    checked = 0
    for page in html_pages(built_site):
        if page.name == "404.html":
            continue
        lang = page_lang(built_site, page)
        inside = page.relative_to(built_site if lang == "zh" else built_site / "en")
        links = {
            attrs["hreflang"]: attrs["href"]
            for tag, attrs in tags_of(page).tags
            if tag == "a" and "md-select__link" in (attrs.get("class") or "")
        }
        assert set(links) == {"zh", "en"}, page
        for other, href in links.items():
            target = linked_page(built_site, page, href)
            expected = (built_site if other == "zh" else built_site / "en") / inside
            assert target.resolve() == expected.resolve(), (page, other, href)
            assert expected.is_file(), expected
        checked += 1
    assert checked >= 6


def search_index(root: Path) -> dict:
    return json.loads((root / "search" / "search_index.json").read_text(encoding="utf-8"))


def material_segments(query: str, terms: set[str]) -> set[str]:
    """Material 9.8's search worker: split a run of Han characters into indexed terms (`fe`)."""
    n = len(query)
    longest = [0] * n
    for s in range(n):
        for o in range(s + 1, n):
            if query[s:o] in terms:
                longest[s] = o - s
    found, stack = set(), [0]
    while stack:
        o = stack.pop()
        for u in range(1, longest[o]):
            if longest[o + u] > longest[o] - u:
                found.add(query[o : o + u])
                stack.append(o + u)
        a = o + longest[o]
        if a < n and longest[a] and a < n - 1:
            stack.append(a)
        found.add(query[o:a])
    return {query} if "" in found else found


@pytest.mark.parametrize("query", ["梯度裁剪", "学习率"])
def test_chinese_search_terms_find_chinese_pages(built_site, query):
    index = search_index(built_site)
    separator = re.compile(index["config"]["separator"])
    docs = [d for d in index["docs"] if d["text"] or d["title"]]
    tokens = {
        d["location"]: {t.lower() for t in separator.split(d["title"] + " " + d["text"]) if t}
        for d in docs
    }
    vocabulary = set().union(*tokens.values())
    terms = material_segments(query, vocabulary)
    hits = [
        loc
        for loc, words in tokens.items()
        if all(any(w.startswith(term) for w in words) for term in terms)
    ]
    assert hits, (query, terms)
    assert "\u200b" in "".join(d["text"] for d in docs)  # jieba segmented the text at build time


def test_each_language_has_its_own_search_index(built_site):
    zh, en = search_index(built_site), search_index(built_site / "en")
    assert re.split(zh["config"]["separator"], "梯度\u200b裁剪") == ["梯度", "裁剪"]
    assert re.split(en["config"]["separator"], "gradient clipping") == ["gradient", "clipping"]
    assert any(HAN.search(d["title"]) for d in zh["docs"])
    page_titles = [
        d["title"] for d in en["docs"] if "#" not in d["location"]
    ]  # pages, not sections
    assert page_titles and not any(HAN.search(title) for title in page_titles)
    assert not any(d["location"].startswith("en/") for d in zh["docs"])


API_MODULES = [
    "clipping",
    "descent",
    "optimizers",
    "stability",
    "problems",
    "nets",
    "layers",
    "monitor",
    "diagnose",
    "robustness",
    "stochastic",
    "plotting",
]


def api_page_ids(site: Path) -> dict[str, set[str]]:
    """Element ids of every API page of one language: {"api/": ..., "api/clipping/": ...}."""
    return {
        page.parent.relative_to(site).as_posix() + "/": {
            attrs.get("id") for tag, attrs in tags_of(page).tags if attrs.get("id")
        }
        for page in sorted((site / "api").rglob("index.html"))
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_api_reference_renders_every_public_name(built_site, lang):
    pages = api_page_ids(built_site if lang == "zh" else built_site / "en")
    assert set(pages) == {"api/"} | {f"api/{module}/" for module in API_MODULES}
    # One page per module (`::: gdguide.<module>`): every public name is rendered on its module's
    # page, at the anchor `gdguide.<module>.<name>`, and on no other API page.
    misplaced = {}
    public = {name: getattr(gdguide, name).__module__ for name in gdguide.__all__}
    public |= {name: "gdguide.plotting" for name in gdguide.plotting.__all__}
    for name, module in public.items():
        module = module.removeprefix("gdguide.")
        found = [page for page, ids in pages.items() if f"gdguide.{module}.{name}" in ids]
        if found != [f"api/{module}/"]:
            misplaced[name] = found
    assert misplaced == {}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cross_references_resolve_to_the_same_language_api_page(built_site, lang):
    site = built_site if lang == "zh" else built_site / "en"
    hrefs = [
        attrs.get("href", "") for tag, attrs in tags_of(site / "index.html").tags if tag == "a"
    ]
    # `[clip_by_global_norm][gdguide.clip_by_global_norm]` (the public path) lands on the module's
    # page, at the anchor mkdocstrings gives the object there.
    assert "api/clipping/#gdguide.clipping.clip_by_global_norm" in hrefs
    assert "gdguide.clipping.clip_by_global_norm" in api_page_ids(site)["api/clipping/"]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode("utf-8")
    except HTTPError as error:
        return error.code, error.read().decode("utf-8")


def test_serve_script_serves_both_languages_and_their_404_pages(built_site):
    handler = functools.partial(SiteHandler, directory=str(built_site))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            expected = {
                "/": (200, "zh"),
                "/en/": (200, "en"),
                "/en/api/": (200, "en"),
                "/en/api/clipping/": (200, "en"),
                "/no-such-page/": (404, "zh"),
                "/en/no-such-page/": (404, "en"),
            }
            for path, (status, lang) in expected.items():
                code, body = fetch(base + path)
                assert code == status, path
                assert f'<html lang="{lang}"' in body, path
        finally:
            server.shutdown()
