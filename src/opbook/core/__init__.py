"""Module paths of ``dagster.core`` that Dagster users import in their own code and tests.

Only what users reach for is here, under the same path as in Dagster 0.13.19:
``opbook.core.test_utils`` (``instance_for_test``, ``environ``, ``default_mode_def_for_test``)
``opbook.core.definitions.events`` (``HookExecutionResult``),
``opbook.core.storage.memoizable_io_manager`` (``versioned_filesystem_io_manager``) and
``opbook.core.storage.tags`` (the run tags opbook sets).  Everything else of
Dagster's is imported from ``opbook``.
"""
