"""opbook.utils: the helpers Dagster code imports from dagster.utils."""

from __future__ import annotations

import os
import warnings

import pytest

import opbook
from opbook.errors import CheckError
from opbook.utils import file_relative_path, merge_dicts
from opbook.utils.backcompat import ExperimentalWarning


def test_file_relative_path_joins_onto_the_files_directory() -> None:
    assert file_relative_path("/project/jobs/etl.py", "config/base.yaml") == os.path.join(
        "/project/jobs", "config/base.yaml"
    )


def test_file_relative_path_finds_a_file_beside_this_one() -> None:
    assert os.path.exists(file_relative_path(__file__, "test_utils.py"))


def test_file_relative_path_wants_strings() -> None:
    with pytest.raises(CheckError, match='Param "relative_path" is not a str'):
        file_relative_path(__file__, None)  # type: ignore[arg-type]


def test_the_top_level_names_are_the_same_objects() -> None:
    assert opbook.file_relative_path is file_relative_path
    assert opbook.ExperimentalWarning is ExperimentalWarning


def test_experimental_warning_is_a_warning_that_filters_select() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore", category=ExperimentalWarning)
        warnings.warn("may change", ExperimentalWarning, stacklevel=1)
    assert issubclass(ExperimentalWarning, Warning)
    assert caught == []


def test_merge_dicts_takes_a_repeated_key_from_the_last_dict() -> None:
    assert merge_dicts({"a": 1, "b": 1}, {"b": 2}, {"c": 3}) == {"a": 1, "b": 2, "c": 3}


def test_merge_dicts_is_shallow_and_leaves_its_arguments_alone() -> None:
    first = {"ops": {"a": 1}}
    assert merge_dicts(first, {"ops": {"b": 2}}) == {"ops": {"b": 2}}
    assert first == {"ops": {"a": 1}}


def test_merge_dicts_wants_two_dicts_or_more() -> None:
    with pytest.raises(CheckError, match="Expected 2 or more args to merge_dicts, found 1"):
        merge_dicts({"a": 1})


def test_merge_dicts_names_an_argument_that_is_not_a_dict() -> None:
    with pytest.raises(CheckError, match="Argument 1 of merge_dicts is not a dict"):
        merge_dicts({"a": 1}, ["b"])  # type: ignore[arg-type]


def test_dagster_utils_paths_reach_the_email_sensors_and_partition_helpers():
    import opbook
    from opbook.utils import make_email_on_pipeline_failure_sensor
    from opbook.utils.partitions import DEFAULT_DATE_FORMAT, date_partition_range

    assert make_email_on_pipeline_failure_sensor is opbook.make_email_on_pipeline_failure_sensor
    assert date_partition_range is opbook.date_partition_range
    assert DEFAULT_DATE_FORMAT == "%Y-%m-%d"
