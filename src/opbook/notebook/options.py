"""Reading a magic's line: positional words and ``--option VALUE`` pairs.

Values are often Python expressions (``--config {"factor": Int}``, ``--run {"n": [1, 2]}``),
which shell-style splitting would break at every space.  So the line is scanned once, keeping
track of quotes and brackets: an option starts at ``--name`` outside any quote or bracket, and
its value is everything up to the next such option.  ``--name=value`` works too.  Every
mistake is a ``UsageError`` with a one-line message naming the magic and the option.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from IPython.core.error import UsageError

_OPTION = re.compile(r"--([a-z][a-z0-9-]*)(=|\s|$)")
_PAIRS = {"(": ")", "[": "]", "{": "}"}


@dataclass(frozen=True)
class Spec:
    """The options a magic takes: flags (no value), values (a value is needed), optional ones."""

    magic: str
    flags: frozenset[str] = frozenset()
    values: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    max_positional: int = 0

    @property
    def names(self) -> list[str]:
        return sorted(self.flags | self.values | self.optional)


@dataclass
class Parsed:
    """Positional words, and each option given: its value, or None for a flag or a bare option."""

    positional: list[str] = field(default_factory=list)
    options: dict[str, str | None] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.options.get(name)

    def has(self, name: str) -> bool:
        return name in self.options


def _top_level_spans(line: str) -> list[tuple[int, int, str]]:
    """(start, value start, name) of each ``--option`` outside quotes and brackets."""
    found: list[tuple[int, int, str]] = []
    closers: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(line):
        char = line[i]
        if quote is not None:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char in _PAIRS:
            closers.append(_PAIRS[char])
        elif closers and char == closers[-1]:
            closers.pop()
        elif not closers and line.startswith("--", i) and (i == 0 or line[i - 1].isspace()):
            match = _OPTION.match(line, i)
            if match is not None:
                found.append(
                    (i, match.end() if match.group(2) == "=" else match.end(1), match.group(1))
                )
                i = match.end(1)
                continue
        i += 1
    return found


def split_top_level(text: str, separator: str = ",") -> list[str]:
    """``text`` split at ``separator`` outside quotes and brackets (``a=f(1, 2), b`` -> 2 parts)."""
    parts: list[str] = []
    closers: list[str] = []
    quote: str | None = None
    start = 0
    for i, char in enumerate(text):
        if quote is not None:
            quote = None if char == quote and text[i - 1] != "\\" else quote
        elif char in "'\"":
            quote = char
        elif char in _PAIRS:
            closers.append(_PAIRS[char])
        elif closers and char == closers[-1]:
            closers.pop()
        elif not closers and text.startswith(separator, i):
            parts.append(text[start:i])
            start = i + len(separator)
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def words(text: str) -> list[str]:
    """Whitespace-separated words of ``text``, keeping quoted and bracketed parts whole."""
    return split_top_level(text.replace("\t", " ").replace("\n", " "), " ")


def unquote(text: str) -> str:
    """``text`` without one layer of matching quotes around it."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def parse(line: str, spec: Spec) -> Parsed:
    """The positional words and options of a magic line.

    Raises:
        UsageError: an unknown option, a missing or unexpected value, a repeated option, or
            too many positional words.
    """
    spans = _top_level_spans(line)
    parsed = Parsed(words(line[: spans[0][0]] if spans else line))
    if len(parsed.positional) > spec.max_positional:
        extra = " ".join(parsed.positional[spec.max_positional :])
        raise UsageError(f"{spec.magic}: unexpected {extra!r}; {usage_hint(spec)}")
    for index, (_start, value_start, name) in enumerate(spans):
        end = spans[index + 1][0] if index + 1 < len(spans) else len(line)
        value = line[value_start:end].strip() or None
        _check_option(spec, name, value, parsed)
        parsed.options[name] = value
    return parsed


def _check_option(spec: Spec, name: str, value: str | None, parsed: Parsed) -> None:
    if name not in spec.flags | spec.values | spec.optional:
        raise UsageError(f"{spec.magic}: unknown option --{name}; {usage_hint(spec)}")
    if name in parsed.options:
        raise UsageError(f"{spec.magic}: --{name} is given twice")
    if name in spec.flags and value is not None:
        raise UsageError(f"{spec.magic}: --{name} takes no value (got {value!r})")
    if name in spec.values and value is None:
        raise UsageError(f"{spec.magic}: --{name} needs a value")


def usage_hint(spec: Spec) -> str:
    options = ", ".join(f"--{name}" for name in spec.names)
    return f"options: {options}" if options else "it takes no options"
