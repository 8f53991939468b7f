"""Repositories: the jobs, pipelines, schedules, sensors and partition sets of a code location.

``@repository`` turns a function returning a list, a dict or a ``RepositoryData`` into a
``RepositoryDefinition``:

* a list holds the definitions themselves; a graph becomes a job (``to_job()`` with no
  resources), and the jobs that sensors and schedules name directly join the repository;
* a dict maps each kind (``jobs``, ``pipelines``, ``schedules``, ``sensors``,
  ``partition_sets``) to ``{name: definition or function making it}``: a function is called
  the first time its definition is asked for, and what it makes must carry that name;
* a ``RepositoryData`` (subclassed) answers for the repository itself.

Members are sorted by kind: jobs and pipelines by class, other definitions by the kind they
declare in a ``_repository_kind`` class attribute (``"sensor"``, ``"schedule"`` or
``"partition_set"``), so schedules and partition sets need no import here.  A schedule
provides ``name``, ``pipeline_name``, ``has_loadable_target()`` and ``load_target()``, and
``get_partition_set()`` when it is partitioned; a job with partitioned config provides
``get_partition_set_def()``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from opbook.definitions.frozen import Frozen, wraps
from opbook.definitions.graph import GraphDefinition
from opbook.definitions.job import JobDefinition, PipelineDefinition
from opbook.definitions.names import check_valid_name
from opbook.errors import CheckError, DagsterInvalidDefinitionError, DagsterInvariantViolationError

DICT_KEYS = ("pipelines", "partition_sets", "schedules", "sensors", "jobs")
SENSOR, SCHEDULE, PARTITION_SET = "sensor", "schedule", "partition_set"


def repository_kind(definition: Any) -> str | None:
    """``job``, ``pipeline``, ``graph``, ``sensor``, ``schedule`` or ``partition_set``, or None
    for something a repository cannot hold."""
    if isinstance(definition, PipelineDefinition):
        return "job" if isinstance(definition, JobDefinition) else "pipeline"
    if isinstance(definition, GraphDefinition):
        return "graph" if definition.node_kind == "graph" else None
    kind = getattr(type(definition), "_repository_kind", None)
    return kind if kind in (SENSOR, SCHEDULE, PARTITION_SET) else None


def coerce_to_job(graph: GraphDefinition) -> JobDefinition:
    """The graph as a job with no resources; a graph that needs more cannot be coerced.

    Raises:
        DagsterInvalidDefinitionError: the graph needs resources (or config) to be a job.
    """
    try:
        job: JobDefinition = graph.to_job()
    except DagsterInvalidDefinitionError as exc:
        raise DagsterInvalidDefinitionError(
            f"Failed attempting to coerce Graph {graph.name} in to a Job. Use to_job instead, "
            "passing the required information."
        ) from exc
    return job


def _invariant(ok: bool, description: str) -> None:
    if not ok:
        raise CheckError(f"Invariant failed. Description: {description}")


class _DefinitionIndex:
    """Definitions of one kind by name, each made (if given as a function) and checked once.

    ``lazy`` gives definitions whose names are known only once they are made (the partition
    sets of partitioned jobs).
    """

    def __init__(
        self,
        kinds: tuple[str, ...],
        class_name: str,
        kind: str,
        definitions: Mapping[str, Any],
        validate: Callable[[Any], Any],
        lazy: Callable[[], list[Any]] | None = None,
    ) -> None:
        for key, definition in definitions.items():
            _invariant(
                repository_kind(definition) in kinds or callable(definition),
                f"Bad definition for {kind} {key}: must be {class_name} or callable, got "
                f"{type(definition)}",
            )
        self._kinds = kinds
        self._class_name = class_name
        self._kind = kind
        self._sources = dict(definitions)
        self._validate = validate
        self._lazy = lazy
        self._lazy_made: list[Any] | None = None
        self._made: dict[str, Any] = {}
        self._names: list[str] | None = None

    def _lazy_definitions(self) -> list[Any]:
        if self._lazy_made is None:
            self._lazy_made = self._lazy() if self._lazy is not None else []
            for definition in self._lazy_made:
                self._keep(definition, definition.name)
        return self._lazy_made

    def names(self) -> list[str]:
        if self._names is None:
            lazy_names = []
            for definition in self._lazy_definitions():
                strict = self._sources.get(definition.name)
                if strict is None:
                    lazy_names.append(definition.name)
                else:
                    _invariant(
                        strict == definition, f"Duplicate definition found for {definition.name}"
                    )
            self._names = list(self._sources) + lazy_names
        return self._names

    def has(self, name: str) -> bool:
        return name in self.names()

    def all(self) -> list[Any]:
        return sorted((self.get(name) for name in self.names()), key=lambda d: d.name)

    def get(self, name: str) -> Any:
        if not self.has(name):
            found = ", ".join(f"'{n}'" for n in self.names())
            raise DagsterInvariantViolationError(
                f"Could not find {self._kind} '{name}'. Found: {found}."
            )
        if name not in self._made:
            source = self._sources[name]
            made = source if repository_kind(source) in self._kinds else source()
            if self._kind == "job" and repository_kind(made) == "graph":
                made = coerce_to_job(made)
            self._keep(made, name)
        return self._made[name]

    def _keep(self, definition: Any, key: str) -> None:
        _invariant(
            repository_kind(definition) in self._kinds,
            f"Bad constructor for {self._kind} {key}: must return {self._class_name}, got value "
            f"of type {type(definition)}",
        )
        _invariant(
            definition.name == key,
            f"Bad constructor for {self._kind} '{key}': name in {self._class_name} does not "
            f"match: got '{definition.name}'",
        )
        self._made[key] = self._validate(definition)


class RepositoryData:
    """What a repository holds.  ``@repository`` builds one; subclass it to decide yourself
    how the repository's definitions are found and made (only ``get_all_pipelines`` is
    required; the other kinds default to none).
    """

    def get_all_pipelines(self) -> list[PipelineDefinition]:
        """Every pipeline and job of the repository (subclasses must say)."""
        raise NotImplementedError(f"{type(self).__name__} must define get_all_pipelines()")

    def get_all_jobs(self) -> list[JobDefinition]:
        return [p for p in self.get_all_pipelines() if isinstance(p, JobDefinition)]

    def get_pipeline_names(self) -> list[str]:
        return [p.name for p in self.get_all_pipelines()]

    def get_job_names(self) -> list[str]:
        return [j.name for j in self.get_all_jobs()]

    def has_pipeline(self, pipeline_name: str) -> bool:
        return pipeline_name in self.get_pipeline_names()

    def has_job(self, job_name: str) -> bool:
        return job_name in self.get_job_names()

    def get_pipeline(self, pipeline_name: str) -> PipelineDefinition:
        return _named(self.get_all_pipelines(), pipeline_name, "pipeline/job")

    def get_job(self, job_name: str) -> JobDefinition:
        job: JobDefinition = _named(self.get_all_jobs(), job_name, "job")
        return job

    def get_all_partition_sets(self) -> list[Any]:
        return []

    def get_partition_set_names(self) -> list[str]:
        return [p.name for p in self.get_all_partition_sets()]

    def has_partition_set(self, partition_set_name: str) -> bool:
        return partition_set_name in self.get_partition_set_names()

    def get_partition_set(self, partition_set_name: str) -> Any:
        return _named(self.get_all_partition_sets(), partition_set_name, "partition set")

    def get_all_schedules(self) -> list[Any]:
        return []

    def get_schedule_names(self) -> list[str]:
        return [s.name for s in self.get_all_schedules()]

    def has_schedule(self, schedule_name: str) -> bool:
        return schedule_name in self.get_schedule_names()

    def get_schedule(self, schedule_name: str) -> Any:
        return _named(self.get_all_schedules(), schedule_name, "schedule")

    def get_all_sensors(self) -> list[Any]:
        return []

    def get_sensor_names(self) -> list[str]:
        return [s.name for s in self.get_all_sensors()]

    def has_sensor(self, sensor_name: str) -> bool:
        return sensor_name in self.get_sensor_names()

    def get_sensor(self, sensor_name: str) -> Any:
        return _named(self.get_all_sensors(), sensor_name, "sensor")


def _named(definitions: list[Any], name: str, kind: str) -> Any:
    for definition in definitions:
        if definition.name == name:
            return definition
    raise DagsterInvariantViolationError(f"Could not find {kind} {name} in repository")


class CachingRepositoryData(RepositoryData):
    """The ``RepositoryData`` of ``@repository``: definitions by kind and name, each given
    directly or as a function that makes it when first asked for (then kept).

    Sensors and schedules are checked when the repository is made: each must target a job or
    pipeline of the repository.
    """

    def __init__(
        self,
        pipelines: Mapping[str, Any],
        jobs: Mapping[str, Any],
        partition_sets: Mapping[str, Any],
        schedules: Mapping[str, Any],
        sensors: Mapping[str, Any],
    ) -> None:
        self._pipelines = _DefinitionIndex(
            ("pipeline", "job"), "PipelineDefinition", "pipeline", pipelines, _same
        )
        self._jobs = _DefinitionIndex(("job",), "JobDefinition", "job", jobs, _same)
        self._schedules = _DefinitionIndex(
            (SCHEDULE,), "ScheduleDefinition", "schedule", schedules, self._validate_schedule
        )
        from_schedules = {}
        for schedule in self._schedules.all():
            partition_set = _schedule_partition_set(schedule)
            if partition_set is not None:
                from_schedules[partition_set.name] = partition_set
        self._partition_sets = _DefinitionIndex(
            (PARTITION_SET,),
            "PartitionSetDefinition",
            "partition set",
            {**from_schedules, **partition_sets},
            _same,
            self._partition_sets_of_jobs,
        )
        self._sensors = _DefinitionIndex(
            (SENSOR,), "SensorDefinition", "sensor", sensors, self._validate_sensor
        )
        self._sensors.all()  # a sensor's target is checked now, when the repository is made
        self._all_pipelines: list[PipelineDefinition] | None = None
        self._all_jobs: list[JobDefinition] | None = None

    # -- construction --------------------------------------------------------------------------

    @staticmethod
    def from_dict(definitions: Mapping[str, Mapping[str, Any]]) -> CachingRepositoryData:
        """A repository from ``{kind: {name: definition or function}}`` (see ``repository``)."""
        bad = [key for key in definitions if key not in DICT_KEYS]
        _invariant(
            not bad,
            f"Bad dict: must not contain keys other than {{{', '.join(map(repr, DICT_KEYS))}}}: "
            f"found {', '.join(map(repr, bad))}.",
        )
        parts = {key: dict(definitions.get(key) or {}) for key in DICT_KEYS}
        both = sorted(set(parts["schedules"]) & set(parts["sensors"]))
        if both:
            raise DagsterInvalidDefinitionError(
                "Duplicate definitions between schedules and sensors found for keys: "
                + ", ".join(both)
            )
        for key, job in parts["jobs"].items():
            if key in parts["pipelines"]:
                raise DagsterInvalidDefinitionError(
                    f'Conflicting entries for name {key} in "jobs" and "pipelines".'
                )
            kind = repository_kind(job)
            if kind == "graph":
                parts["jobs"][key] = coerce_to_job(job)
            elif kind != "job" and (kind is not None or not callable(job)):
                raise DagsterInvalidDefinitionError(
                    f"Object mapped to {key} is not an instance of JobDefinition or "
                    "GraphDefinition."
                )
        return CachingRepositoryData(**parts)

    @classmethod
    def from_list(cls, definitions: list[Any]) -> CachingRepositoryData:
        """A repository holding these definitions (see ``repository``).

        Raises:
            DagsterInvalidDefinitionError: two different definitions of one name.
        """
        collected = _Collected()
        for definition in definitions:
            collected.add(definition)
        jobs = {n: p for n, p in collected.pipelines.items() if isinstance(p, JobDefinition)}
        pipelines = {n: p for n, p in collected.pipelines.items() if n not in jobs}
        return cls(
            pipelines, jobs, collected.partition_sets, collected.schedules, collected.sensors
        )

    # -- pipelines and jobs --------------------------------------------------------------------

    def get_pipeline_names(self) -> list[str]:
        return self._pipelines.names() + self.get_job_names()

    def get_job_names(self) -> list[str]:
        return self._jobs.names()

    def has_pipeline(self, pipeline_name: str) -> bool:
        return self._pipelines.has(pipeline_name) or self._jobs.has(pipeline_name)

    def has_job(self, job_name: str) -> bool:
        return self._jobs.has(job_name)

    def get_all_pipelines(self) -> list[PipelineDefinition]:
        if self._all_pipelines is None:
            self._all_jobs = self._jobs.all()
            self._all_pipelines = self._pipelines.all() + list(self._all_jobs)
            _check_node_defs(self._all_pipelines)
        return self._all_pipelines

    def get_all_jobs(self) -> list[JobDefinition]:
        if self._all_jobs is None:
            self.get_all_pipelines()  # checks node names across every pipeline and job
        return list(self._all_jobs or [])

    def get_pipeline(self, pipeline_name: str) -> PipelineDefinition:
        if self._jobs.has(pipeline_name):
            job: JobDefinition = self._jobs.get(pipeline_name)
            return job
        pipeline: PipelineDefinition = self._pipelines.get(pipeline_name)
        return pipeline

    def get_job(self, job_name: str) -> JobDefinition:
        job: JobDefinition = self._jobs.get(job_name)
        return job

    # -- the other kinds -----------------------------------------------------------------------

    def get_all_partition_sets(self) -> list[Any]:
        return self._partition_sets.all()

    def get_partition_set_names(self) -> list[str]:
        return self._partition_sets.names()

    def has_partition_set(self, partition_set_name: str) -> bool:
        return self._partition_sets.has(partition_set_name)

    def get_partition_set(self, partition_set_name: str) -> Any:
        return self._partition_sets.get(partition_set_name)

    def get_all_schedules(self) -> list[Any]:
        return self._schedules.all()

    def get_schedule_names(self) -> list[str]:
        return self._schedules.names()

    def has_schedule(self, schedule_name: str) -> bool:
        return self._schedules.has(schedule_name)

    def get_schedule(self, schedule_name: str) -> Any:
        return self._schedules.get(schedule_name)

    def get_all_sensors(self) -> list[Any]:
        return self._sensors.all()

    def get_sensor_names(self) -> list[str]:
        return self._sensors.names()

    def has_sensor(self, sensor_name: str) -> bool:
        return self._sensors.has(sensor_name)

    def get_sensor(self, sensor_name: str) -> Any:
        return self._sensors.get(sensor_name)

    # -- checks --------------------------------------------------------------------------------

    def _partition_sets_of_jobs(self) -> list[Any]:
        made = []
        for pipeline in self.get_all_pipelines():
            get = getattr(pipeline, "get_partition_set_def", None)
            partition_set = get() if get is not None else None
            if partition_set is not None:
                made.append(partition_set)
        return made

    def _validate_schedule(self, schedule: Any) -> Any:
        if schedule.pipeline_name not in self.get_pipeline_names():
            raise DagsterInvalidDefinitionError(
                f'ScheduleDefinition "{schedule.name}" targets job/pipeline '
                f'"{schedule.pipeline_name}" which was not found in this repository.'
            )
        return schedule

    def _validate_sensor(self, sensor: Any) -> Any:
        names = self.get_pipeline_names()
        for target in sensor.targets:
            if target.pipeline_name not in names:
                raise DagsterInvalidDefinitionError(
                    f'SensorDefinition "{sensor.name}" targets job/pipeline '
                    f'"{target.pipeline_name}" which was not found in this repository.'
                )
        return sensor


def _same(definition: Any) -> Any:
    return definition


def _schedule_partition_set(schedule: Any) -> Any:
    get = getattr(schedule, "get_partition_set", None)
    return get() if get is not None else None


class _Collected:
    """The members of a list-form repository, by kind, with Dagster's duplicate checks."""

    def __init__(self) -> None:
        self.pipelines: dict[str, PipelineDefinition] = {}
        self.partition_sets: dict[str, Any] = {}
        self.schedules: dict[str, Any] = {}
        self.sensors: dict[str, Any] = {}

    def add(self, definition: Any) -> None:
        kind = repository_kind(definition)
        if kind in ("job", "pipeline"):
            known = self.pipelines.get(definition.name)
            if known is not None and known is not definition:
                raise DagsterInvalidDefinitionError(
                    f"Duplicate {definition.target_type} definition found for "
                    f"{definition.describe_target()}"
                )
            self.pipelines[definition.name] = definition
        elif kind == "graph":
            job = coerce_to_job(definition)
            if job.name in self.pipelines:
                raise DagsterInvalidDefinitionError(
                    f"Duplicate {job.target_type} definition found for graph '{job.name}'"
                )
            self.pipelines[job.name] = job
        elif kind == PARTITION_SET:
            self._add_partition_set(definition, allow_same=False)
        elif kind in (SENSOR, SCHEDULE):
            self._add_instigator(definition, kind)

    def _add_partition_set(self, partition_set: Any, allow_same: bool) -> None:
        known = self.partition_sets.get(partition_set.name)
        if known is not None and not (allow_same and known == partition_set):
            raise DagsterInvalidDefinitionError(
                f"Duplicate partition set definition found for partition set {partition_set.name}"
            )
        self.partition_sets[partition_set.name] = partition_set

    def _add_instigator(self, definition: Any, kind: str) -> None:
        if definition.name in self.sensors or definition.name in self.schedules:
            raise DagsterInvalidDefinitionError(f"Duplicate definition found for {definition.name}")
        if kind == SENSOR:
            self.sensors[definition.name] = definition
            targets = definition.load_targets()
        else:
            self.schedules[definition.name] = definition
            targets = [definition.load_target()] if definition.has_loadable_target() else []
            partition_set = _schedule_partition_set(definition)
            if partition_set is not None:
                self._add_partition_set(partition_set, allow_same=True)
        for target in targets:
            self.pipelines[target.name] = target


def _check_node_defs(pipelines: list[PipelineDefinition]) -> None:
    """One definition per op, graph or solid name across the repository's pipelines.

    Raises:
        DagsterInvalidDefinitionError: two definitions share a name, naming where each is.
    """
    seen: dict[str, tuple[Any, PipelineDefinition]] = {}
    for pipeline in pipelines:
        for node_def in pipeline.graph.iterate_node_defs():
            first = seen.setdefault(node_def.name, (node_def, pipeline))
            if first[0] is node_def:
                continue
            one, other = sorted([first[1].name, pipeline.name])
            raise DagsterInvalidDefinitionError(
                f"Conflicting definitions found in repository with name '{node_def.name}'. "
                "Op/Graph/Solid definition names must be unique within a repository. "
                f"{type(node_def).__name__} is defined in {pipeline.target_type} '{one}' and "
                f"in {pipeline.target_type} '{other}'."
            )


class RepositoryDefinition(Frozen):
    """A named collection of jobs, pipelines, schedules, sensors and partition sets.

    Made by ``@repository``; a repository module is a valid target of ``opbook run``.

    Args:
        name: the repository's name.
        repository_data: what it holds.
        description: what it is for.
    """

    def __init__(
        self, name: str, repository_data: RepositoryData, description: str | None = None
    ) -> None:
        if not isinstance(repository_data, RepositoryData):
            raise CheckError(
                f'Param "repository_data" is not a RepositoryData. Got {repository_data!r} '
                f"which is type {type(repository_data)}."
            )
        self._name = check_valid_name(name)
        self._description = description
        self._repository_data = repository_data

    @property
    def name(self) -> str:
        return self._name

    @property
    def description(self) -> str | None:
        return self._description

    @property
    def pipeline_names(self) -> list[str]:
        """Names of every pipeline and job."""
        return self._repository_data.get_pipeline_names()

    @property
    def job_names(self) -> list[str]:
        """Names of every job."""
        return self._repository_data.get_job_names()

    def has_pipeline(self, name: str) -> bool:
        return self._repository_data.has_pipeline(name)

    def get_pipeline(self, name: str) -> PipelineDefinition:
        """The pipeline or job ``name`` (made now if it was given as a function)."""
        return self._repository_data.get_pipeline(name)

    def get_all_pipelines(self) -> list[PipelineDefinition]:
        """Every pipeline and job (making any not made yet)."""
        return self._repository_data.get_all_pipelines()

    def has_job(self, name: str) -> bool:
        return self._repository_data.has_job(name)

    def get_job(self, name: str) -> JobDefinition:
        """The job ``name`` (made now if it was given as a function).

        Raises:
            DagsterInvariantViolationError: the repository has no job of that name.
        """
        return self._repository_data.get_job(name)

    def get_all_jobs(self) -> list[JobDefinition]:
        """Every job (making any not made yet)."""
        return self._repository_data.get_all_jobs()

    @property
    def partition_set_defs(self) -> list[Any]:
        return self._repository_data.get_all_partition_sets()

    def get_partition_set_def(self, name: str) -> Any:
        return self._repository_data.get_partition_set(name)

    @property
    def schedule_defs(self) -> list[Any]:
        return self._repository_data.get_all_schedules()

    def get_schedule_def(self, name: str) -> Any:
        return self._repository_data.get_schedule(name)

    def has_schedule_def(self, name: str) -> bool:
        return self._repository_data.has_schedule(name)

    @property
    def sensor_defs(self) -> list[Any]:
        return self._repository_data.get_all_sensors()

    def get_sensor_def(self, name: str) -> Any:
        return self._repository_data.get_sensor(name)

    def has_sensor_def(self, name: str) -> bool:
        return self._repository_data.has_sensor(name)

    def __call__(self, *args: Any, **kwargs: Any) -> RepositoryDefinition:
        """The repository itself (calling the decorated function's name gives it back)."""
        return self

    def __repr__(self) -> str:
        return f"<RepositoryDefinition {self._name!r}>"


def _repository_data(made: Any) -> RepositoryData:
    """The ``RepositoryData`` for what a repository function returned."""
    if isinstance(made, RepositoryData):
        return made
    if isinstance(made, list):
        bad = [(i, type(d)) for i, d in enumerate(made) if repository_kind(d) is None]
        if bad:
            listed = ", ".join(f"value of type {type_} at index {i}" for i, type_ in bad)
            raise DagsterInvalidDefinitionError(
                "Bad return value from repository construction function: all elements of list "
                "must be of type JobDefinition, GraphDefinition, PipelineDefinition, "
                "PartitionSetDefinition, ScheduleDefinition, SensorDefinition, or ForeignAsset. "
                f"Got {listed}."
            )
        return CachingRepositoryData.from_list(made)
    if isinstance(made, dict):
        bad_keys = [key for key in made if key not in DICT_KEYS]
        if bad_keys:
            raise DagsterInvalidDefinitionError(
                "Bad return value from repository construction function: dict must not contain "
                "keys other than {'pipelines', 'partition_sets', 'schedules', 'jobs'}: found "
                + ", ".join(f"'{key}'" for key in bad_keys)
            )
        return CachingRepositoryData.from_dict(made)
    raise DagsterInvalidDefinitionError(
        f"Bad return value of type {type(made)} from repository construction function: must "
        "return list, dict, or RepositoryData. See the @repository decorator docstring for "
        "details and examples"
    )


def repository(name: Any = None, description: str | None = None) -> Any:
    """Make a repository of the decorated function's return value.

    Usable bare (``@repository``) or with arguments.  The function takes no arguments and
    returns one of:

    * a list of jobs, pipelines, graphs (each made a job), schedules, sensors and partition
      sets;
    * a dict ``{"jobs": {name: job or function}, "pipelines": ..., "schedules": ...,
      "sensors": ..., "partition_sets": ...}``, whose functions are called only when their
      definition is first asked for;
    * a ``RepositoryData``.

    Args:
        name: the repository's name (default: the function's).
        description: what the repository is for.

    Raises:
        DagsterInvalidDefinitionError: something that is not a definition, two definitions of
            one name, or a sensor or schedule whose job the repository does not hold.
    """
    if callable(name) and not isinstance(name, str):
        return _make_repository(name, None, None)

    def wrap(fn: Callable[[], Any]) -> RepositoryDefinition:
        return _make_repository(fn, name, description)

    return wrap


def _make_repository(
    fn: Callable[[], Any], name: str | None, description: str | None
) -> RepositoryDefinition:
    definition = RepositoryDefinition(name or fn.__name__, _repository_data(fn()), description)
    return wraps(definition, fn, ("__doc__", "__module__"))
