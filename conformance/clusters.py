"""Group the counted failures by cause, for planning: ``python -m conformance.clusters``.

The cause is read from a failure's one-line reason: a gap the shim reported (missing public
name, Dagster internal), a message that did not match (``pytest.raises(match=...)``), an expected
error that was not raised, a failed assertion (by its shape), or else the exception type with its message, with
quoted text and numbers blanked so that failures differing only in names fall together.
Prints a Markdown table of the clusters, largest first.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

from conformance.outcomes import Outcome

_GAP = re.compile(r"(?:\w+\.)*ConformanceGap: ")
_DEFINITION = re.compile(r"^(?:<missing: )?module-level definition '[^']*' failed: ")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`")
_NUMBER = re.compile(r"\b\d+\b")
_REPR = re.compile(r"<[^<>]*>")
_MODULE_PATH = re.compile(r"^(?:[a-z_]\w*\.)+(?=[A-Z]\w*: )")  # opbook.errors.Error: -> Error:


def cause(reason: str | None) -> str:
    """The cluster that a failure's reason falls into."""
    text = (reason or "no reason recorded").strip()
    text = _MODULE_PATH.sub("", _GAP.sub("", text))
    while _DEFINITION.search(text):
        text = _DEFINITION.sub("", text)  # a broken definition: cluster by what broke it
    text = text.removesuffix(">").removeprefix("<missing: ")
    if text.startswith(("missing public name", "Dagster internal")):
        return text
    if "Regex pattern did not match" in text or "does not match" in text:
        return "wrong error message (pytest.raises match)"
    if text.startswith("TypeError: Expected a BaseException type, but got 'Missing'"):
        return "pytest.raises(...) given an exception class opbook lacks"
    if text.startswith("Failed: DID NOT RAISE"):
        return "expected error not raised: " + text.removeprefix("Failed: DID NOT RAISE").strip()
    blanked = _NUMBER.sub("N", _QUOTED.sub("'…'", text))
    if text.startswith(("assert ", "AssertionError")):
        blanked = _REPR.sub("<…>", blanked.removeprefix("AssertionError: "))
        return "assertion failed: " + blanked[:60]
    return blanked[:120]


def clusters(scored: dict[str, Outcome]) -> Counter[str]:
    """How many counted failures fall into each cause."""
    return Counter(cause(o.reason) for o in scored.values() if o.outcome == "failed")


def markdown(counts: Counter[str], top: int) -> str:
    """A Markdown table of the ``top`` largest clusters."""
    rows = ["| tests | cause |", "|---:|---|"]
    for text, count in counts.most_common(top):
        rows.append(f"| {count} | {text.replace('|', '/')} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("conformance/results.json"))
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    counted = json.loads(args.results.read_text(encoding="utf-8"))["counted"]
    scored = {key: Outcome(**value) for key, value in counted.items()}
    print(markdown(clusters(scored), args.top))


if __name__ == "__main__":
    main()
