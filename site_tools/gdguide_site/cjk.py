"""Join the source line breaks that browsers would show as a stray space in Chinese text.

A paragraph's line break reaches the HTML as a newline, and Chrome and Safari render it as a
space, also between two Chinese characters or after 。，：； (Firefox drops it only between
Chinese characters). A Chinese page whose source wraps after 「，」 then shows「， [link]」 or a gap
before a formula. `join_cjk_line_breaks` removes such a break from the Markdown before it is
converted (the hook `gdguide_i18n.on_page_markdown`):

- a line ending with CJK punctuation is joined with the next line, whatever that starts with
  (no space follows full-width punctuation);
- a line ending with a CJK character is joined with a next line that starts with one; a next line
  starting with Latin text, a number, `$` or a code span keeps its break, which renders as the
  space the style wants between Chinese and Latin (`在 PyTorch 中`).

Only paragraph text is joined: never inside fenced code (```` ``` ```` / `~~~`, indented ones
too), display math (`$$`) or a block of HTML, and never when the next line opens another block
(a heading, list item, quote, table row, admonition or tab, footnote, link or abbreviation
definition, HTML, a fence, `$$`, an attribute list or mkdocstrings' `:::`), nor after a hard
break (a line ending in two spaces or a backslash).
"""

from __future__ import annotations

import re

#: CJK ideographs (unified, extension A, compatibility) and kana; the characters a Chinese
#: paragraph is made of.
CJK_CHARACTER = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: Full-width punctuation after which a line break must go: CJK symbols and punctuation
#: (、。「」『』《》【】…), full-width forms (，：；？！（）), the ellipsis and the em dash.
CJK_PUNCTUATION = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2026\u2014"

ENDS_WITH_PUNCTUATION = re.compile(f"[{CJK_PUNCTUATION}]$")
ENDS_WITH_CHARACTER = re.compile(f"[{CJK_CHARACTER}]$")
STARTS_WITH_CJK = re.compile(f"[{CJK_CHARACTER}{CJK_PUNCTUATION}]")
#: The start of a line (after its indentation) that opens a block of its own.
BLOCK_START = re.compile(
    r"""(?:
        \#{1,6}(?:[ \t]|$)          # heading
      | [-*+][ \t]                  # bullet item
      | \d+[.)][ \t]                # numbered item
      | >                           # quote
      | \|                          # table row
      | (?:!!!|\?\?\?\+?|===)[ \t]  # admonition, details, content tab
      | \[\^?[^\]\n]*\]:            # footnote or link definition
      | <                           # HTML
      | ```|~~~                     # fence
      | \$\$                        # display math
      | :::                         # mkdocstrings' `::: identifier`
      | \*\[                        # abbreviation definition
      | \{:                         # attribute list on its own line
      | (?:-{3,}|\*{3,}|_{3,})$     # rule
      | [ \t]*$                     # blank
    )""",
    re.VERBOSE,
)
FENCE = re.compile(r"[ \t]*(?P<fence>`{3,}|~{3,})")


def fence_after(line: str, fence: str | None) -> str | None:
    """The code fence open after `line` (its marker, e.g. "```"), given the one open before it.

    A fence closes on a line of its marker's character, at least as long, and nothing else.
    """
    stripped = line.strip()
    if fence is not None:
        closing = stripped.startswith(fence) and not stripped.strip(fence[0]).strip()
        return None if closing else fence
    match = FENCE.match(line)
    return match["fence"] if match else None


def joins(line: str, following: str) -> bool:
    """Whether the break between `line` and the `following` line of one paragraph is dropped."""
    if line.endswith(("  ", "\\")) or not line.strip():
        return False
    if BLOCK_START.match(line.lstrip()) and not re.match(r"[ \t]*(?:[-*+]|\d+[.)])[ \t]", line):
        return False  # a heading, table row, HTML, ... (a list item's text may go on)
    rest = following.lstrip()
    if BLOCK_START.match(rest):
        return False
    if ENDS_WITH_PUNCTUATION.search(line):
        return True
    return bool(ENDS_WITH_CHARACTER.search(line) and STARTS_WITH_CJK.match(rest))


def join_cjk_line_breaks(markdown: str) -> str:
    """`markdown` with the paragraph line breaks after CJK text joined (see the module doc)."""
    lines = markdown.split("\n")
    out: list[str] = []
    fence: str | None = None  # the marker of the open code fence
    in_math = in_html = False
    join_next = False  # the previous line's break is dropped: this line goes onto its end
    for index, line in enumerate(lines):
        stripped = line.strip()
        if join_next:
            out[-1] += line.lstrip()
        else:
            out.append(line)
        join_next = False
        if fence is not None or FENCE.match(line):
            fence = fence_after(line, fence)
        elif in_math:
            in_math = not stripped.endswith("$$")
        elif stripped.startswith("$$"):
            in_math = stripped == "$$" or not stripped.endswith("$$")
        elif in_html or stripped.startswith("<"):
            in_html = bool(stripped)
        elif index + 1 < len(lines):
            join_next = joins(line, lines[index + 1])
    return "\n".join(out)
