"""`require_framework`: the live comparisons skip without their framework, except in CI."""

import pytest
from framework_support import in_ci, require_framework

MISSING = "gdguide_no_such_framework"


@pytest.mark.parametrize("value", ["true", "1", "yes", "True"])
def test_a_missing_framework_fails_in_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    assert in_ci()
    try:
        require_framework(MISSING)
    except pytest.skip.Exception as skipped:  # would make this test a skip, not a failure
        raise AssertionError(f"skipped in CI: {skipped.msg}") from None
    except pytest.fail.Exception as failed:
        assert "CI must install gdguide_no_such_framework" in failed.msg
    else:
        raise AssertionError("a missing framework was imported")


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
