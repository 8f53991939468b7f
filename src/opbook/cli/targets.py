"""TARGET: where the command line finds jobs, and choosing one of them.

A target is one of:

* a Python file (``jobs.py``, or any existing path): imported as a module, its directory put
  on ``sys.path`` first as ``python jobs.py`` would (an ``if __name__ == "__main__":`` block does
  not run).  Worker processes load the same file again by its path;
* a module (``pkg.jobs``): imported, with the current directory on ``sys.path`` as for
  ``python -m``;
* a notebook (``analysis.ipynb``): its code cells run with no kernel (``notebooks.py``), in
  the notebook's folder as in Jupyter, and so does its job (``working_in``).

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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from opbook.cli.errors import CommandLineError, describe_exception
from opbook.definitions.graph import GraphDefinition
from opbook.definitions.job import PipelineDefinition
from opbook.definitions.reconstructable import CodePointer
from opbook.definitions.repository import RepositoryDefinition
from opbook.definitions.schedule import ScheduleDefinition

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
    # A kernel starts in the notebook's folder, so a notebook may import modules beside it,
    # and its cells read files by paths relative to it.
    _put_on_path(os.path.dirname(path))
    with _working_folder(os.path.dirname(path)):
        loaded = notebooks.load(path)
    return Target(text, path, loaded.namespace, loaded)


@contextmanager
def _working_folder(folder: str) -> Iterator[None]:
    previous = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


@contextmanager
def working_in(target: Target) -> Iterator[None]:
    """Run a notebook target's job in the notebook's folder, as a Jupyter kernel would: its
    ops (and the worker processes they run in) find files by paths relative to the notebook.
    Any other target runs where the command was started."""
    if target.notebook is None:
        yield
        return
    with _working_folder(os.path.dirname(target.location)):
        yield


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
    own name (first one wins; ``choose`` refuses a name that two different jobs have)."""
    return {name: found[0][1] for name, found in _jobs_by_name(namespace).items()}


def _jobs_by_name(namespace: dict[str, Any]) -> dict[str, list[tuple[str, PipelineDefinition]]]:
    """Each job name, with where each distinct job of that name was found."""
    found: dict[str, list[tuple[str, PipelineDefinition]]] = {}

    def add(where: str, pipeline: PipelineDefinition) -> None:
        same_name = found.setdefault(pipeline.name, [])
        if all(other is not pipeline for _, other in same_name):
            same_name.append((where, pipeline))

    for repo in repositories_in(namespace):
        for pipeline in repo.get_all_pipelines():
            add(f"in repository {repo.name!r}", pipeline)
    for key, value in namespace.items():
        if not key.startswith("_") and isinstance(value, PipelineDefinition):
            add(f"bound to {key!r}", value)
    return found


def _refuse_two_of(given: str, name: str, found: list[tuple[str, PipelineDefinition]]) -> None:
    if len(found) > 1:
        places = " and ".join(where for where, _ in found)
        raise CommandLineError(
            f"{given} defines two different jobs named {name!r} ({places}); give each its own name"
        )


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
    by_name = _jobs_by_name(target.namespace)
    jobs = {job_name: found[0][1] for job_name, found in by_name.items()}
    if name is None:
        if len(jobs) == 1:
            only = next(iter(by_name))
            _refuse_two_of(target.given, only, by_name[only])
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
        _refuse_two_of(target.given, name, by_name[name])
        return jobs[name]
    if isinstance(bound, PipelineDefinition):
        return bound
    graph = bound if isinstance(bound, GraphDefinition) else _graphs_in(target.namespace).get(name)
    if graph is not None and graph.node_kind == "graph":
        job: PipelineDefinition = graph.to_job()
        return job
    known = ", ".join(sorted(jobs)) or "none"
    raise CommandLineError(f"{target.given} has no job named {name!r} (jobs: {known})")


def schedules_in(namespace: dict[str, Any]) -> dict[str, ScheduleDefinition]:
    """The schedules of the repositories, then those bound to public names, by their name."""
    found: dict[str, ScheduleDefinition] = {}
    for repo in repositories_in(namespace):
        for schedule in repo.schedule_defs:
            found.setdefault(schedule.name, schedule)
    for key, value in namespace.items():
        if not key.startswith("_") and isinstance(value, ScheduleDefinition):
            found.setdefault(value.name, value)
    return found


def choose_schedule(target: Target, name: str) -> ScheduleDefinition:
    """The schedule ``name`` names in ``target`` (by its name or the name it is bound to).

    Raises:
        CommandLineError: no schedule of that name.
    """
    schedules = schedules_in(target.namespace)
    bound = target.namespace.get(name)
    if isinstance(bound, ScheduleDefinition):
        return bound
    if name in schedules:
        return schedules[name]
    known = ", ".join(sorted(schedules)) or "none"
    raise CommandLineError(f"{target.given} has no schedule named {name!r} (schedules: {known})")
