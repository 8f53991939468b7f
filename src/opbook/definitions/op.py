"""Ops and solids: a compute function with typed inputs and outputs, config and resources.

``@op`` (job generation) and ``@solid`` / ``@lambda_solid`` (pipeline generation) build the
same kind of definition; ``OpDefinition`` is ``SolidDefinition`` under its job-generation name.
The decorators read the function's signature once: a first parameter named ``context`` (or
``_``, ``_context``, ``context_``) receives the execution context, for ``@op`` and ``@solid``
alike as in Dagster 0.13; the other parameters are inputs (annotations
give their types, defaults their default values), and the return annotation types the single
output unless outputs are declared.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opbook.definitions.configured import ConfiguredSchema, config_argument
from opbook.definitions.frozen import wraps
from opbook.definitions.input_output import NO_VALUE, In, InputDefinition, Out, OutputDefinition
from opbook.definitions.node import NodeDefinition
from opbook.definitions.user_events import RetryPolicy
from opbook.errors import DagsterInvalidDefinitionError

CONTEXT_PARAM_NAMES = frozenset({"context", "_context", "context_", "_"})


@dataclass(frozen=True)
class ComputeFunction:
    """The user's function and how to call it."""

    fn: Callable[..., Any]
    takes_context: bool
    input_names: tuple[str, ...]  # parameter order after the context
    is_generator: bool
    is_async: bool
    is_async_generator: bool
    # A function given to ``SolidDefinition(compute_fn=...)`` directly, as in Dagster, takes
    # ``(context, inputs)`` with the inputs as one dict, and yields its outputs.
    takes_inputs_dict: bool = False
    # Several declared outputs (``out={...}``) are returned as a tuple in declaration order.
    returns_tuple: bool = False

    @staticmethod
    def raw(fn: Callable[..., Any]) -> ComputeFunction:
        """A ``compute_fn(context, inputs) -> Iterator[Output]`` given without a decorator."""
        return ComputeFunction(
            fn=fn,
            takes_context=True,
            input_names=(),
            is_generator=True,
            is_async=False,
            is_async_generator=False,
            takes_inputs_dict=True,
        )

    @staticmethod
    def inspect(
        fn: Callable[..., Any], takes_context: bool, returns_tuple: bool = False
    ) -> ComputeFunction:
        params = list(inspect.signature(fn).parameters.values())
        names = [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        return ComputeFunction(
            fn=fn,
            takes_context=takes_context,
            input_names=tuple(names[1:] if takes_context else names),
            is_generator=inspect.isgeneratorfunction(fn),
            is_async=inspect.iscoroutinefunction(fn),
            is_async_generator=inspect.isasyncgenfunction(fn),
            returns_tuple=returns_tuple,
        )


def signature(fn: Callable[..., Any]) -> inspect.Signature:
    """The function's signature with string annotations (``from __future__ import
    annotations``) evaluated; left as strings when they cannot be evaluated."""
    try:
        return inspect.signature(fn, eval_str=True)
    except Exception:
        return inspect.signature(fn)


class SolidDefinition(NodeDefinition):
    """A leaf node: runs a compute function.  ``OpDefinition`` is the same thing."""

    node_kind = "solid"

    def __init__(
        self,
        name: str,
        input_defs: Sequence[InputDefinition],
        compute_fn: Callable[..., Any] | ComputeFunction,
        output_defs: Sequence[OutputDefinition],
        config_schema: Any = None,
        description: str | None = None,
        tags: Mapping[str, Any] | None = None,
        required_resource_keys: Iterable[str] | None = None,
        positional_inputs: Sequence[str] | None = None,
        version: str | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(
            name, input_defs, output_defs, description, tags, config_schema, positional_inputs
        )
        if not isinstance(compute_fn, ComputeFunction):
            compute_fn = ComputeFunction.raw(compute_fn)
        self.compute = compute_fn
        self.required_resource_keys = frozenset(required_resource_keys or ())
        for key in self.required_resource_keys:
            if not isinstance(key, str) or not key.isidentifier():
                raise DagsterInvalidDefinitionError(
                    f"{self.describe_node()} requires resource key {key!r}, which is not a valid name."
                )
        self.version = version
        self.retry_policy = retry_policy

    @property
    def compute_fn(self) -> Callable[..., Any]:
        return self.compute.fn

    @property
    def returns_tuple(self) -> bool:
        """Whether a returned tuple is split over the declared outputs (``out={...}``)."""
        return self.compute.returns_tuple

    def all_required_resource_keys(self) -> frozenset[str]:
        keys = set(self.required_resource_keys)
        for input_def in self.input_defs:
            keys |= input_def.dagster_type.required_resource_keys
        for output_def in self.output_defs:
            keys |= output_def.dagster_type.required_resource_keys
        return frozenset(keys)

    def with_replaced(self, **changes: Any) -> SolidDefinition:
        """A copy with some constructor arguments replaced (definitions are immutable)."""
        args: dict[str, Any] = dict(
            name=self.name,
            input_defs=self.input_defs,
            compute_fn=self.compute,
            output_defs=self.output_defs,
            config_schema=config_argument(self.config_field, self.configured_from),
            description=self.description,
            tags=self.tags,
            required_resource_keys=self.required_resource_keys,
            positional_inputs=self.positional_inputs,
            version=self.version,
            retry_policy=self.retry_policy,
        )
        args.update(changes)
        return type(self)(**args)

    def copy_for_configured(
        self, name: str, description: str | None, config_schema: ConfiguredSchema
    ) -> SolidDefinition:
        return self.with_replaced(name=name, config_schema=config_schema, description=description)


class OpDefinition(SolidDefinition):
    """The job generation's name for a solid definition."""

    node_kind = "op"


def is_context_provided(params: Sequence[inspect.Parameter]) -> bool:
    """Dagster 0.13's rule for ``@op`` and ``@solid`` alike: the first parameter receives the
    context exactly when it is named ``context``, ``_context``, ``context_`` or ``_``."""
    return bool(params) and params[0].name in CONTEXT_PARAM_NAMES


def _inferred_input(p: inspect.Parameter, spec: In | None = None) -> InputDefinition:
    definition = (spec or In()).to_definition(p.name, *_annotation_and_default(p))
    if definition.is_nothing:
        raise DagsterInvalidDefinitionError(
            f"Input parameter {p.name} is annotated with {definition.dagster_type.display_name} "
            "which is a type that represents passing no data. This type must be used via "
            "InputDefinition and no parameter should be included in the solid function."
        )
    return definition


def _data_params(params: list[inspect.Parameter], kind: str, name: str) -> list[inspect.Parameter]:
    """The parameters that are inputs (``**kwargs`` aside); ``*args`` is refused."""
    for p in params:
        if p.kind == p.VAR_POSITIONAL:
            raise DagsterInvalidDefinitionError(
                f"@{kind} '{name}' decorated function has positional vararg parameter '{p}'. "
                f"@{kind} decorated functions should only have keyword arguments that match "
                "input names and, if system information is required, a first positional "
                "parameter named 'context'."
            )
    return [p for p in params if p.kind != p.VAR_KEYWORD]


def _input_defs_from_signature(
    params: list[inspect.Parameter],
    ins: Mapping[str, In] | None,
    kind: str,
    name: str,
) -> list[InputDefinition]:
    ins = dict(ins or {})
    defs = [_inferred_input(p, ins.pop(p.name, None)) for p in _data_params(params, kind, name)]
    # Nothing inputs only order the op after others; they are not parameters of the function.
    for key in [k for k, spec in ins.items() if spec.to_definition(k).is_nothing]:
        defs.append(ins.pop(key).to_definition(key))
    if ins:
        raise DagsterInvalidDefinitionError(
            f"@{kind} '{name}' decorated function does not have parameter(s) "
            f"{', '.join(repr(n) for n in ins)}, which are in {kind}'s ins. Its parameters are "
            f"{[p.name for p in params]}."
        )
    return defs


def _merge_input_defs(
    params: list[inspect.Parameter], input_defs: Sequence[InputDefinition], kind: str, name: str
) -> list[InputDefinition]:
    """The given input definitions, each completed from its parameter (type, default), then an
    inferred one for each parameter they leave out, as Dagster 0.13 does."""
    data_params = {p.name: p for p in _data_params(params, kind, name)}
    given = {d.name: d for d in input_defs}
    for p in data_params:
        if p in given and given[p].is_nothing:
            raise DagsterInvalidDefinitionError(
                f"@{kind} '{name}' decorated function has parameter '{p}' that is one of the "
                "input_defs of type 'Nothing' which should not be included since no data will "
                "be passed for it."
            )
    has_kwargs = any(p.kind == p.VAR_KEYWORD for p in params)
    missing = [d.name for d in input_defs if d.name not in data_params and not d.is_nothing]
    if missing and not has_kwargs:
        raise DagsterInvalidDefinitionError(
            f"@{kind} '{name}' decorated function does not have parameter(s) "
            f"{', '.join(repr(n) for n in missing)}, which are in provided input_defs. @{kind} "
            "decorated functions should only have keyword arguments that match input names and, "
            "if system information is required, a first positional parameter named 'context'."
        )
    merged = [
        d.combine_with_inferred(*_annotation_and_default(data_params[d.name]))
        if d.name in data_params
        else d
        for d in input_defs
    ]
    return merged + [_inferred_input(p) for n, p in data_params.items() if n not in given]


def _annotation_and_default(p: inspect.Parameter) -> tuple[Any, Any]:
    annotation = NO_VALUE if p.annotation is inspect.Parameter.empty else p.annotation
    default = NO_VALUE if p.default is inspect.Parameter.empty else p.default
    return annotation, default


def _output_defs(
    fn: Callable[..., Any], out: Any, output_defs: Sequence[OutputDefinition] | None
) -> tuple[list[OutputDefinition], bool]:
    """The outputs, and whether a returned tuple is split over several of them."""
    if output_defs is not None:
        return list(output_defs), False
    annotation = signature(fn).return_annotation
    # `-> None` declares a Nothing output; no annotation leaves the type open (Any).
    hint = (
        NO_VALUE
        if annotation is inspect.Signature.empty
        else (type(None) if annotation is None else annotation)
    )
    if out is None:
        return [OutputDefinition(None if hint is NO_VALUE else hint, "result")], False
    if isinstance(out, Out):
        return [out.to_definition("result", hint)], False
    if isinstance(out, Mapping):
        return [spec.to_definition(key) for key, spec in out.items()], len(out) > 1
    if isinstance(out, OutputDefinition):
        return [out], False
    raise DagsterInvalidDefinitionError(f"`out` must be an Out or a dict of Outs, got {out!r}.")


def _build(
    cls: type[SolidDefinition],
    fn: Callable[..., Any],
    kind: str,
    name: str | None,
    takes_context: bool | None,
    input_defs: Sequence[InputDefinition] | None,
    ins: Mapping[str, In] | None,
    out: Any,
    output_defs: Sequence[OutputDefinition] | None,
    **kwargs: Any,
) -> SolidDefinition:
    node_name = name or fn.__name__
    params = list(signature(fn).parameters.values())
    if takes_context is None:
        takes_context = is_context_provided(params)
    input_params = params[1:] if takes_context else params
    if input_defs is not None:
        inputs = _merge_input_defs(input_params, input_defs, kind, node_name)
    else:
        inputs = _input_defs_from_signature(input_params, ins, kind, node_name)
    outputs, returns_tuple = _output_defs(fn, out, output_defs)
    definition = cls(
        name=node_name,
        input_defs=inputs,
        positional_inputs=[
            p.name for p in input_params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ],
        compute_fn=ComputeFunction.inspect(fn, takes_context, returns_tuple),
        output_defs=outputs,
        description=kwargs.pop("description", None) or inspect.getdoc(fn),
        **kwargs,
    )
    return wraps(definition, fn, ("__doc__", "__module__", "__name__"))


def op(
    name: Any = None,
    description: str | None = None,
    ins: Mapping[str, In] | None = None,
    out: Any = None,
    config_schema: Any = None,
    required_resource_keys: Iterable[str] | None = None,
    tags: Mapping[str, Any] | None = None,
    version: str | None = None,
    retry_policy: RetryPolicy | None = None,
    input_defs: Sequence[InputDefinition] | None = None,
    output_defs: Sequence[OutputDefinition] | None = None,
) -> Any:
    """Define an op from a function.  Usable bare (``@op``) or with arguments.

    The function's parameters are the op's inputs (a first parameter named ``context``
    receives an ``OpExecutionContext``); its annotations give their types and the output's.

    Args:
        name: the op's name (default: the function's).
        description: shown in docs and the notebook (default: the function's docstring).
        ins: ``{parameter name: In(...)}``, to give inputs types, defaults or descriptions.
        out: an ``Out``, or ``{output name: Out(...)}`` for several outputs.
        config_schema: the schema of ``ops.<name>.config`` (``{"n": int}``, a ``Field`` ...).
        required_resource_keys: the resources the op uses (``context.resources.<key>``).
        tags: the op's tags.
        version: a version string, kept with the definition.
        retry_policy: how often and after how long a failed attempt is retried.
        input_defs: inputs as ``InputDefinition`` objects (the pipeline generation's way).
        output_defs: outputs as ``OutputDefinition`` objects.

    Returns:
        OpDefinition (or, given the function directly, the decorator applied to it).
    """
    if callable(name) and not isinstance(name, str):
        return op()(name)

    def wrap(fn: Callable[..., Any]) -> OpDefinition:
        return _build(  # type: ignore[return-value]
            OpDefinition,
            fn,
            "op",
            name,
            None,
            input_defs,
            ins,
            out,
            output_defs,
            description=description,
            config_schema=config_schema,
            required_resource_keys=required_resource_keys,
            tags=tags,
            version=version,
            retry_policy=retry_policy,
        )

    return wrap


def solid(
    name: Any = None,
    description: str | None = None,
    input_defs: Sequence[InputDefinition] | None = None,
    output_defs: Sequence[OutputDefinition] | None = None,
    config_schema: Any = None,
    required_resource_keys: Iterable[str] | None = None,
    tags: Mapping[str, Any] | None = None,
    version: str | None = None,
    retry_policy: RetryPolicy | None = None,
    config: Any = None,
) -> Any:
    """Define a solid from a function; the pipeline generation's ``@op``.

    As in Dagster 0.13, a first parameter named ``context`` (or ``_``, ``_context``,
    ``context_``) receives the context; every other parameter is an input.

    Args:
        name: the solid's name (default: the function's).
        description: shown in docs and the notebook (default: the function's docstring).
        input_defs: the inputs; parameters they leave out are inputs too, and a given
            definition takes its parameter's annotation and default where it sets none.
        output_defs: the outputs (default: one ``result``, typed by the return annotation).
        config_schema: the schema of ``solids.<name>.config``; ``config`` is an old spelling.
        required_resource_keys: the resources the solid uses (``context.resources.<key>``).
        tags: the solid's tags.
        version: a version string, kept with the definition.
        retry_policy: how often and after how long a failed attempt is retried.

    Returns:
        SolidDefinition (or, given the function directly, the decorator applied to it).
    """
    if callable(name) and not isinstance(name, str):
        return solid()(name)

    def wrap(fn: Callable[..., Any]) -> SolidDefinition:
        return _build(
            SolidDefinition,
            fn,
            "solid",
            name,
            None,
            input_defs,
            None,
            None,
            output_defs,
            description=description,
            config_schema=config_schema if config_schema is not None else config,
            required_resource_keys=required_resource_keys,
            tags=tags,
            version=version,
            retry_policy=retry_policy,
        )

    return wrap


def lambda_solid(
    name: Any = None,
    description: str | None = None,
    input_defs: Sequence[InputDefinition] | None = None,
    output_def: OutputDefinition | None = None,
) -> Any:
    """Define a solid whose function takes no context, only inputs, and has one output.

    Args:
        name: the solid's name (default: the function's).
        description: shown in docs and the notebook (default: the function's docstring).
        input_defs: the inputs (default: the function's parameters).
        output_def: the one output (default: ``result``, typed by the return annotation).

    Returns:
        SolidDefinition (or, given the function directly, the decorator applied to it).
    """
    if callable(name) and not isinstance(name, str):
        return lambda_solid()(name)

    def wrap(fn: Callable[..., Any]) -> SolidDefinition:
        return _build(
            SolidDefinition,
            fn,
            "lambda_solid",
            name,
            False,
            input_defs,
            None,
            None,
            [output_def] if output_def is not None else None,
            description=description,
        )

    return wrap
