"""Run config read from YAML: hostile text gives one clear error, never a traceback, a
recursion or gigabytes of memory."""

from __future__ import annotations

import pytest
import yaml

from opbook.config.yaml_text import MAX_EXPANDED_VALUES, UnsafeYamlError, load_yaml

# Nine levels, each repeating the one below nine times: about 387 million values, 500 bytes.
ALIAS_BOMB = "\n".join(
    ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
)


def test_aliases_within_bounds_work_as_usual():
    text = "base: &base {retries: 3}\nops:\n  a: {config: *base}\n  b: {config: *base}\n"
    assert load_yaml(text)["ops"]["b"] == {"config": {"retries": 3}}


def test_an_alias_bomb_is_refused_before_anything_expands_it():
    with pytest.raises(UnsafeYamlError, match="aliases expand to more than 1,000,000 values"):
        load_yaml(ALIAS_BOMB)


def test_the_bound_counts_every_written_out_value():
    level = "[" + ", ".join(["x"] * 999) + "]"  # a list of 999 scalars: 1,000 values
    fits = f"a: &a {level}\nb: [" + ", ".join(["*a"] * 998) + "]\n"
    assert len(load_yaml(fits)["b"]) == 998  # 998,001 + 1,000 + 3 (the map, its keys) < bound
    too_many = f"a: &a {level}\nb: [" + ", ".join(["*a"] * 1000) + "]\n"
    with pytest.raises(UnsafeYamlError):
        load_yaml(too_many)
    assert MAX_EXPANDED_VALUES == 1_000_000


def test_an_alias_inside_its_own_node_is_refused():
    with pytest.raises(UnsafeYamlError, match="refers to the node it is in"):
        load_yaml("a: &a [1, *a]")


def test_bytes_that_are_not_utf8_are_named_by_offset():
    with pytest.raises(UnsafeYamlError, match=r"not UTF-8 text \(byte 0xff at offset 5\)"):
        load_yaml(b"ops: \xff\xfe")


def test_the_guards_are_yaml_errors_so_callers_report_them_as_bad_yaml():
    assert issubclass(UnsafeYamlError, yaml.YAMLError)


def test_nesting_too_deep_for_the_parser_is_one_error():
    with pytest.raises(UnsafeYamlError, match="nested too deeply"):
        load_yaml("[" * 100_000 + "]" * 100_000)
