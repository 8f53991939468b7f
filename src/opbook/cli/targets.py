"""TARGET: where the command line finds jobs, and choosing one of them.

A target is one of:

* a Python file (``jobs.py``, or any existing path): imported as a module, its directory put
  on ``sys.path`` first as ``python jobs.py`` would (an ``if __name__ == "__main__":`` block does
  not run).  Worker processes load the same file again by its path;
* a module (``pkg.jobs``): imported, with the current directory on ``sys.path`` as for
  ``python -m``;
* a notebook (``analysis.ipynb``): its code cells run with no kernel (``notebooks.py``).

Loading a target runs its code.  The jobs are those of the repositories (``@repository``) bound
to public names of the loaded namespace, then the job and pipeline definitions bound to public
names (once each, by their own name); ``-j NAME`` chooses one by its name or by the name it is
bound to, and may also name a graph, run as a job.  Every problem
(no such file, a failing import, no job, several jobs and none named, no job of that name) is
a one-line ``CommandLineError``.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any

from opbook.cli.errors import CommandLineError, describe_exception
from opbook.definitions.graph import GraphDefinition
from opbook.definitions.job import PipelineDefinition
from opbook.definitions.reconstructable import CodePointer
from opbook.definitions.repository import RepositoryDefinition

NOTEBOOK_SUFFIX = ".ipynb"


@dataclass
class Target:
    """A loaded target: what was given, where it is (a path or a module name), its names.

    ``location`` is recorded on the runs started from it (tag ``opbook/target``), so that
    ``opbook reexecute`` can load it again; ``notebook`` is the loaded notebook, if it is one.
    """

    given: str
    location: str
    namespace: dict[str, Any]
    notebook: Any = field(default=None, repr=False)


def load(text: str) -> Target:
    """Load the file, module or notebook ``text`` names."""
    if text.endswith(NOTEBOOK_SUFFIX):
        return load_notebook(text)
    if text.endswith(".py") or os.sep in text or os.path.exists(text):
        return _load_file(text)
    if all(part.isidentifier() for part in text.split(".")):
        return _load_module(text)
    raise CommandLineError(f"no such file or module: {text}")


def load_notebook(text: str) -> Target:
    """Run a notebook's code cells (see ``opbook.cli.notebooks``)."""
    # IPython and nbformat are imported only when a target is a notebook.
    from opbook.cli import notebooks

    path = os.path.abspath(os.path.expanduser(text))
    # A kernel starts in the notebook's folder, so a notebook may import modules beside it.
    _put_on_path(os.path.dirname(path))
    loaded = notebooks.load(path)
    return Target(text, path, loaded.namespace, loaded)


def _where(exc: BaseException, path: str | None) -> str:
    """`` (line N)`` of the deepest frame in ``path`` (or of a syntax error)."""
    if isinstance(exc, SyntaxError):
        return f" (line {exc.lineno})" if exc.lineno else ""
    frames = list(traceback.extract_tb(exc.__traceback__))
    if path is not None:
        frames = [f for f in frames if os.path.realpath(f.filename) == os.path.realpath(path)]
    return f" (line {frames[-1].lineno})" if frames else ""


def _forget_module_of(path: str) -> None:
    """Drop a half-imported file from ``sys.modules``, so that fixing it and loading again works."""
    real = os.path.realpath(path)
    for name, module in list(sys.modules.items()):
        if os.path.realpath(getattr(module, "__file__", None) or "") == real:
            del sys.modules[name]


def _load_file(text: str) -> Target:
    path = os.path.abspath(os.path.expanduser(text))
    if not os.path.isfile(path):
        raise CommandLineError(f"no such file: {text}")
    _put_on_path(os.path.dirname(path))
    try:
        module = CodePointer("", None, path, os.getcwd()).load_module()
    except Exception as exc:
        _forget_module_of(path)
        raise CommandLineError(
            f"{text}: could not load it: {describe_exception(exc)}{_where(exc, path)}"
        ) from None
    return Target(text, path, dict(vars(module)))


def _put_on_path(directory: str) -> None:
    if directory not in sys.path:
        sys.path.insert(0, directory)


def _load_module(name: str) -> Target:
    _put_on_path(os.getcwd())
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(f"{exc.name}.")):
            raise CommandLineError(f"no such file or module: {name}") from None
        raise CommandLineError(f"{name}: could not import it: {describe_exception(exc)}") from None
    except Exception as exc:
        where = _where(exc, getattr(sys.modules.get(name), "__file__", None))
        raise CommandLineError(
            f"{name}: could not import it: {describe_exception(exc)}{where}"
        ) from None
    return Target(name, name, dict(vars(module)))


# -- choosing a job --------------------------------------------------------------------------


def repositories_in(namespace: dict[str, Any]) -> list[RepositoryDefinition]:
    """The repositories bound to public names, once each."""
    found: dict[int, RepositoryDefinition] = {}
    for key, value in namespace.items():
        if not key.startswith("_") and isinstance(value, RepositoryDefinition):
            found.setdefault(id(value), value)
    return list(found.values())


def repository_of(target: Target, pipeline: PipelineDefinition) -> str | None:
    """The name of the repository that holds ``pipeline``, if one does."""
    for repo in repositories_in(target.namespace):
        if pipeline in repo.get_all_pipelines():
            return repo.name
    return None


def jobs_in(namespace: dict[str, Any]) -> dict[str, PipelineDefinition]:
    """The jobs and pipelines of the repositories, then those bound to public names, by their
    own name (first one wins)."""
    jobs: dict[str, PipelineDefinition] = {}
    for repo in repositories_in(namespace):
        for pipeline in repo.get_all_pipelines():
            jobs.setdefault(pipeline.name, pipeline)
    for key, value in namespace.items():
        if not key.startswith("_") and isinstance(value, PipelineDefinition):
            jobs.setdefault(value.name, value)
    return jobs


def _graphs_in(namespace: dict[str, Any]) -> dict[str, GraphDefinition]:
    return {
        value.name: value
        for key, value in namespace.items()
        if not key.startswith("_")
        and isinstance(value, GraphDefinition)
        and value.node_kind == "graph"
    }


def choose(target: Target, name: str | None) -> PipelineDefinition:
    """The job ``name`` names in ``target`` (its only job when ``name`` is None).

    Raises:
        CommandLineError: no job, several jobs and no name, or no job (or graph) of that name.
    """
    jobs = jobs_in(target.namespace)
    if name is None:
        if len(jobs) == 1:
            return next(iter(jobs.values()))
        if not jobs:
            graphs = sorted(_graphs_in(target.namespace))
            hint = (
                f" (graphs: {', '.join(graphs)}; run one as a job with -j NAME)" if graphs else ""
            )
            raise CommandLineError(f"{target.given} defines no job or pipeline{hint}")
        raise CommandLineError(
            f"{target.given} defines several jobs ({', '.join(sorted(jobs))}); choose one with -j"
        )
    bound = target.namespace.get(name)
    if name in jobs:
        return jobs[name]
    if isinstance(bound, PipelineDefinition):
        return bound
    graph = bound if isinstance(bound, GraphDefinition) else _graphs_in(target.namespace).get(name)
    if graph is not None and graph.node_kind == "graph":
        job: PipelineDefinition = graph.to_job()
        return job
    known = ", ".join(sorted(jobs)) or "none"
    raise CommandLineError(f"{target.given} has no job named {name!r} (jobs: {known})")
