"""``reconstructable(target)``: a pointer to a pipeline or job that another process can load.

A worker process cannot be handed a definition object; it is handed a *code pointer* (a module
and a name, or a file and a name) and loads the definition itself.  ``reconstructable`` keeps
Dagster's acceptance rules, each refused with ``DagsterInvariantViolationError``:

1. the target is a function (called with no arguments, it returns the definition) or a
   definition made by ``@pipeline`` / ``@job`` (which carries the function's ``__name__``);
2. not a lambda;
3. defined at module scope (``__qualname__ == __name__``);
4. in a module with a file: not typed at a prompt, in IPython or in a notebook cell.

One friendlier extension: a definition that a factory built and that is assigned to a module
level name (``chain_8 = make_chain(8)``) is found among the module's globals and accepted.

Unlike Dagster, the target's module is not imported a second time here to learn the name: the
definition is at hand.  Jobs that are not reconstructable still run on the multiprocess and
dask executors, which send their definitions to workers with cloudpickle.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import json
import os
import sys
import weakref
from dataclasses import dataclass
from types import ModuleType
from typing import Any, NamedTuple

from opbook.definitions.engine import engine
from opbook.definitions.job import JobDefinition, PipelineDefinition
from opbook.errors import DagsterInvariantViolationError

_INTERACTIVE = (
    "reconstructable() can not reconstruct jobs or pipelines defined in interactive "
    "environments like <stdin>, IPython, or Jupyter notebooks. Define it in a module or a "
    "file, or run it as it is: the multiprocess executor sends jobs that are not "
    "reconstructable to its workers with cloudpickle."
)


@dataclass(frozen=True)
class CodePointer:
    """Where a definition lives: ``module`` (importable) and/or ``python_file``, and a name."""

    fn_name: str
    module: str | None = None
    python_file: str | None = None
    working_directory: str | None = None

    def describe(self) -> str:
        where = f"module {self.module}" if self.module else f"file {self.python_file}"
        return f"{self.fn_name} in {where}"

    def load_module(self) -> ModuleType:
        if self.module is not None:
            try:
                return importlib.import_module(self.module)
            except ImportError:
                if self.python_file is None:
                    raise
        assert self.python_file is not None
        return _module_from_file(self.python_file, self.module, self.working_directory)

    def load_target(self) -> Any:
        module = self.load_module()
        if not hasattr(module, self.fn_name):
            raise DagsterInvariantViolationError(
                f"{self.describe()} does not exist: the module has no attribute {self.fn_name!r}."
            )
        return getattr(module, self.fn_name)


def _module_from_file(path: str, name: str | None, working_directory: str | None) -> ModuleType:
    path = os.path.realpath(path)
    for module in list(sys.modules.values()):
        # A script's own module (``__main__``, or ``__mp_main__`` in a spawned worker).
        if os.path.realpath(getattr(module, "__file__", None) or "") == path:
            return module
    if working_directory and working_directory not in sys.path:
        sys.path.insert(0, working_directory)
    module_name = name or f"__opbook_file_{hashlib.sha1(path.encode()).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise DagsterInvariantViolationError(f"Cannot load Python code from the file {path}.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


class ReconstructableRepository(NamedTuple):
    """The code pointer a reconstructable pipeline is loaded from."""

    pointer: CodePointer

    def get_definition(self) -> PipelineDefinition:
        return _definition_from_pointer(self.pointer)

    @staticmethod
    def for_file(file: str, fn_name: str) -> ReconstructableRepository:
        return ReconstructableRepository(CodePointer(fn_name, None, os.path.realpath(file)))

    @staticmethod
    def for_module(module: str, fn_name: str) -> ReconstructableRepository:
        return ReconstructableRepository(CodePointer(fn_name, module))


class PipelinePythonOrigin(NamedTuple):
    pipeline_name: str
    pointer: CodePointer


_definitions: dict[ReconstructablePipeline, PipelineDefinition] = {}
_pointers: weakref.WeakKeyDictionary[PipelineDefinition, ReconstructablePipeline] = (
    weakref.WeakKeyDictionary()
)


class ReconstructablePipeline(NamedTuple):
    """A pipeline or job that any process can load from its code pointer.

    ``solids_to_execute`` (top-level node names) makes it a subset; ``solid_selection_str`` is
    the selection it came from, as JSON.
    """

    repository: ReconstructableRepository
    pipeline_name: str
    solid_selection_str: str | None = None
    solids_to_execute: frozenset[str] | None = None

    @property
    def pointer(self) -> CodePointer:
        return self.repository.pointer

    @property
    def solid_selection(self) -> list[str] | None:
        return json.loads(self.solid_selection_str) if self.solid_selection_str else None

    def get_definition(self) -> PipelineDefinition:
        """The definition (loaded once per process), subset if this is a subset."""
        found = _definitions.get(self)
        if found is None:
            full = _definitions.get(self._full()) or self.repository.get_definition()
            if full.name != self.pipeline_name:
                raise DagsterInvariantViolationError(
                    f'{self.pointer.describe()} is now "{full.name}", not "{self.pipeline_name}".'
                )
            _remember(self._full(), full)
            found = full.get_pipeline_subset_def(self.solids_to_execute)
            _definitions[self] = found
        return found

    def _full(self) -> ReconstructablePipeline:
        return ReconstructablePipeline(self.repository, self.pipeline_name)

    def get_reconstructable_repository(self) -> ReconstructableRepository:
        return self.repository

    def subset_for_execution(self, solid_selection: list[str] | None) -> ReconstructablePipeline:
        """This pipeline restricted to a selection (``["*c"]``, ``["a+"]``)."""
        if not solid_selection:
            return self._full()
        names = engine().select_nodes(self._full().get_definition(), solid_selection)
        return ReconstructablePipeline(
            self.repository, self.pipeline_name, json.dumps(list(solid_selection)), frozenset(names)
        )

    def subset_for_execution_from_existing_pipeline(
        self, solids_to_execute: frozenset[str] | None
    ) -> ReconstructablePipeline:
        """This pipeline restricted to top-level nodes already resolved from a selection."""
        if not solids_to_execute:
            return self._full()
        return ReconstructablePipeline(
            self.repository,
            self.pipeline_name,
            self.solid_selection_str,
            frozenset(solids_to_execute),
        )

    def subset_for_execution_from_existing_job(
        self, ops_to_execute: frozenset[str] | None
    ) -> ReconstructablePipeline:
        return self.subset_for_execution_from_existing_pipeline(ops_to_execute)

    def describe(self) -> str:
        return f'"{self.pipeline_name}" in {self.pointer.describe()}'

    def get_origin(self) -> PipelinePythonOrigin:
        return PipelinePythonOrigin(self.pipeline_name, self.pointer)

    def get_origin_id(self) -> str:
        return hashlib.sha1(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        pointer = self.pointer
        return {
            "__class__": "ReconstructablePipeline",
            "pipeline_name": self.pipeline_name,
            "pointer": {
                "fn_name": pointer.fn_name,
                "module": pointer.module,
                "python_file": pointer.python_file,
                "working_directory": pointer.working_directory,
            },
            "solid_selection_str": self.solid_selection_str,
            "solids_to_execute": sorted(self.solids_to_execute)
            if self.solids_to_execute is not None
            else None,
        }

    @staticmethod
    def from_dict(value: dict[str, Any]) -> ReconstructablePipeline:
        if not isinstance(value, dict) or value.get("__class__") != "ReconstructablePipeline":
            raise DagsterInvariantViolationError(
                f"Deserialized object is not a ReconstructablePipeline: {value!r}"
            )
        solids = value.get("solids_to_execute")
        return ReconstructablePipeline(
            ReconstructableRepository(CodePointer(**value["pointer"])),
            value["pipeline_name"],
            value.get("solid_selection_str"),
            frozenset(solids) if solids is not None else None,
        )

    @staticmethod
    def for_file(python_file: str, fn_name: str) -> ReconstructablePipeline:
        """The pipeline or job named ``fn_name`` in a Python file (the file is loaded)."""
        pointer = CodePointer(fn_name, None, os.path.realpath(python_file), os.getcwd())
        return _bootstrap(pointer)

    @staticmethod
    def for_module(module: str, fn_name: str) -> ReconstructablePipeline:
        """The pipeline or job named ``fn_name`` in an importable module."""
        return _bootstrap(CodePointer(fn_name, module))


ReconstructableJob = ReconstructablePipeline


def _bootstrap(pointer: CodePointer) -> ReconstructablePipeline:
    definition = _definition_from_pointer(pointer)
    recon = ReconstructablePipeline(ReconstructableRepository(pointer), definition.name)
    _remember(recon, definition)
    return recon


def _remember(recon: ReconstructablePipeline, definition: PipelineDefinition) -> None:
    _definitions[recon] = definition
    _pointers[definition] = recon


def _definition_from_pointer(pointer: CodePointer) -> PipelineDefinition:
    target = pointer.load_target()
    if isinstance(target, PipelineDefinition):
        return target
    return _call(target, pointer.describe())


def _call(target: Any, where: str) -> PipelineDefinition:
    if callable(target):
        try:
            target = target()
        except TypeError as exc:
            raise DagsterInvariantViolationError(
                f"Error invoking function at {where} with no arguments. Reconstructable target "
                "must be callable with no arguments."
            ) from exc
    if isinstance(target, PipelineDefinition):
        return target
    if type(target).__name__ in ("GraphDefinition", "RepositoryDefinition"):
        raise DagsterInvariantViolationError(
            f"{where} must be, or return, a pipeline or job definition. Received a {type(target)}."
        )
    raise DagsterInvariantViolationError(
        "Loadable attributes must be either a JobDefinition, GraphDefinition, PipelineDefinition, "
        f"or a RepositoryDefinition. Got {target!r}. ({where} must be, or return, a pipeline or "
        "job definition.)"
    )


# -- reconstructable() ---------------------------------------------------------------------------


def reconstructable(target: Any) -> ReconstructablePipeline:
    """A ``ReconstructablePipeline`` for a module-level job, pipeline, or function returning one.

    Another process (a multiprocess or dask worker) loads the definition from the pointer: its
    module and name, or its file and name.  The target must be a function that returns the
    definition when called with no arguments, or a definition made by ``@pipeline`` / ``@job``;
    not a lambda; defined at module scope (or assigned to a module-level name); in a module
    with a file, not typed at a prompt or in a notebook cell.

    Args:
        target: the job, pipeline or function.

    Returns:
        ReconstructablePipeline: pass it wherever a pipeline is taken (``execute_pipeline``).

    Raises:
        DagsterInvariantViolationError: the target breaks one of the rules; the message says
            which and what to do.
    """
    _check_kind(target)
    module = inspect.getmodule(target)
    file = getattr(module, "__file__", None)
    name = target.__name__
    if target.__qualname__ != name:
        found = _module_level_name(module, target) if file else None
        if found is None:
            raise DagsterInvariantViolationError(
                f'Reconstructable target "{name}" has a different __qualname__ '
                f'"{target.__qualname__}" indicating it is not defined at module scope. Use a '
                "function or decorated function defined at module scope instead, or assign the "
                "definition to a module-level name."
            )
        name = found
    if module is None or file is None:
        raise DagsterInvariantViolationError(_INTERACTIVE)
    pointer = CodePointer(
        name,
        module.__name__ if module.__name__ != "__main__" else None,
        os.path.realpath(file),
        os.getcwd(),
    )
    definition = (
        target if isinstance(target, PipelineDefinition) else _call(target, pointer.describe())
    )
    recon = ReconstructablePipeline(ReconstructableRepository(pointer), definition.name)
    _remember(recon, definition)
    return recon


def _check_kind(target: Any) -> None:
    if inspect.isfunction(target):
        if target.__name__ == "<lambda>":
            raise DagsterInvariantViolationError(
                "Reconstructable target can not be a lambda. Use a function or decorated "
                "function defined at module scope instead."
            )
        return
    if isinstance(target, PipelineDefinition) and hasattr(target, "__name__"):
        return
    if isinstance(target, JobDefinition):
        raise DagsterInvariantViolationError(
            f'Reconstructable target was the job "{target.name}": not a function returning a '
            "job definition, or a job definition produced by a decorated function. If your job "
            "was constructed using ``GraphDefinition.to_job``, you must wrap the ``to_job`` call "
            "in a function at module scope, ie not within any other functions, and pass that "
            "function to reconstructable()."
        )
    raise DagsterInvariantViolationError(
        "Reconstructable target should be a function or definition produced by a decorated "
        f"function, got {type(target)}."
    )


def _module_level_name(module: ModuleType | None, target: Any) -> str | None:
    if module is None:
        return None
    for name, value in vars(module).items():
        if value is target and not name.startswith("_"):
            return name
    return None


def pointer_for(definition: PipelineDefinition) -> ReconstructablePipeline | None:
    """A pointer another process can load ``definition`` from, or None.

    Known pointers (from ``reconstructable``) come first; otherwise a decorated definition
    that its importable module holds under a module-level name.  Definitions of ``__main__``
    (scripts, notebooks) get None: they are sent by value instead.
    """
    full = definition.parent_pipeline_def or definition
    recon = _pointers.get(full)
    if recon is None:
        module = sys.modules.get(getattr(full, "__module__", "") or "")
        file = getattr(module, "__file__", None)
        if module is None or file is None or module.__name__ in ("__main__", "__mp_main__"):
            return None
        name = _module_level_name(module, full)
        if name is None:
            return None
        pointer = CodePointer(name, module.__name__, os.path.realpath(file), os.getcwd())
        recon = ReconstructablePipeline(ReconstructableRepository(pointer), full.name)
        _remember(recon, full)
    if recon.pointer.module is None:
        return None
    return recon.subset_for_execution_from_existing_pipeline(definition.solids_to_execute)
