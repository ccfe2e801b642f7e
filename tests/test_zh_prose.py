"""The Chinese prose of docs/zh (pages and notebook markdown cells), never its code or math.

- AutoCorrect (`autocorrect-py`, the linter of the 中文文案排版指北 conventions) finds nothing:
  spaces between Chinese and Latin text or numbers, full-width punctuation, no doubled
  punctuation. It only sees prose: code fences, inline code and math become a placeholder `X`
  (so the spaces around them are still checked), HTML tags, link targets and `{ #anchor }`s are
  dropped. AutoCorrect would rewrite the strings inside code (see /work/shared/zh-style.md).
- One word per concept (TERMS): a rejected variant names the file, the line and the chosen term.
- The voice is 我们 or impersonal: no 你 / 您.
- No Chinese inside `$...$` / `$$...$$`: formulas are the same in both languages.

Every check reports `path:line: ...`; the tests at the end plant a bad sentence into a real page
and check that each check finds it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import autocorrect_py as autocorrect
import pytest
from gdguide_site.cjk import FENCE, fence_after

ROOT = Path(__file__).resolve().parents[1]
ZH = ROOT / "docs" / "zh"

# `space-dash` puts spaces around a hyphen between Chinese words (海森-向量积 -> 海森 - 向量积); the
# hyphen there joins one compound term (the glossary's 海森-向量积), it is not a dash.
autocorrect.load_config(json.dumps({"rules": {"space-dash": "off"}}))

#: Prose AutoCorrect would change but that is right as it stands (the text and why).
AUTOCORRECT_EXCEPTIONS = {
    "「初始化模型参数 。」": "quotes the article, whose formula symbol was lost before 。",
}

#: Rejected variant (a regex) -> the term the site uses. The glossary's notes on other books'
#: usage (lines naming d2l-zh or 花书) are exempt, and so are lines that name 梯度截断 next to
#: 梯度裁剪 (the glossary's choice between them). The English reference lists keep "et al.".
TERMS = {
    r"陡墙": "陡壁 (steep wall)",
    r"摆动|跳动|来回跳|晃动|抖动|震荡": "振荡 (the wobble of clipped descent)",
    r"最优解|最优值|最小值点|最小值附近|(?:到达|落到|停在)最小值": "极小点 (minimizer)",
    r"激活前的?值": "预激活 (pre-activation)",
    r"随机批次|随机批量": "随机小批量 (random minibatch)",
    r"稳定性规则|稳定规则": "稳定性条件 (stability rule)",
    r"误差递归|误差递推(?!式)|误差映射": "误差递推式 (the error map, the error recursion)",
    r"总和损失|均值损失|损失之和": "求和损失 / 平均损失 (sum loss / mean loss)",
    # a citation, not 等 for "and so on": Zhang 等（2020）, Zhang 等 2020, Zhang 等（NeurIPS 2020）
    r"[A-Za-z] 等(?!人)[ （(，,]*(?:\d{4}|[A-Z][A-Za-z]* \d{4})": "等人 (Zhang 等人（2020）)",
    r"黑塞矩阵|Hessian 矩阵": "海森矩阵 (Hessian)",
    r"批量规范化|批归一化": "批量归一化 (batch normalization)",
    r"通过时间反向传播": "随时间反向传播 (BPTT)",
    r"^(?!.*梯度裁剪).*梯度截断": "梯度裁剪 (gradient clipping)",
}
EXEMPT_TERM_LINE = re.compile(r"d2l-zh|花书")
SECOND_PERSON = re.compile(r"[你您]")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")

INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(?P<tex>[^$\n]+?)(?<![\\\s])\$")
DISPLAY_MATH_LINE = re.compile(r"\$\$(?P<tex>.+?)\$\$")
ANCHOR = re.compile(r"[ \t]*\{\s*#[\w-]+\s*\}")
LINK = re.compile(r"(!?)\[(?P<text>[^\]]*)\](?:\([^)]*\)|\[[^\]]*\])")
HTML_TAG = re.compile(r"<[^>\n]+>")
REFERENCE_DEFINITION = re.compile(r"^[ \t]*\[[^\]]+\]:\s.*$")


# --- reading the prose -------------------------------------------------------------------------


def text_lines(markdown: str) -> list[tuple[str, list[str]]]:
    """Per source line: the line with code fences blanked, and the TeX of its display math.

    Line numbers stay those of the source (a fence's or a display formula's lines become "").
    """
    out: list[tuple[str, list[str]]] = []
    fence: str | None = None
    math: list[str] | None = None  # the lines of an open $$ block
    for line in markdown.split("\n"):
        stripped = line.strip()
        if fence is not None or FENCE.match(line):
            fence = fence_after(line, fence)
            out.append(("", []))
        elif math is not None:
            math.append(stripped.removesuffix("$$"))
            if stripped.endswith("$$"):
                out.append(("", ["\n".join(math)]))
                math = None
            else:
                out.append(("", []))
        elif stripped.startswith("$$") and not DISPLAY_MATH_LINE.fullmatch(stripped):
            math = [stripped.removeprefix("$$")]
            out.append(("", []))
        else:
            found = [m["tex"] for m in DISPLAY_MATH_LINE.finditer(line)]
            out.append((DISPLAY_MATH_LINE.sub("X", line), found))
    return out


def prose_of(line: str) -> str:
    """A line's prose: code and math as `X`, no HTML tags, link targets or anchors."""
    if REFERENCE_DEFINITION.match(line):
        return ""
    line = INLINE_CODE.sub("X", line)
    line = INLINE_MATH.sub("X", line)
    line = ANCHOR.sub("", line)
    line = LINK.sub(lambda m: m["text"], line)
    return HTML_TAG.sub("", line)


def formulas_of(line: str, display: list[str]) -> list[str]:
    """The TeX of a line's inline formulas (code spans removed) and of its display formulas."""
    return [m["tex"] for m in INLINE_MATH.finditer(INLINE_CODE.sub("X", line))] + display


def sources() -> list[tuple[str, str]]:
    """(name, markdown) of every zh page and of every markdown cell of the zh notebooks."""
    found = []
    for path in sorted(ZH.rglob("*.md")):
        found.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    for path in sorted(ZH.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for number, cell in enumerate(cells, 1):
            if cell["cell_type"] == "markdown":
                name = f"{path.relative_to(ROOT)} cell {number}"
                found.append((name, "".join(cell["source"])))
    return found


SOURCES = sources()


# --- the checks ----------------------------------------------------------------------------------


def autocorrect_findings(name: str, markdown: str) -> list[str]:
    lines = [prose_of(line) for line, _ in text_lines(markdown)]
    for allowed in AUTOCORRECT_EXCEPTIONS:
        lines = [line.replace(allowed, "") for line in lines]
    result = autocorrect.lint_for("\n".join(lines), "text")
    return [
        f"{name}:{found.line}: {found.old.strip()!r} -> {found.new.strip()!r}"
        for found in result.lines
    ]


def term_findings(name: str, markdown: str) -> list[str]:
    found = []
    for number, (line, _) in enumerate(text_lines(markdown), 1):
        text = prose_of(line)
        if EXEMPT_TERM_LINE.search(text):
            continue
        for variant, chosen in TERMS.items():
            for match in re.finditer(variant, text):
                found.append(f"{name}:{number}: {match[0]!r} -> {chosen}")
    return found


def second_person_findings(name: str, markdown: str) -> list[str]:
    return [
        f"{name}:{number}: {prose_of(line).strip()!r} (use 我们 or an impersonal voice)"
        for number, (line, _) in enumerate(text_lines(markdown), 1)
        if SECOND_PERSON.search(prose_of(line))
    ]


#: Pairs of TeX delimiters a formula must balance: a formula that opens `\lvert` and leaves the
#: closing one to the next formula has text between them (`$\lvert$特征值$\rvert$`).
TEX_PAIRS = [
    (re.compile(a), re.compile(b))
    for a, b in [
        (r"\\lvert(?![a-zA-Z])", r"\\rvert(?![a-zA-Z])"),
        (r"\\lVert(?![a-zA-Z])", r"\\rVert(?![a-zA-Z])"),
        (r"\\left(?![a-zA-Z])", r"\\right(?![a-zA-Z])"),
        (r"(?<!\\)\{", r"(?<!\\)\}"),
    ]
]


def math_findings(name: str, markdown: str) -> list[str]:
    found = []
    for number, (line, display) in enumerate(text_lines(markdown), 1):
        for tex in formulas_of(line, display):
            if CJK.search(tex):
                found.append(f"{name}:{number}: ${tex}$ (Chinese belongs outside the formula)")
            elif any(len(a.findall(tex)) != len(b.findall(tex)) for a, b in TEX_PAIRS):
                found.append(f"{name}:{number}: ${tex}$ (unbalanced: text between two formulas)")
    return found


CHECKS = {
    "autocorrect": autocorrect_findings,
    "terms": term_findings,
    "second person": second_person_findings,
    "Chinese in math": math_findings,
}


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_zh_prose(check):
    findings = [found for name, text in SOURCES for found in CHECKS[check](name, text)]
    assert not findings, "\n".join(findings)


def test_every_zh_page_and_notebook_is_read():
    names = {name.split(" cell ")[0] for name, _ in SOURCES}
    pages = {
        str(p.relative_to(ROOT))
        for p in ZH.rglob("*")
        if p.suffix in {".md", ".ipynb"} and ".ipynb_checkpoints" not in p.parts
    }
    assert names == pages
    assert any(" cell " in name for name, _ in SOURCES)


# --- the checks find a planted bad sentence ------------------------------------------------------

PAGE = "docs/zh/background.md"
PLANTED = {
    "autocorrect": "在PyTorch中,学习率为0.01时收敛。",
    "terms": "迭代停在最优解附近，遇到陡墙时才需要裁剪（Zhang 等 2020）。",
    "second person": "你可以先试一试更小的学习率。",
    "Chinese in math": "谱半径是 $\\max\\lvert$特征值$\\rvert$ 中最大的一个。",
}


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_each_check_finds_a_planted_sentence_with_its_line(check):
    page = (ROOT / PAGE).read_text(encoding="utf-8")
    assert CHECKS[check](PAGE, page) == []
    lines = page.split("\n")
    at = next(i for i, line in enumerate(lines) if line and not line.startswith(("#", "`", "$")))
    lines.insert(at + 1, PLANTED[check])
    findings = CHECKS[check](PAGE, "\n".join(lines))
    assert findings and all(found.startswith(f"{PAGE}:{at + 2}: ") for found in findings)


@pytest.mark.parametrize(
    "text",
    [
        '```python\nprint("你好,世界")  # 最优解\n```',
        '    ```python\n    s = "陡墙,你"\n    ```',
        "学习率为 `lr=0.01,你` 时。",
        "$$\n\\text{x}\n$$",
        "[极小点](background.md#error-map)",
        "Zhang 等人（2020）指出，裁剪是重尾噪声的药方。",
    ],
)
def test_code_and_correct_prose_are_not_flagged(text):
    assert [found for check in CHECKS.values() for found in check("page.md", text)] == []
