"""The instance's asset catalog: kept as events are written, the same in memory and in SQLite,
and read back after reopening a SQLite instance."""

from __future__ import annotations

import sqlite3

import pytest

from opbook import (
    AssetKey,
    AssetMaterialization,
    DagsterInstance,
    Out,
    Output,
    job,
    op,
)


@op(out=Out(asset_key=AssetKey(["warehouse", "orders"])))
def orders():
    return [1, 2, 3]


@op
def report(rows):
    yield AssetMaterialization(asset_key="report", partition="2026-12-01")
    yield Output(len(rows))


@job
def nightly():
    report(orders())


@pytest.fixture(params=["memory", "sqlite"])
def instance(request, tmp_path):
    if request.param == "memory":
        yield DagsterInstance.ephemeral()
        return
    with DagsterInstance.local(str(tmp_path / "home")) as made:
        yield made


def test_an_output_with_an_asset_key_enters_the_catalog(instance):
    nightly.execute_in_process(instance=instance)

    assert instance.all_asset_keys() == [AssetKey(["warehouse", "orders"]), AssetKey("report")]


def test_has_asset_key_is_true_only_for_materialized_assets(instance):
    nightly.execute_in_process(instance=instance)

    assert instance.has_asset_key(AssetKey("report"))
    assert not instance.has_asset_key(AssetKey("never"))


def test_events_for_asset_key_gives_storage_ids_and_entries_newest_first(instance):
    first = nightly.execute_in_process(instance=instance)
    second = nightly.execute_in_process(instance=instance)

    found = instance.events_for_asset_key(AssetKey(["warehouse", "orders"]))

    assert [entry.run_id for _, entry in found] == [second.run_id, first.run_id]
    assert found[0][0] > found[1][0]
    assert found[0][1].dagster_event.asset_key == AssetKey(["warehouse", "orders"])


def test_events_for_asset_key_filters_by_partition(instance):
    nightly.execute_in_process(instance=instance)

    assert len(instance.events_for_asset_key(AssetKey("report"), partitions=["2026-12-01"])) == 1
    assert instance.events_for_asset_key(AssetKey("report"), partitions=["1999-01-01"]) == []


def test_run_ids_for_asset_key_lists_each_run_once_in_order(instance):
    first = nightly.execute_in_process(instance=instance)
    second = nightly.execute_in_process(instance=instance)

    assert instance.run_ids_for_asset_key(AssetKey("report")) == [first.run_id, second.run_id]


def test_wipe_assets_forgets_the_asset_but_keeps_the_run_events(instance):
    result = nightly.execute_in_process(instance=instance)

    instance.wipe_assets([AssetKey("report")])

    assert instance.all_asset_keys() == [AssetKey(["warehouse", "orders"])]
    assert instance.events_for_asset_key(AssetKey("report")) == []
    assert any(
        e.event_type_value == "ASSET_MATERIALIZATION" for e in instance.get_events(result.run_id)
    )


def test_deleting_a_run_removes_its_materializations_from_the_catalog(instance):
    result = nightly.execute_in_process(instance=instance)

    instance.delete_run(result.run_id)

    assert instance.all_asset_keys() == []


def test_get_asset_keys_filters_by_prefix(instance):
    nightly.execute_in_process(instance=instance)

    assert instance.get_asset_keys(prefix=["warehouse"]) == [AssetKey(["warehouse", "orders"])]


def test_get_latest_materialization_events_gives_none_for_an_unknown_asset(instance):
    result = nightly.execute_in_process(instance=instance)

    latest = instance.get_latest_materialization_events([AssetKey("report"), AssetKey("never")])

    assert latest[AssetKey("report")].run_id == result.run_id
    assert latest[AssetKey("never")] is None


def test_a_key_that_is_not_an_asset_key_is_refused_naming_the_fix(instance):
    with pytest.raises(TypeError, match=r"Pass AssetKey\('report'\) instead"):
        instance.has_asset_key("report")


def test_the_catalog_survives_reopening_a_sqlite_instance(tmp_path):
    with DagsterInstance.local(str(tmp_path)) as first:
        result = nightly.execute_in_process(instance=first)

    with DagsterInstance.local(str(tmp_path)) as reopened:
        assert reopened.run_ids_for_asset_key(AssetKey("report")) == [result.run_id]


def test_a_database_written_before_the_catalog_is_indexed_when_opened(tmp_path):
    with DagsterInstance.local(str(tmp_path)) as first:
        result = nightly.execute_in_process(instance=first)
    conn = sqlite3.connect(str(tmp_path / "opbook.db"))
    conn.execute("DROP TABLE asset_events")
    conn.commit()
    conn.close()

    with DagsterInstance.local(str(tmp_path)) as reopened:
        assert reopened.run_ids_for_asset_key(AssetKey(["warehouse", "orders"])) == [result.run_id]
