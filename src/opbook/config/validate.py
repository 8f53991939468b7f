"""``validate``: the public entry point of the validator, taking any schema a user can write."""

from __future__ import annotations

from opbook.config.check import check_value
from opbook.config.errors import ConfigResult
from opbook.config.schema import Field, resolve_config_type


def validate(schema: object, value: object) -> ConfigResult:
    """Validate a config value, fill its defaults and post-process it, finding every problem.

    Args:
        schema: a ``Field``, a config type, or shorthand (``{"a": int}``, ``[str]``, ...).
        value: the config value (plain dicts, lists and scalars, e.g. parsed YAML); never
            mutated.  When ``schema`` is an optional ``Field``, None means "not given": the
            field's default is used (and a field with no default gives None).

    Returns:
        A :class:`ConfigResult`: ``success`` with the resolved ``value`` (new plain dicts and
        lists, defaults filled, env variables read), or every problem in ``errors``.  Bad values
        never raise.

    Raises:
        DagsterInvalidConfigDefinitionError: ``schema`` itself is not a valid schema.
    """
    if isinstance(schema, Field):
        if value is None and not schema.is_required:
            if not schema.default_provided:
                return ConfigResult(True, None, ())
            value = schema.default_value
        return check_value(schema.config_type, value, secret=schema.is_secret)
    return check_value(resolve_config_type(schema), value)
