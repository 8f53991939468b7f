"""The public API is exactly what ``opbook.__all__`` lists: sorted, importable, and locked here
so that a name is added or removed on purpose (update EXPECTED with it)."""

from __future__ import annotations

import importlib

import pytest

import opbook

EXPECTED = [
    "AbstractComputeExecutionContext",
    "Any",
    "Array",
    "AssetKey",
    "AssetMaterialization",
    "AssetStoreContext",
    "Backoff",
    "Bool",
    "BoolSource",
    "CompositeSolidDefinition",
    "CompositeSolidExecutionResult",
    "ConfigMapping",
    "CustomPathPickledObjectFilesystemIOManager",
    "DagsterConfigMappingFunctionError",
    "DagsterError",
    "DagsterEvent",
    "DagsterEventType",
    "DagsterExecutionInterruptedError",
    "DagsterExecutionStepExecutionError",
    "DagsterExecutionStepNotFoundError",
    "DagsterInstance",
    "DagsterInvalidConfigDefinitionError",
    "DagsterInvalidConfigError",
    "DagsterInvalidDefinitionError",
    "DagsterInvalidInvocationError",
    "DagsterInvalidPropertyError",
    "DagsterInvalidSubsetError",
    "DagsterInvariantViolationError",
    "DagsterResourceFunctionError",
    "DagsterRun",
    "DagsterRunNotFoundError",
    "DagsterRunStatus",
    "DagsterStepOutputNotFoundError",
    "DagsterSubprocessError",
    "DagsterType",
    "DagsterTypeCheckDidNotPass",
    "DagsterTypeCheckError",
    "DagsterTypeLoader",
    "DagsterTypeMaterializer",
    "DagsterUnknownResourceError",
    "DagsterUnmetExecutorRequirementsError",
    "DagsterUserCodeExecutionError",
    "DependencyDefinition",
    "Dict",
    "Enum",
    "EnumValue",
    "EventMetadata",
    "EventMetadataEntry",
    "ExecuteInProcessResult",
    "ExecutorDefinition",
    "ExpectationResult",
    "ExperimentalWarning",
    "Failure",
    "Field",
    "Float",
    "FloatMetadataEntryData",
    "GraphDefinition",
    "GraphIn",
    "GraphOut",
    "HookContext",
    "HookDefinition",
    "HookExecutionError",
    "IOManager",
    "IOManagerDefinition",
    "In",
    "InMemoryIOManager",
    "InProcessExecutionResult",
    "InitExecutorContext",
    "InitLoggerContext",
    "InitResourceContext",
    "InputContext",
    "InputDefinition",
    "InputMapping",
    "Int",
    "IntMetadataEntryData",
    "IntSource",
    "IntermediateStorageDefinition",
    "Jitter",
    "JobDefinition",
    "JsonMetadataEntryData",
    "List",
    "LoggerDefinition",
    "Map",
    "MarkdownMetadataEntryData",
    "Materialization",
    "MetadataValue",
    "ModeDefinition",
    "MultiDependencyDefinition",
    "NodeHandle",
    "NodeInvocation",
    "Noneable",
    "Nothing",
    "OpDefinition",
    "OpExecutionContext",
    "Optional",
    "Out",
    "Output",
    "OutputContext",
    "OutputDefinition",
    "OutputMapping",
    "PathMetadataEntryData",
    "Permissive",
    "PickledObjectFilesystemIOManager",
    "PipelineDefinition",
    "PipelineExecutionResult",
    "PipelineRun",
    "PipelineRunStatus",
    "PresetDefinition",
    "PythonArtifactMetadataEntryData",
    "PythonObjectDagsterType",
    "ReconstructablePipeline",
    "ResourceDefinition",
    "RetryPolicy",
    "RetryRequested",
    "RootInputManager",
    "RootInputManagerDefinition",
    "ScalarUnion",
    "Selector",
    "Set",
    "Shape",
    "SolidDefinition",
    "SolidExecutionContext",
    "SolidExecutionResult",
    "SolidHandle",
    "SolidInvocation",
    "String",
    "StringSource",
    "SystemComputeExecutionContext",
    "SystemStorageDefinition",
    "TextMetadataEntryData",
    "Tuple",
    "TypeCheck",
    "TypeCheckContext",
    "UrlMetadataEntryData",
    "__version__",
    "build_hook_context",
    "build_init_logger_context",
    "build_init_resource_context",
    "build_input_context",
    "build_intermediate_storage_from_object_store",
    "build_op_context",
    "build_output_context",
    "build_resources",
    "build_solid_context",
    "check_dagster_type",
    "composite_solid",
    "config_from_files",
    "config_from_pkg_resources",
    "config_from_yaml_strings",
    "config_mapping",
    "configured",
    "custom_path_fs_io_manager",
    "dagster_type_loader",
    "dagster_type_materializer",
    "dask_executor",
    "default_executors",
    "default_intermediate_storage_defs",
    "default_system_storage_defs",
    "event_list_hook",
    "execute_pipeline",
    "execute_pipeline_iterator",
    "execute_solid",
    "execute_solid_within_pipeline",
    "execute_solids_within_pipeline",
    "executor",
    "failure_hook",
    "file_relative_path",
    "fs_intermediate_storage",
    "fs_io_manager",
    "fs_system_storage",
    "get_dagster_logger",
    "graph",
    "hardcoded_resource",
    "in_process_executor",
    "intermediate_storage",
    "io_manager",
    "job",
    "lambda_solid",
    "load_ipython_extension",
    "logger",
    "make_python_type_usable_as_dagster_type",
    "make_values_resource",
    "mem_intermediate_storage",
    "mem_io_manager",
    "mem_system_storage",
    "multiprocess_executor",
    "op",
    "pipeline",
    "reconstructable",
    "reexecute_pipeline",
    "reexecute_pipeline_iterator",
    "resource",
    "root_input_manager",
    "solid",
    "success_hook",
    "system_storage",
    "unload_ipython_extension",
    "usable_as_dagster_type",
    "validate_run_config",
]


def test_all_is_sorted() -> None:
    assert opbook.__all__ == sorted(opbook.__all__)


def test_all_is_locked() -> None:
    assert sorted(opbook.__all__) == EXPECTED


def test_all_has_no_duplicates() -> None:
    assert len(set(opbook.__all__)) == len(opbook.__all__)


@pytest.mark.parametrize("name", EXPECTED)
def test_every_name_is_importable(name: str) -> None:
    module = importlib.import_module("opbook")
    assert getattr(module, name) is not None
    namespace: dict[str, object] = {}
    exec(f"from opbook import {name}", namespace)
    assert namespace[name] is getattr(opbook, name)


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from opbook import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == EXPECTED


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("ExecuteInProcessResult", "InProcessExecutionResult"),
        ("OpExecutionContext", "SolidExecutionContext"),
        ("NodeHandle", "SolidHandle"),
        ("NodeInvocation", "SolidInvocation"),
        ("SystemStorageDefinition", "IntermediateStorageDefinition"),
        ("mem_system_storage", "mem_intermediate_storage"),
        ("fs_system_storage", "fs_intermediate_storage"),
    ],
)
def test_generation_aliases_are_the_same_object(alias: str, name: str) -> None:
    assert getattr(opbook, alias) is getattr(opbook, name)


def test_default_executors_are_in_process_and_multiprocess() -> None:
    assert opbook.default_executors == [opbook.in_process_executor, opbook.multiprocess_executor]
    assert [e.name for e in opbook.default_executors] == ["in_process", "multiprocess"]
