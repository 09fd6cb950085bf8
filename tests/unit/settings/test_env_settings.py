"""common.settings (pydantic-settings) and common.env (stdlib, inside Rasa): exact variable
names, empty means unset, errors name the variable and never echo a secret."""

from __future__ import annotations

import pytest
from pydantic import Field

from common import env as stdlib_env
from common.settings import SECRET, EnvSettings, LongSecret, Port, PositiveFloat


class Example(EnvSettings):
    port: Port = Field(8100, alias="EXAMPLE_PORT")
    timeout: PositiveFloat = Field(2.5, alias="EXAMPLE_TIMEOUT_SECONDS")
    key: LongSecret | None = Field(None, alias="EXAMPLE_KEY", json_schema_extra=SECRET)


def test_values_come_from_the_exact_names_and_empty_means_unset() -> None:
    assert Example.from_env({}) == Example(port=8100, timeout=2.5, key=None)
    read = Example.from_env(
        {"EXAMPLE_PORT": " 9001 ", "EXAMPLE_TIMEOUT_SECONDS": "", "example_port": "1"}
    )
    assert (read.port, read.timeout) == (9001, 2.5)


def test_building_directly_never_reads_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EXAMPLE_PORT", "1234")
    assert Example().port == 8100
    assert Example.from_env().port == 1234


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("eighty", "EXAMPLE_PORT: must be a valid integer"),
        ("0", "EXAMPLE_PORT: must be greater than 0, got '0'"),
        ("65536", "EXAMPLE_PORT: must be less than 65536, got '65536'"),
    ],
)
def test_a_malformed_value_names_the_variable(value: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        Example.from_env({"EXAMPLE_PORT": value})


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "soon"])
def test_seconds_must_be_a_finite_positive_number(value: str) -> None:
    with pytest.raises(ValueError, match="EXAMPLE_TIMEOUT_SECONDS"):
        Example.from_env({"EXAMPLE_TIMEOUT_SECONDS": value})


def test_a_short_secret_is_named_but_never_echoed() -> None:
    with pytest.raises(ValueError, match="EXAMPLE_KEY: must be at least 32 characters") as bad:
        Example.from_env({"EXAMPLE_KEY": "hunter2-hunter2"})
    assert "hunter2" not in str(bad.value)


def test_the_stdlib_readers_name_the_variable() -> None:
    env = {"N": "12", "Z": "0", "BAD": "lots", "NETS": "10.0.0.0/8, ::1"}
    assert stdlib_env.positive_int(env, "N", 1) == 12
    assert stdlib_env.positive_int(env, "UNSET", 7) == 7
    assert stdlib_env.whole_number(env, "Z", 5) == 0
    assert [str(n) for n in stdlib_env.networks(env, "NETS")] == ["10.0.0.0/8", "::1/128"]
    for reader in (stdlib_env.positive_int, stdlib_env.whole_number):
        with pytest.raises(stdlib_env.EnvError, match="BAD"):
            reader(env, "BAD", 1)
    with pytest.raises(stdlib_env.EnvError, match="Z must be positive"):
        stdlib_env.positive_int(env, "Z", 1)
