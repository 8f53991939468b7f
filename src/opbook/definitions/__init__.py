"""Definitions: ops and solids, their inputs and outputs, graphs and composites, jobs and
pipelines with their modes and presets, resources, loggers, executors, storages, hooks, Dagster
types, and a job's run-config schema.  Frozen values built by decorators; nothing runs here."""
