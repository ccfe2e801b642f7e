"""The pure helpers of the site's hooks (gdguide_site), without building the site.

Relative links and head links (the 404 page included), the nav without unwritten pages, the
language switch's per-page links, the line breaks after Chinese text that are joined, figure
sizes and markup, and the KaTeX CSS selectors and font
matching that decide which glyphs each font subset keeps.
"""

from __future__ import annotations

import struct
from types import SimpleNamespace

import pytest
from gdguide_site.cjk import join_cjk_line_breaks
from gdguide_site.figure_markup import image_size, linked_image
from gdguide_site.katex_fonts import Font, FontMap, parse_selector
from gdguide_site.links import head_tag, link_in_head, page_relative, root_prefix
from gdguide_site.nav import existing_nav
from gdguide_site.options import page_alternates, set_language_roots, site_options

HTML = "<html><head><title>t</title></head><body></body></html>"


def page(url: str):
    return SimpleNamespace(url=url)


def config(site_url: str = "https://example.org/gdguide/", **extra):
    return SimpleNamespace(site_url=site_url, extra=extra)


# --- links ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "page_url", "link"),
    [
        ("", "", "./"),
        ("en/", "", "en/"),
        ("en/code/", "code/", "../en/code/"),
        ("code/", "code/", "../code/"),
        ("", "api/clipping/", "../../"),
        ("../", "", "../"),
        ("../api/", "api/", "../../api/"),
        ("assets/x.css", "faq/", "../assets/x.css"),
    ],
)
def test_page_relative_links_from_each_depth(target, page_url, link):
    assert page_relative(target, page_url) == link


@pytest.mark.parametrize(
    ("url", "prefix"),
    [("", ""), ("code/", "../"), ("api/clipping/", "../../"), ("404.html", "/gdguide/")],
)
def test_root_prefix_is_relative_except_on_the_404_page(url, prefix):
    assert root_prefix(page(url), config()) == prefix


def test_root_prefix_of_the_404_page_without_site_url_is_the_host_root():
    assert root_prefix(page("404.html"), config(site_url=None)) == "/"


def test_link_in_head_adds_stylesheets_and_modules_in_order_before_head_end():
    out = link_in_head(HTML, page("api/clipping/"), config(), "assets/a.css", "assets/b.js")
    assert out == HTML.replace(
        "</head>",
        '<link rel="stylesheet" href="../../assets/a.css">\n'
        '<script type="module" src="../../assets/b.js"></script>\n</head>',
    )


def test_link_in_head_from_the_404_page_uses_the_sites_absolute_path():
    out = link_in_head(HTML, page("404.html"), config("https://example.org/g/en/"), "a.css")
    assert '<link rel="stylesheet" href="/g/en/a.css">\n</head>' in out


def test_link_in_head_touches_only_the_first_head_end():
    html = HTML + "<pre>&lt;/head&gt; </head></pre>"
    assert link_in_head(html, page(""), config(), "a.css").count("a.css") == 1


def test_head_tag_refuses_files_it_cannot_load():
    with pytest.raises(ValueError, match="font.woff2"):
        head_tag("font.woff2")


# --- nav -----------------------------------------------------------------------------------------


def test_existing_nav_leaves_out_unwritten_pages_and_empty_sections(tmp_path):
    (tmp_path / "index.md").write_text("# x")
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "index.md").write_text("# x")
    nav = [
        "index.md",
        "missing.md",
        {"Title": "missing-too.md"},
        {"API": ["api/index.md", "api/missing.md"]},
        {"Empty": ["nothing.md"]},
        {"Link": "https://example.org/"},
    ]
    assert existing_nav(nav, tmp_path) == [
        "index.md",
        {"API": ["api/index.md"]},
        {"Link": "https://example.org/"},
    ]


# --- options: the language switch ----------------------------------------------------------------


def english_build():
    cfg = config(
        "https://example.org/gdguide/",
        gdguide={
            "lang": "en",
            "site_path": "en/",
            "figure_alt": "Figure",
            "notebook_download": "D",
        },
        alternate=[
            {"name": "中文", "lang": "zh", "link": "../"},
            {"name": "English", "lang": "en", "link": "./"},
        ],
    )
    set_language_roots(cfg)
    return cfg


def test_language_roots_set_the_english_site_url_and_sitemap_roots():
    cfg = english_build()
    assert cfg.site_url == "https://example.org/gdguide/en/"
    assert cfg.extra["gdguide"]["alternate_urls"] == {
        "zh": "https://example.org/gdguide/",
        "en": "https://example.org/gdguide/en/",
    }
    assert site_options(cfg).lang == "en"


def test_page_alternates_point_at_the_same_page_in_each_language():
    zh, en = page_alternates(page("api/clipping/"), english_build())
    assert (zh["href"], zh["link"]) == (
        "../../../api/clipping/",
        "https://example.org/gdguide/api/clipping/",
    )
    assert (en["href"], en["link"]) == (
        "../../api/clipping/",
        "https://example.org/gdguide/en/api/clipping/",
    )


def test_page_alternates_of_the_404_page_are_absolute_paths_to_each_home():
    zh, en = page_alternates(page("404.html"), english_build())
    assert (zh["href"], en["href"]) == ("/gdguide/", "/gdguide/en/")


def test_site_options_name_a_missing_key():
    with pytest.raises(KeyError, match="figure_alt"):
        site_options(config(gdguide={"lang": "zh", "notebook_download": "x"}))


# --- figures -------------------------------------------------------------------------------------


def png(width: int, height: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", width, height) + b"\0" * 8


@pytest.mark.parametrize(
    ("data", "size"),
    [
        (png(640, 480), (640, 480)),
        (b'<svg xmlns="x" width="460.8pt" height="273.6pt" viewBox="0 0 460.8 273.6">', (614, 365)),
        (b'<svg width="300px" height="150px">', (300, 150)),
        (b'<svg width="300" height="150">', (300, 150)),
        (b'<svg width="100%" height="50%">', None),
        (b'<svg viewBox="0 0 10 10">', None),
    ],
)
def test_image_size_in_css_pixels(data, size):
    assert image_size(data) == size


def test_linked_image_links_the_file_and_loads_lazily_at_its_size():
    markup = linked_image(
        "../figures/wall.svg", "a &quot;wall&quot;", b'<svg width="30pt" height="15pt">'
    )
    assert markup == (
        '<a class="gdguide-figure-link" href="../figures/wall.svg"><img alt="a &quot;wall&quot;" '
        'src="../figures/wall.svg" width="40" height="20" loading="lazy" decoding="async"></a>'
    )


# --- KaTeX CSS: selectors and font matching ------------------------------------------------------


def chain(*elements: str) -> list[tuple[str, frozenset[str]]]:
    """`"span.katex.mord"` -> ("span", {"katex", "mord"}), root first."""
    out = []
    for element in elements:
        tag, *classes = element.split(".")
        out.append((tag, frozenset(classes)))
    return out


def test_selector_specificity_counts_classes_then_tags():
    assert parse_selector(".katex .mathbf").specificity == (2, 0)
    assert parse_selector(".katex .delimsizing.size2 > span").specificity == (3, 1)


@pytest.mark.parametrize(
    ("selector", "elements", "matches"),
    [
        (".katex .mathbf", ("span.katex", "span.x", "span.mathbf"), True),
        (".katex>.mathbf", ("span.katex", "span.x", "span.mathbf"), False),
        (".katex>.mathbf", ("span.katex", "span.mathbf"), True),
        (".a.b", ("span.a",), False),
        ("span.a", ("div.a",), False),
    ],
)
def test_selector_matches_descendants_and_children(selector, elements, matches):
    assert parse_selector(selector).matches(chain(*elements)) is matches


@pytest.mark.parametrize("selector", ["#id", ".a[title]", ".a:hover", ".a + .b"])
def test_selector_parser_refuses_what_it_does_not_understand(selector):
    with pytest.raises(ValueError, match="not understood"):
        parse_selector(selector)


CSS = (
    "@font-face{font-family:KaTeX_Main;font-style:normal;font-weight:400;"
    "src:url(fonts/KaTeX_Main-Regular.woff2) format('woff2')}"
    "@font-face{font-family:KaTeX_Main;font-style:normal;font-weight:700;"
    "src:url(fonts/KaTeX_Main-Bold.woff2) format('woff2')}"
    "@font-face{font-family:KaTeX_Math;font-style:italic;font-weight:400;"
    "src:url(fonts/KaTeX_Math-Italic.woff2) format('woff2')}"
    ".katex{font:normal 1.21em KaTeX_Main,Times New Roman,serif}"
    ".katex .mathnormal{font-family:KaTeX_Math;font-style:italic}"
    ".katex .mathbf{font-family:KaTeX_Main;font-weight:700}"
)


def test_font_map_picks_the_file_each_character_is_drawn_with():
    fonts = FontMap(CSS)
    html = (
        '<span class="katex"><span class="katex-mathml"><math>q</math></span>'
        '<span class="katex-html"><span class="mathnormal">x</span>+'
        '<span class="mathbf">v</span></span></span>'
    )
    assert fonts.characters(html) == {
        "KaTeX_Math-Italic.woff2": {"x"},
        "KaTeX_Main-Regular.woff2": {"+"},
        "KaTeX_Main-Bold.woff2": {"v"},
    }


def test_font_matching_falls_back_to_the_nearest_weight_and_style():
    fonts = FontMap(CSS)
    assert fonts.face(Font("KaTeX_Main", 600, "italic")) == "KaTeX_Main-Bold.woff2"
    assert fonts.face(Font("KaTeX_Main", 300, "normal")) == "KaTeX_Main-Regular.woff2"
    assert fonts.face(Font("Times", 400, "normal")) is None


# --- content_cache: build results reused only for the same inputs ------------------------------


def test_cached_bytes_makes_once_then_reuses_from_gdguide_cache_dir(tmp_path, monkeypatch):
    from gdguide_site.content_cache import cache_dir, cached_bytes

    monkeypatch.setenv("GDGUIDE_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path
    calls = []

    def make():
        calls.append(1)
        return b"result"

    assert cached_bytes("kind/abc-x.svg", make) == b"result"
    assert cached_bytes("kind/abc-x.svg", make) == b"result"
    assert calls == [1]
    assert (tmp_path / "kind" / "abc-x.svg").read_bytes() == b"result"
    assert not list(tmp_path.rglob("*.tmp"))  # written atomically, nothing left behind


def test_digest_changes_with_any_input(tmp_path):
    from gdguide_site.content_cache import digest, package_files

    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    source = tmp_path / "pkg" / "a.py"
    source.write_text("x = 1\n")
    (tmp_path / "pkg" / "__pycache__" / "a.pyc").write_bytes(b"ignored")
    files = package_files(tmp_path / "pkg")
    assert files == [source]
    first = digest(files, tmp_path, "numpy 2.0")
    assert digest(files, tmp_path, "numpy 2.0") == first
    assert digest(files, tmp_path, "numpy 2.1") != first  # a version
    source.write_text("x = 2\n")
    assert digest(files, tmp_path, "numpy 2.0") != first  # a file's bytes
    source.write_text("x = 1\n")
    renamed = source.with_name("b.py")
    source.rename(renamed)
    assert digest([renamed], tmp_path, "numpy 2.0") != first  # a file's path


def test_figure_svg_is_the_drawn_figure_and_is_redrawn_when_gdguide_changes(tmp_path, monkeypatch):
    from gdguide_site import figures

    monkeypatch.setenv("GDGUIDE_CACHE_DIR", str(tmp_path))
    drawn = figures.draw_svg("wall", "en")
    key = figures.inputs_digest()
    assert figures.figure_svg("wall", "en", key=key) == drawn  # cold: drawn and stored
    monkeypatch.setattr(figures, "draw_svg", lambda name, lang: pytest.fail("not reused"))
    assert figures.figure_svg("wall", "en", key=key) == drawn  # warm: reused
    # any change to the gdguide package is a new key, so the figure is drawn again
    package = tmp_path / "src" / "gdguide"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("x = 1\n")
    monkeypatch.setattr(figures, "gdguide", SimpleNamespace(__file__=str(package / "__init__.py")))
    before = figures.inputs_digest()
    (package / "__init__.py").write_text("x = 2\n")
    assert figures.inputs_digest() != before
    with pytest.raises(ValueError, match="unknown figure 'nope'"):
        figures.figure_svg("nope", "en")


# --- line breaks after Chinese text ------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "joined"),
    [
        ("见下文，\n[链接](x.md)。", "见下文，[链接](x.md)。"),
        ("裁剪后，\n$g$ 的范数不变。", "裁剪后，$g$ 的范数不变。"),
        ("梯度：\n`clip_grad_norm_` 返回范数。", "梯度：`clip_grad_norm_` 返回范数。"),
        ("两个汉字之间\n也会多出空格。", "两个汉字之间也会多出空格。"),
        ("一行；\n二行；\n三行。", "一行；二行；三行。"),
        ("- 列表项，\n  续行。", "- 列表项，续行。"),
        ('!!! note "注"\n    缩进的段落，\n    续行。', '!!! note "注"\n    缩进的段落，续行。'),
    ],
)
def test_line_breaks_after_chinese_text_are_joined(source, joined):
    assert join_cjk_line_breaks(source) == joined


@pytest.mark.parametrize(
    "source",
    [
        "学习率为\n0.01 时收敛。",  # Chinese then Latin or a number: the space is wanted
        "在\nPyTorch 中。",
        "English line,\n中文。",
        "段落。\n\n下一段。",
        "段落，\n- 列表项",
        "段落，\n1. 列表项",
        "段落，\n## 标题 { #t }",
        "## 标题\n正文。",
        "段落，\n> 引用",
        "| 表格，|\n| 表格 |",
        "段落，\n<div>x</div>",
        "段落，\n$$\nx\n$$",
        "模块说明。\n::: gdguide.clipping",
        "缩写，\n*[HVP]: Hessian-vector product",
        "段落，\n```python\nx = 1\n```",
        "硬换行，  \n下一行。",
        "硬换行，\\\n下一行。",
        '```python\nprint("你好，")\nprint("世界")\n```',
        '    ```python\n    s = "中，"\n    t = "文"\n    ```',
        "~~~\n中文，\n中文\n~~~",
        "$$\n\\text{中，}\n\\text{文}\n$$",
        "<div>\n中文，\n中文\n</div>",
    ],
)
def test_code_math_html_and_block_starts_keep_their_line_breaks(source):
    assert join_cjk_line_breaks(source) == source


def test_joining_resumes_after_a_code_fence_closes():
    source = "```\n中，\n文\n```\n后来，\n续行。"
    assert join_cjk_line_breaks(source) == "```\n中，\n文\n```\n后来，续行。"


def test_fence_after_opens_and_closes_only_on_a_bare_marker_line():
    from gdguide_site.cjk import fence_after

    assert fence_after("```python", None) == "```"
    assert fence_after("    ~~~~", None) == "~~~~"
    assert fence_after("text", None) is None
    assert fence_after("``` not a close", "```") == "```"
    assert fence_after("~~~", "```") == "```"  # another character does not close it
    assert fence_after("````", "```") is None  # a longer marker of the same character does
    assert fence_after("```", "````") == "````"  # a shorter one does not
