"""The public API of opbook, as Dagster names it, in one namespace.

``opbook/__init__.py`` loads this module the first time any public name is asked for, so that
``import opbook`` itself stays instant.  To publish a name, import it here from its defining
module and add it to the sorted ``__all__`` (a test locks the list).
"""

from opbook.api import (
    execute_pipeline,
    execute_pipeline_iterator,
    reexecute_pipeline,
    reexecute_pipeline_iterator,
)
from opbook.config import (
    Array,
    BoolSource,
    Enum,
    EnumValue,
    Field,
    IntSource,
    Map,
    Noneable,
    Permissive,
    ScalarUnion,
    Selector,
    Shape,
    StringSource,
)
from opbook.definitions.dagster_type import (
    Any,
    Bool,
    DagsterType,
    DagsterTypeLoader,
    DagsterTypeMaterializer,
    Dict,
    Float,
    Int,
    List,
    Nothing,
    Optional,
    PythonObjectDagsterType,
    Set,
    String,
    Tuple,
    dagster_type_loader,
    dagster_type_materializer,
    make_python_type_usable_as_dagster_type,
    usable_as_dagster_type,
)
from opbook.definitions.dependencies import (
    DependencyDefinition,
    InputMapping,
    MultiDependencyDefinition,
    NodeInvocation,
    OutputMapping,
    SolidInvocation,
)
from opbook.definitions.executor import (
    ExecutorDefinition,
    default_executors,
    executor,
    in_process_executor,
    multiprocess_executor,
)
from opbook.definitions.graph import (
    CompositeSolidDefinition,
    ConfigMapping,
    GraphDefinition,
    composite_solid,
    graph,
)
from opbook.definitions.hook import HookDefinition, event_list_hook, failure_hook, success_hook
from opbook.definitions.input_output import In, InputDefinition, Out, OutputDefinition
from opbook.definitions.job import JobDefinition, PipelineDefinition, job, pipeline
from opbook.definitions.logger import LoggerDefinition, logger
from opbook.definitions.metadata import EventMetadataEntry, MetadataValue
from opbook.definitions.mode import ModeDefinition, PresetDefinition
from opbook.definitions.op import OpDefinition, SolidDefinition, lambda_solid, op, solid
from opbook.definitions.reconstructable import ReconstructablePipeline, reconstructable
from opbook.definitions.resource import ResourceDefinition, resource
from opbook.definitions.storage import (
    IntermediateStorageDefinition,
    SystemStorageDefinition,
    default_intermediate_storage_defs,
    default_system_storage_defs,
    fs_intermediate_storage,
    fs_system_storage,
    intermediate_storage,
    mem_intermediate_storage,
    mem_system_storage,
    system_storage,
)
from opbook.definitions.user_events import (
    AssetKey,
    AssetMaterialization,
    ExpectationResult,
    Failure,
    Materialization,
    Output,
    RetryPolicy,
    RetryRequested,
    TypeCheck,
)
from opbook.errors import (
    DagsterConfigMappingFunctionError,
    DagsterError,
    DagsterExecutionInterruptedError,
    DagsterExecutionStepExecutionError,
    DagsterExecutionStepNotFoundError,
    DagsterInvalidConfigDefinitionError,
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    DagsterInvalidInvocationError,
    DagsterInvalidPropertyError,
    DagsterInvalidSubsetError,
    DagsterInvariantViolationError,
    DagsterResourceFunctionError,
    DagsterRunNotFoundError,
    DagsterStepOutputNotFoundError,
    DagsterSubprocessError,
    DagsterTypeCheckDidNotPass,
    DagsterTypeCheckError,
    DagsterUnknownResourceError,
    DagsterUnmetExecutorRequirementsError,
    DagsterUserCodeExecutionError,
    HookExecutionError,
)
from opbook.events import DagsterEvent, DagsterEventType, NodeHandle, SolidHandle
from opbook.execution.context import (
    AbstractComputeExecutionContext,
    HookContext,
    InitExecutorContext,
    InitLoggerContext,
    InitResourceContext,
    OpExecutionContext,
    SolidExecutionContext,
    SystemComputeExecutionContext,
    TypeCheckContext,
)
from opbook.execution.invocation import (
    build_hook_context,
    build_init_resource_context,
    build_op_context,
    build_solid_context,
)
from opbook.execution.results import (
    CompositeSolidExecutionResult,
    ExecuteInProcessResult,
    InProcessExecutionResult,
    PipelineExecutionResult,
    SolidExecutionResult,
)
from opbook.storage.custom import AssetStoreContext, build_intermediate_storage_from_object_store
from opbook.storage.instance import DagsterInstance
from opbook.storage.runs import DagsterRun, DagsterRunStatus, PipelineRun, PipelineRunStatus
from opbook.testing import (
    execute_solid,
    execute_solid_within_pipeline,
    execute_solids_within_pipeline,
)

hardcoded_resource = ResourceDefinition.hardcoded_resource


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext opbook``: register the notebook magics and rich displays."""
    # The notebook layer (IPython, graphviz) is heavy and optional: loaded only when asked for.
    from opbook import notebook

    notebook.load_ipython_extension(ipython)


def unload_ipython_extension(ipython: object) -> None:
    """``%unload_ext opbook``: remove the notebook magics and rich displays."""
    from opbook import notebook

    notebook.unload_ipython_extension(ipython)


__all__ = [
    "AbstractComputeExecutionContext",
    "Any",
    "Array",
    "AssetKey",
    "AssetMaterialization",
    "AssetStoreContext",
    "Bool",
    "BoolSource",
    "CompositeSolidDefinition",
    "CompositeSolidExecutionResult",
    "ConfigMapping",
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
    "EventMetadataEntry",
    "ExecuteInProcessResult",
    "ExecutorDefinition",
    "ExpectationResult",
    "Failure",
    "Field",
    "Float",
    "GraphDefinition",
    "HookContext",
    "HookDefinition",
    "HookExecutionError",
    "In",
    "InProcessExecutionResult",
    "InitExecutorContext",
    "InitLoggerContext",
    "InitResourceContext",
    "InputDefinition",
    "InputMapping",
    "Int",
    "IntSource",
    "IntermediateStorageDefinition",
    "JobDefinition",
    "List",
    "LoggerDefinition",
    "Map",
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
    "OutputDefinition",
    "OutputMapping",
    "Permissive",
    "PipelineDefinition",
    "PipelineExecutionResult",
    "PipelineRun",
    "PipelineRunStatus",
    "PresetDefinition",
    "PythonObjectDagsterType",
    "ReconstructablePipeline",
    "ResourceDefinition",
    "RetryPolicy",
    "RetryRequested",
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
    "Tuple",
    "TypeCheck",
    "TypeCheckContext",
    "build_hook_context",
    "build_init_resource_context",
    "build_intermediate_storage_from_object_store",
    "build_op_context",
    "build_solid_context",
    "composite_solid",
    "dagster_type_loader",
    "dagster_type_materializer",
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
    "fs_intermediate_storage",
    "fs_system_storage",
    "graph",
    "hardcoded_resource",
    "in_process_executor",
    "intermediate_storage",
    "job",
    "lambda_solid",
    "load_ipython_extension",
    "logger",
    "make_python_type_usable_as_dagster_type",
    "mem_intermediate_storage",
    "mem_system_storage",
    "multiprocess_executor",
    "op",
    "pipeline",
    "reconstructable",
    "reexecute_pipeline",
    "reexecute_pipeline_iterator",
    "resource",
    "solid",
    "success_hook",
    "system_storage",
    "unload_ipython_extension",
    "usable_as_dagster_type",
]
