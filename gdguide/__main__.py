"""Command line: `python -m gdguide diagnose LOG...` (see `gdguide.diagnose`)."""

from __future__ import annotations

import sys

COMMANDS = ("diagnose",)


def run(argv: list[str]) -> int:
    """Dispatch `argv[0]` to its command; print the usage for anything else."""
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python -m gdguide {{{','.join(COMMANDS)}}} ...", file=sys.stderr)
        return 2
    from gdguide.diagnose import main

    return main(argv[1:])


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
