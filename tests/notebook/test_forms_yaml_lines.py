"""Where a config path is in YAML text: the line and columns a problem is underlined at."""

from __future__ import annotations

import pytest
import yaml

from opbook.notebook.forms.yaml_lines import Span, locate, locate_all, parse_error_span

TEXT = """ops:
  load:
    config:
      path: in.csv
      retries: many
resources:
  db: {config: {url: 3}}
items:
- a: 1
  b: x
- 3
"""


def test_a_bad_scalar_is_shown_at_its_value() -> None:
    assert locate(TEXT, ("ops", "load", "config", "retries")) == Span(5, 16, 5, 20)


def test_a_scalar_in_flow_style_is_shown_at_its_value() -> None:
    assert locate(TEXT, ("resources", "db", "config", "url")) == Span(7, 22, 7, 23)


def test_a_mapping_is_shown_at_its_key() -> None:
    assert locate(TEXT, ("ops", "load", "config")) == Span(3, 5, 3, 11)


def test_a_missing_entry_is_shown_at_the_mapping_that_lacks_it() -> None:
    assert locate(TEXT, ("ops", "load", "config", "limit")) == Span(3, 5, 3, 11)


def test_list_items_are_found_by_index() -> None:
    assert locate(TEXT, ("items", 1)) == Span(11, 3, 11, 4)
    assert locate(TEXT, ("items", 0, "b")) == Span(10, 6, 10, 7)


def test_a_section_written_under_its_other_name_is_found() -> None:
    text = "solids:\n  load:\n    config: {path: 1}\n"
    assert locate(text, ("ops", "load", "config", "path")).line == 3


@pytest.mark.parametrize("text", ["", "ops: [unclosed", "just a string\n"])
def test_text_without_the_path_gives_the_first_line(text: str) -> None:
    assert locate(text, ("ops", "load")).line == 1


def test_the_whole_config_is_the_first_line() -> None:
    assert locate(TEXT, ()) == Span(1, 1, 1, 5)


def test_a_parse_error_is_placed_where_the_parser_stopped() -> None:
    with pytest.raises(yaml.YAMLError) as caught:
        yaml.safe_load("ops:\n  load: {config: {path: x}\n")
    assert parse_error_span(caught.value) == Span(3, 1, 3, 2)


def test_many_paths_are_placed_in_one_reading() -> None:
    stacks = [("ops", "load", "config", "retries"), ("items", 1), ("nope",)]
    assert locate_all(TEXT, stacks) == [locate(TEXT, stack) for stack in stacks]
