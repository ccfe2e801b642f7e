"""Test collection for the whole repository.

- Docstring examples (`>>>`) in `gdguide/*.py` run as doctests through sybil.
- Hypothesis runs derandomized with no deadline, so property tests are deterministic and do not
  fail on a loaded 2-core CI machine.
"""

from doctest import ELLIPSIS, NORMALIZE_WHITESPACE

from hypothesis import settings
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser
from sybil.parsers.rest import DocTestParser

settings.register_profile("gdguide", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("gdguide")

_docstrings = Sybil(
    parsers=[DocTestParser(optionflags=ELLIPSIS | NORMALIZE_WHITESPACE)],
    patterns=["gdguide/*.py"],
    excludes=["gdguide/_*.py"],
)

pytest_collect_file = _docstrings.pytest()
