"""Secrets for the security tests, and a way to look for them in anything a run leaves behind.

Three kinds of secret reach a run, each with a value that appears nowhere else:

* ``env``: an environment variable read through ``{env: NAME}`` (``StringSource``);
* ``field``: the value of ``Field(str, is_secret=True)``;
* ``scalar``: the value of a field of the ``Secret`` type.

``secret`` is parametrized over the three, so every test that uses it runs once per kind;
``secrets`` sets the variables and gives all three.  ``assert_hidden`` looks for a value in
text, bytes, or anything pickled (an object's whole state, every string in it included).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

ENV_NAME = "OPBOOK_SECURITY_DB_PASSWORD"
ENV_VALUE = "env-secret-5f3c2a91"
FIELD_VALUE = "field-secret-9d1e7b44"
SCALAR_VALUE = "scalar-secret-c0ffee17"
FIELD_ENV_NAME = "OPBOOK_SECURITY_API_TOKEN"  # where a notebook's code reads FIELD_VALUE from
SCALAR_ENV_NAME = "OPBOOK_SECURITY_API_KEY"


@dataclass(frozen=True)
class SecretCase:
    """One secret: its kind, its value, and how a stored or shown config must spell it."""

    kind: str
    value: str
    recorded: Any  # ``{"env": NAME}`` or ``"***"``
    env_name: str  # the variable that holds it (in ``module_secrets``; ``env``'s always)

    def assert_hidden(self, *places: Any) -> None:
        """Fail if the value is in any of ``places`` (text, bytes, or any picklable object)."""
        for place in places:
            assert not _contains(place, self.value), (
                f"the {self.kind} secret leaked: {place!r:.300}"
            )


@dataclass(frozen=True)
class Secrets:
    env: SecretCase
    field: SecretCase
    scalar: SecretCase

    @property
    def all(self) -> tuple[SecretCase, SecretCase, SecretCase]:
        return (self.env, self.field, self.scalar)

    def assert_hidden(self, *places: Any) -> None:
        for case in self.all:
            case.assert_hidden(*places)

    def op_config(self, **more: Any) -> dict[str, Any]:
        """The config of an op with ``token: Field(str, is_secret=True)`` and ``key: Secret``."""
        return {"token": self.field.value, "key": self.scalar.value, **more}

    @staticmethod
    def resource_config(**more: Any) -> dict[str, Any]:
        """The config of a resource with ``password: StringSource``."""
        return {"password": {"env": ENV_NAME}, **more}


def _contains(place: Any, value: str) -> bool:
    if isinstance(place, str):
        return value in place
    if isinstance(place, bytes | bytearray):
        return value.encode() in place
    return value.encode() in pickle.dumps(place)


def _secrets() -> Secrets:
    return Secrets(
        SecretCase("env", ENV_VALUE, {"env": ENV_NAME}, ENV_NAME),
        SecretCase("field", FIELD_VALUE, "***", FIELD_ENV_NAME),
        SecretCase("scalar", SCALAR_VALUE, "***", SCALAR_ENV_NAME),
    )


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Secrets:
    monkeypatch.setenv(ENV_NAME, ENV_VALUE)
    return _secrets()


@pytest.fixture(scope="module")
def module_secrets() -> Iterator[Secrets]:
    """``secrets`` for a module-scoped fixture (an executed notebook); the field and scalar
    values are in environment variables too, for a notebook's code to read."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENV_NAME, ENV_VALUE)
        patch.setenv(FIELD_ENV_NAME, FIELD_VALUE)
        patch.setenv(SCALAR_ENV_NAME, SCALAR_VALUE)
        yield _secrets()


@pytest.fixture(params=["env", "field", "scalar"])
def secret(request: pytest.FixtureRequest, secrets: Secrets) -> SecretCase:
    case: SecretCase = getattr(secrets, request.param)
    return case
