"""`require_framework`: the live comparisons skip without their framework, except in CI."""

import pytest
from framework_support import in_ci, require_framework

MISSING = "gdguide_no_such_framework"


@pytest.mark.parametrize("value", ["true", "1", "yes", "True"])
def test_a_missing_framework_fails_in_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    assert in_ci()
    with pytest.raises(pytest.fail.Exception, match="CI must install gdguide_no_such_framework"):
        require_framework(MISSING)


@pytest.mark.parametrize("value", [None, "", "0", "false", "no"])
def test_a_missing_framework_skips_outside_ci(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert not in_ci()
    with pytest.raises(pytest.skip.Exception, match="needs gdguide_no_such_framework"):
        require_framework(MISSING)


def test_an_installed_framework_is_returned(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert require_framework("json").dumps([1]) == "[1]"
