"""The spellings gdguide had before 0.2 still work, warn once per use, and name the new spelling.

Protects: `lr` renamed to `learning_rate` in public names (`max_stable_lr`, `lr_sweep`,
`LRSweepResult`, `plot_lr_sweep`), and the figures, which `gdguide` no longer re-exports next to
the library (they live in `gdguide.plotting`).
"""

import importlib
import subprocess
import sys

import pytest

import gdguide

RENAMED = [
    ("gdguide", "max_stable_lr", "gdguide", "max_stable_learning_rate"),
    ("gdguide", "lr_sweep", "gdguide", "learning_rate_sweep"),
    ("gdguide", "LRSweepResult", "gdguide", "LearningRateSweepResult"),
    ("gdguide", "plot_lr_sweep", "gdguide.plotting", "plot_learning_rate_sweep"),
    ("gdguide.stability", "max_stable_lr", "gdguide.stability", "max_stable_learning_rate"),
    ("gdguide.stability", "lr_sweep", "gdguide.stability", "learning_rate_sweep"),
    ("gdguide.stability", "LRSweepResult", "gdguide.stability", "LearningRateSweepResult"),
    ("gdguide.plotting", "plot_lr_sweep", "gdguide.plotting", "plot_learning_rate_sweep"),
    *[("gdguide", name, "gdguide.plotting", name) for name in gdguide.plotting.__all__],
]


@pytest.mark.parametrize(("old_module", "old", "new_module", "new"), RENAMED)
def test_old_name_is_the_new_object_with_a_warning_naming_it(old_module, old, new_module, new):
    target = getattr(importlib.import_module(new_module), new)
    with pytest.warns(DeprecationWarning, match=rf"{old_module}\.{old} is deprecated.*{new}"):
        value = getattr(importlib.import_module(old_module), old)
    assert value is target


def test_old_names_stay_out_of_all_and_of_star_imports():
    old = {"max_stable_lr", "lr_sweep", "LRSweepResult", "plot_lr_sweep"}
    assert not old & set(gdguide.__all__)
    assert not set(gdguide.plotting.__all__) & set(gdguide.__all__)
    namespace: dict = {}
    exec("from gdguide import *", namespace)
    assert not old & set(namespace) and "plot_wall" not in namespace
    assert "clip_by_global_norm" in namespace


def test_the_old_spelling_gives_the_same_result():
    with pytest.warns(DeprecationWarning):
        old = gdguide.max_stable_lr(110.0, momentum=0.9)
    assert old == gdguide.max_stable_learning_rate(110.0, momentum=0.9)


def test_unknown_names_still_raise_attribute_error():
    for module in (gdguide, gdguide.stability, gdguide.plotting):
        with pytest.raises(AttributeError, match="has no attribute 'lr_sweeep'"):
            module.lr_sweeep  # noqa: B018


def test_importing_gdguide_warns_about_nothing():
    code = "import warnings; warnings.simplefilter('error'); import gdguide, gdguide.plotting"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_diagnose_arrays_takes_learning_rate_and_the_old_lr_keyword_with_a_warning():
    import numpy as np

    from gdguide.diagnose import diagnose_arrays

    steps, rates = np.arange(20), np.full(20, 0.1)
    new = diagnose_arrays(steps, grad_norm=np.ones(20), learning_rate=rates)
    with pytest.warns(DeprecationWarning, match="use learning_rate="):
        old = diagnose_arrays(steps, grad_norm=np.ones(20), lr=rates)
    assert old == new
    with pytest.raises(TypeError, match="learning_rate or its deprecated spelling lr"):
        diagnose_arrays(steps, learning_rate=rates, lr=rates)
