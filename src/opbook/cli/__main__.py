"""``python -m opbook.cli``: the ``opbook`` command."""

from __future__ import annotations

from opbook.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
