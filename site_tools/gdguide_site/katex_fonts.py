"""Which KaTeX font file draws each character of the site's formulas, and font subsets of them.

The hook `gdguide_katex.py` uses it at build time, the browser tests to check the result.

KaTeX's HTML marks fonts with classes (`mathnormal`, `mathbf`, `delimsizing size2`, ...) that its
CSS maps to a family, weight and style; @font-face rules map those to woff2 files. `FontMap` reads
both from KaTeX's own CSS, applies the rules to a formula's HTML the way a browser cascades them
(specificity, then source order, then inheritance) and picks the face with CSS's font matching.
`FontMap.characters(html)` then says which characters each file must keep. A selector this reader
does not understand raises, so a KaTeX upgrade that changes the CSS's shape fails the build
instead of dropping glyphs.

References: CSS Fonts Level 4, "Font matching algorithm" (§5.2); Selectors Level 3 (specificity).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser

RULE = re.compile(r"([^{}@]+)\{([^{}]*)\}")
FONT_FACE = re.compile(r"@font-face\{([^{}]*)\}")
COMPOUND = re.compile(r"^(?P<tag>[a-z]+)?(?P<classes>(?:\.[\w-]+)*)$")
# KaTeX's output: <span class="katex"><span class="katex-mathml"><math>...</math></span>
# <span class="katex-html" aria-hidden="true">...</span></span>; only katex-html uses its fonts.
MATHML = re.compile(r'<span class="katex-mathml">.*?</math></span>', re.DOTALL)
VOID = {"br", "img", "hr", "wbr", "input", "col", "area", "base", "link", "meta", "source"}
WEIGHTS = {"normal": 400, "bold": 700}


@dataclass(frozen=True)
class Font:
    """What CSS asks for: a family, a weight (100-900) and a style (normal or italic)."""

    family: str
    weight: int
    style: str


@dataclass(frozen=True)
class Selector:
    """A selector of KaTeX's CSS: compounds (tag, classes) joined by ' ' or '>'."""

    compounds: tuple[tuple[str | None, frozenset[str]], ...]
    combinators: tuple[str, ...]  # between compounds i and i + 1

    @property
    def specificity(self) -> tuple[int, int]:
        return (
            sum(len(classes) for _, classes in self.compounds),
            sum(tag is not None for tag, _ in self.compounds),
        )

    def matches(self, chain: list[tuple[str, frozenset[str]]]) -> bool:
        """Whether the last element of `chain` (root first) matches."""
        return self._match(len(self.compounds) - 1, chain, len(chain) - 1)

    def _match(self, part: int, chain, at: int) -> bool:
        tag, classes = self.compounds[part]
        element_tag, element_classes = chain[at]
        if (tag is not None and tag != element_tag) or not classes <= element_classes:
            return False
        if part == 0:
            return True
        if self.combinators[part - 1] == ">":
            return at > 0 and self._match(part - 1, chain, at - 1)
        return any(self._match(part - 1, chain, up) for up in range(at - 1, -1, -1))


def parse_selector(text: str) -> Selector:
    """Parse `.katex .a.b .c>span`; raise ValueError on anything else (ids, attributes, ...)."""
    tokens = re.split(r"\s*(>)\s*|\s+", text.strip())
    compounds, combinators, pending = [], [], " "
    for token in tokens:
        if token is None or token == "":
            continue
        if token == ">":
            pending = ">"
            continue
        match = COMPOUND.match(token)
        if match is None:
            raise ValueError(f"KaTeX CSS selector not understood: {text!r}")
        if compounds:
            combinators.append(pending)
        pending = " "
        classes = frozenset(c for c in match["classes"].split(".") if c)
        compounds.append((match["tag"], classes))
    return Selector(tuple(compounds), tuple(combinators))


def declarations(body: str) -> dict[str, str]:
    """The font declarations of a CSS rule body, the `font` shorthand expanded."""
    found = {}
    for item in body.split(";"):
        name, _, value = item.partition(":")
        name, value = name.strip(), value.strip()
        if name == "font":  # KaTeX's only use: `font:normal 1.21em KaTeX_Main,...`
            words = value.split(",")[0].split()
            found.update(
                {"font-family": words[-1], "font-weight": "normal", "font-style": "normal"}
            )
            if words[0] not in {"normal", "italic", "bold"}:
                raise ValueError(f"KaTeX CSS font shorthand not understood: {value!r}")
            if words[0] == "italic":
                found["font-style"] = "italic"
            if words[0] == "bold":
                found["font-weight"] = "bold"
        elif name in {"font-family", "font-weight", "font-style"}:
            found[name] = value.split(",")[0].strip().strip("\"'")
    return found


class FontMap:
    """KaTeX's CSS font rules and @font-face files, applied to KaTeX's HTML."""

    def __init__(self, css: str):
        self.faces: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        for body in FONT_FACE.findall(css):
            props = dict(
                (k.strip(), v.strip()) for k, _, v in (p.partition(":") for p in body.split(";"))
            )
            woff2 = re.search(r"url\(fonts/([^)]+\.woff2)\)", props["src"])
            if woff2 is None:
                raise ValueError(f"@font-face without a woff2 file: {body!r}")
            weight = int(WEIGHTS.get(props["font-weight"], props["font-weight"]))
            self.faces[props["font-family"]].append((weight, props["font-style"], woff2[1]))
        order = []
        rules = FONT_FACE.sub("", css.replace("\n", ""))
        for index, (selectors, body) in enumerate(RULE.findall(rules)):
            found = declarations(body)
            if not found:
                continue
            for text in selectors.split(","):
                selector = parse_selector(text)
                order.append((selector.specificity, index, selector, found))
        order.sort(key=lambda item: item[:2])  # cascade: specificity, then source order
        self.rules: list[tuple[Selector, dict[str, str]]] = [
            (selector, found) for _, _, selector, found in order
        ]

    def computed(self, chain, parent: Font | None) -> Font | None:
        """The font of the last element of `chain`, inheriting from `parent`."""
        props = {}
        if parent is not None:
            props = {
                "font-family": parent.family,
                "font-weight": str(parent.weight),
                "font-style": parent.style,
            }
        for selector, found in self.rules:
            if selector.matches(chain):
                props.update(found)
        if "font-family" not in props:
            return None  # outside any KaTeX rule (not inside .katex)
        weight = props.get("font-weight", "normal")
        return Font(
            props["font-family"],
            int(WEIGHTS.get(weight, weight)),
            "italic" if props.get("font-style") in {"italic", "oblique"} else "normal",
        )

    def face(self, font: Font) -> str | None:
        """The woff2 file CSS font matching picks for `font` (None: not a KaTeX family)."""
        faces = self.faces.get(font.family)
        if not faces:
            return None
        preference = ["italic", "normal"] if font.style == "italic" else ["normal", "italic"]
        style = next(s for s in preference if any(f[1] == s for f in faces))
        candidates = [(weight, file) for weight, s, file in faces if s == style]
        wanted = font.weight

        def rank(candidate):
            weight = candidate[0]
            if 400 <= wanted <= 500:
                if wanted <= weight <= 500:
                    return (0, weight)
                return (1, -weight) if weight < wanted else (2, weight)
            if wanted < 400:
                return (0, -weight) if weight <= wanted else (1, weight)
            return (0, weight) if weight >= wanted else (1, -weight)

        return min(candidates, key=rank)[1]

    def characters(self, rendered: str) -> dict[str, set[str]]:
        """{woff2 file: characters it draws} for KaTeX's output `rendered` (MathML ignored)."""
        reader = _FontReader(self)
        reader.feed(MATHML.sub("", rendered))
        reader.close()
        return reader.found


class _FontReader(HTMLParser):
    """Walks KaTeX's HTML with the chain of open elements and their fonts."""

    def __init__(self, fonts: FontMap):
        super().__init__(convert_charrefs=True)
        self.fonts = fonts
        self.chain: list[tuple[str, frozenset[str]]] = []
        self.computed: list[Font | None] = []
        self.found: dict[str, set[str]] = defaultdict(set)

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        classes = frozenset((dict(attrs).get("class") or "").split())
        self.chain.append((tag, classes))
        parent = self.computed[-1] if self.computed else None
        self.computed.append(self.fonts.computed(self.chain, parent))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.chain:
            open_tag, _ = self.chain.pop()
            self.computed.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        font = self.computed[-1] if self.computed else None
        face = self.fonts.face(font) if font is not None else None
        if face is not None:
            self.found[face].update(data)  # character references already decoded
