"""``dagster.core.storage``: the module paths under it that Dagster users import from
(``memoizable_io_manager``, ``tags``)."""
