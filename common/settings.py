"""Settings read from the environment once at start-up, declared with pydantic-settings.

Each service declares its settings as a subclass of `EnvSettings`: one field per variable,
aliased to its exact environment name, typed and constrained. `from_env()` reads
`os.environ` (or a mapping, in tests); an empty variable counts as unset; a malformed value
raises the class's `settings_error` with a message that names the variable. Building a class
directly (tests, `model_copy`) never reads the environment.

App environment only: the Rasa engine's environment pins pydantic 1, so the code that runs
inside Rasa (the channels' guard) reads its few variables with `common.env` instead.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Self, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _finite(value: float) -> float:
    if math.isinf(value) or math.isnan(value):
        raise ValueError("must be a finite number")
    return value


# Shared field types: what each variable must be, so the rules live in one place.
PositiveInt = Annotated[int, Field(gt=0)]
PositiveFloat = Annotated[float, Field(gt=0), AfterValidator(_finite)]
NonNegativeFloat = Annotated[float, Field(ge=0), AfterValidator(_finite)]
Port = Annotated[int, Field(gt=0, lt=65536)]
def _comma_separated(value: object) -> object:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


# "a, b,c" -> ("a", "b", "c"); empty parts are dropped.
CommaList = Annotated[tuple[str, ...], BeforeValidator(_comma_separated)]
# Fields whose values never appear in an error message.
SECRET = {"secret": True}
MIN_SECRET_LENGTH = 32
_Key = TypeVar("_Key", str, bytes)
_SHOULD = re.compile(r"^(?:Input|String|Data|Value) should")


def _long_enough(value: _Key) -> _Key:
    if len(value) < MIN_SECRET_LENGTH:
        raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters")
    return value


# A shared key: at least 32 characters (HS256 and HMAC-SHA256 want a key as long as the hash).
LongSecret = Annotated[str, AfterValidator(_long_enough)]
LongSecretBytes = Annotated[bytes, AfterValidator(_long_enough)]


class EnvSettings(BaseSettings):
    """Base of every service's settings; subclasses set `settings_error` to their own type."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="ignore",
        validate_by_name=True,
        validate_by_alias=True,
        arbitrary_types_allowed=True,
        str_strip_whitespace=True,
    )
    settings_error: ClassVar[type[Exception]] = SettingsError

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what the caller passes: the environment is read by from_env, at start-up.
        return (init_settings,)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        """The settings in `env` (default: the process environment), validated."""
        env = os.environ if env is None else env
        given = {name: value for name, value in env.items() if value.strip()}
        try:
            return cls(**{**cls.derived_values(given), **_Variables(cls, given)()})
        except ValidationError as exc:
            raise cls.settings_error(describe(exc, cls)) from None

    @classmethod
    def derived_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        """Values built from several variables or a file, by variable or field name (a
        variable set in `env` wins); raises `settings_error` naming what is wrong."""
        return {}


class _Variables(PydanticBaseSettingsSource):
    """Each field with an alias from the variable of exactly that name; fields without one
    (values built from several variables) are never read from the environment."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self._env = env

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        name = field.alias or field_name
        return (self._env.get(name) if field.alias else None), name, False

    def __call__(self) -> dict[str, Any]:
        values = {}
        for field_name, field in self.settings_cls.model_fields.items():
            value, name, _ = self.get_field_value(field, field_name)
            if value is not None:
                values[name] = value
        return values


def describe(error: ValidationError, settings: type[BaseSettings]) -> str:
    """One line per problem, each naming the variable (never echoing a secret's value)."""
    return "; ".join(_describe_one(detail, settings) for detail in error.errors())


def _describe_one(detail: ErrorDetails, settings: type[BaseSettings]) -> str:
    message = detail["msg"].removeprefix("Value error, ")
    if not detail["loc"]:  # a rule over several variables: its message names them
        return message
    name = str(detail["loc"][0])
    if name in message:  # a validator's own message, naming the variable already
        return message
    message = _SHOULD.sub("must", message)
    field = _field_named(settings, name)
    secret = field is not None and (field.json_schema_extra or {}) == SECRET
    if detail["type"] == "missing" or secret:
        return f"{name}: {message}"
    return f"{name}: {message}, got {detail['input']!r}"


def _field_named(settings: type[BaseSettings], name: str) -> Any:
    for field_name, field in settings.model_fields.items():
        if name in (field_name, field.alias, field.validation_alias):
            return field
    return None
