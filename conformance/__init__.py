"""Dagster 0.13.19's own public-API tests, downloaded and run against opbook.

``python -m conformance`` (from the repository root) is the runner; docs/dev/conformance.md says
how the selection, the baseline, the out-of-scope list and the floor fit together.
"""
