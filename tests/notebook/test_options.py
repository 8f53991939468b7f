"""Reading magic lines: expressions with spaces stay whole, mistakes are one-line UsageErrors."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from opbook.notebook.options import Spec, parse, split_top_level, unquote, words

SPEC = Spec(
    "%%demo",
    flags=frozenset({"flag"}),
    values=frozenset({"config", "name"}),
    optional=frozenset({"run"}),
    max_positional=1,
)


def test_values_run_to_the_next_option_outside_brackets_and_quotes() -> None:
    parsed = parse('thing --config {"a": [1, 2], "b": "--x"} --run --flag', SPEC)
    assert parsed.positional == ["thing"]
    assert parsed.options == {"config": '{"a": [1, 2], "b": "--x"}', "run": None, "flag": None}


def test_equals_form_and_optional_value() -> None:
    parsed = parse("--name=x --run {'n': 1}", SPEC)
    assert parsed.get("name") == "x" and parsed.get("run") == "{'n': 1}"
    assert parsed.has("run") and not parsed.has("flag")


def test_positional_words_keep_brackets_whole() -> None:
    assert parse("clean(raw, other)", SPEC).positional == ["clean(raw, other)"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("--nope", "%%demo: unknown option --nope; options: --config, --flag, --name, --run"),
        ("--config", "%%demo: --config needs a value"),
        ("--flag 1", "%%demo: --flag takes no value (got '1')"),
        ("--name a --name b", "%%demo: --name is given twice"),
        ("one two", "%%demo: unexpected 'two'; options: --config, --flag, --name, --run"),
    ],
)
def test_mistakes_are_usage_errors(line: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(line, SPEC)
    assert str(caught.value) == message


def test_helpers() -> None:
    assert split_top_level("db=make(1, 2), cache={'a': 1, 'b': 2}") == [
        "db=make(1, 2)",
        "cache={'a': 1, 'b': 2}",
    ]
    assert words("a  'b c'  [d, e]") == ["a", "'b c'", "[d, e]"]
    assert unquote("'x y'") == "x y" and unquote('"z"') == "z" and unquote("w") == "w"
