"""The API reference's promises: every example runs on its own, every record documents its fields.

The doctests (run by sybil from the module files) share one namespace per module, so an example
that forgets an import still passes there when an earlier docstring made it. A reader copies one
example from the API page into a fresh Python; here each docstring's examples run alone, after
only `import numpy as np`.
"""

from __future__ import annotations

import dataclasses
import doctest
import inspect

import numpy as np
import pytest

import gdguide


def _documented_objects():
    """(qualified name, docstring owner) for every public name and its public methods."""
    public = [(name, getattr(gdguide, name)) for name in sorted(gdguide.__all__)]
    # the figures are public in gdguide.plotting only (not re-exported by the package)
    public += [
        (f"plotting.{name}", getattr(gdguide.plotting, name)) for name in gdguide.plotting.__all__
    ]
    for name, obj in public:
        yield name, obj
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_"):
                    continue
                target = member.fget if isinstance(member, property) else member
                if callable(target) and getattr(target, "__doc__", None):
                    yield f"{name}.{attr}", target
    for module in (
        "problems",
        "descent",
        "clipping",
        "optimizers",
        "stability",
        "nets",
        "layers",
        "monitor",
        "robustness",
        "stochastic",
        "plotting",
    ):
        yield f"gdguide.{module}", getattr(gdguide, module)


EXAMPLES = [
    pytest.param(test, id=label)
    for label, obj in _documented_objects()
    for test in doctest.DocTestFinder(recurse=False).find(obj, label)
    if test.examples
]


@pytest.mark.parametrize("test", EXAMPLES)
def test_each_docstring_example_runs_alone_after_importing_numpy(test):
    test.globs = {"__name__": "__main__", "np": np}
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


def _fields(cls) -> list[str]:
    if dataclasses.is_dataclass(cls):
        return [f.name for f in dataclasses.fields(cls) if f.init]
    return list(getattr(cls, "_fields", ()))


def _section(doc: str, title: str) -> str:
    lines = inspect.cleandoc(doc).splitlines()
    for i, line in enumerate(lines[:-1]):
        if line == title and set(lines[i + 1]) == {"-"}:
            body = []
            for later, nxt in zip(lines[i + 2 :], [*lines[i + 3 :], ""], strict=True):
                if nxt and set(nxt) == {"-"} and len(nxt) == len(later):
                    break
                body.append(later)
            return "\n".join(body)
    return ""


CLASSES = [n for n in sorted(gdguide.__all__) if inspect.isclass(getattr(gdguide, n))]


@pytest.mark.parametrize("name", CLASSES)
def test_every_public_class_documents_each_field_and_has_an_example(name):
    cls = getattr(gdguide, name)
    doc = cls.__doc__ or ""
    assert _section(doc, "Examples").strip(), f"{name} has no Examples section"
    documented = _section(doc, "Attributes") + "\n" + _section(doc, "Parameters")
    names = {
        entry.strip()
        for line in documented.splitlines()
        if line and not line.startswith(" ")
        for entry in line.split(" : ")[0].split(",")
    }
    for field in _fields(cls):
        assert field in names, f"{name}.{field} is not documented under Attributes or Parameters"


@pytest.mark.parametrize(
    "name", ["SGDState", "MomentumState", "AdaGradState", "RMSpropState", "AdamState", "NormEvent"]
)
def test_records_document_their_fields_as_attributes(name):
    cls = getattr(gdguide, name)
    attributes = _section(cls.__doc__, "Attributes")
    names = [line.split(" : ")[0] for line in attributes.splitlines() if " : " in line]
    assert names == _fields(cls)


def test_optimizer_protocol_documents_its_methods():
    methods = _section(gdguide.Optimizer.__doc__, "Methods")
    assert "init(params)" in methods and "step(params, grad, state)" in methods
