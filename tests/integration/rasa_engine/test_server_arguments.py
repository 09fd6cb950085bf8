"""The arguments `bot.rasa_server` hands to Rasa's own command line parser (the real one)."""

from __future__ import annotations

import pytest
from rasa.__main__ import create_argument_parser

from bot.rasa_server import ServerSettingsError, rasa_arguments

ORIGIN = "https://shop.example.com"


@pytest.mark.parametrize("token", ["-Yx3_generated", "--looks-like-an-option", "plain_Token-1"])
def test_rasa_reads_any_generated_token_whole(token: str) -> None:
    # secrets.token_urlsafe draws "-" as the first character of one token in 64
    env = {"RASA_API_TOKEN": token, "SHOPDESK_ALLOWED_ORIGINS": ORIGIN}
    parsed = create_argument_parser().parse_args(rasa_arguments(["--enable-api"], env))
    assert parsed.auth_token == token
    assert parsed.cors == [ORIGIN]
    assert parsed.enable_api


@pytest.mark.parametrize("options", [["--auth-token=x"], ["-t", "x"], ["--cors=*"]])
def test_a_token_or_origins_on_the_command_line_are_refused(options: list[str]) -> None:
    env = {"RASA_API_TOKEN": "t" * 40, "SHOPDESK_ALLOWED_ORIGINS": ORIGIN}
    with pytest.raises(ServerSettingsError):
        rasa_arguments(options, env)
