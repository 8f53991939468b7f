"""What a sensor or a schedule runs: a job given directly, or a pipeline named in its repository.

A ``DirectTarget`` holds the job itself (a graph becomes a job with no resources, as in
Dagster), so a repository that holds the sensor holds its job too.  A ``RepoRelativeTarget``
names a pipeline that the repository must hold (the legacy ``pipeline_name=`` form).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from opbook.definitions.graph import GraphDefinition
from opbook.definitions.job import PipelineDefinition
from opbook.errors import CheckError


class RepoRelativeTarget(NamedTuple):
    """A pipeline of the same repository, by name, with a mode and a solid selection."""

    pipeline_name: str
    mode: str
    solid_selection: list[str] | None

    def load(self) -> None:
        return None


class DirectTarget(NamedTuple):
    """A job (or a single-mode pipeline) given directly."""

    pipeline: PipelineDefinition

    @staticmethod
    def of(definition: Any, where: str) -> DirectTarget:
        """The target for a job, a pipeline or a graph (made into a job).

        Raises:
            CheckError: ``definition`` is none of these, or a pipeline with several modes.
        """
        if isinstance(definition, GraphDefinition) and definition.node_kind == "graph":
            definition = definition.to_job(resource_defs={})
        if not isinstance(definition, PipelineDefinition):
            raise CheckError(
                f"{where} must be a JobDefinition or a GraphDefinition, got {definition!r} "
                f"of type {type(definition).__name__}."
            )
        if len(definition.mode_definitions) != 1:
            raise CheckError(
                f"Pipeline {definition.name} has more than one mode which makes it an invalid "
                "execution target."
            )
        return DirectTarget(definition)

    @property
    def pipeline_name(self) -> str:
        return self.pipeline.name

    @property
    def mode(self) -> str:
        return self.pipeline.mode_definitions[0].name

    @property
    def solid_selection(self) -> list[str] | None:
        return None

    def load(self) -> PipelineDefinition:
        return self.pipeline
