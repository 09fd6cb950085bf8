"""What the chat channels' guard does with text no database can store and with metadata
built to hurt: a sender id with a lone surrogate or NUL is refused (it made Rasa's SQL
tracker store exit the process), such characters in text and metadata are cleaned, and
metadata nested too deep or too big is refused before anything parses or stores it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.guard import (
    MAX_METADATA_BYTES,
    MAX_METADATA_DEPTH,
    ChannelGuard,
    GuardSettings,
    SessionTokens,
    metadata_problem,
    sender_problem,
    storable,
)


def guard() -> ChannelGuard:
    return ChannelGuard(GuardSettings())


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


@pytest.mark.parametrize("sender", ["\ud800", "a\udfffb", "nul\x00", "tab\tbed", "\x7f", ""])
def test_sender_ids_no_store_can_keep_are_refused(sender: str) -> None:
    verdict = guard().check(sender_id=sender, text="hi", metadata=None, client_ip="1.2.3.4")
    assert not verdict.accepted and verdict.problem == sender_problem(sender)
    assert verdict.problem is not None and verdict.replies == ()


def test_ordinary_sender_ids_pass() -> None:
    for sender in ("web-42", "😀 shopper", "a" * 255, "Jo Rivera <jo@example.com>"):
        assert sender_problem(sender) is None
    assert sender_problem("a" * 256) is not None


def test_text_and_metadata_are_cleaned_of_nul_and_lone_surrogates() -> None:
    verdict = guard().check(
        sender_id="s",
        text="where is \x00order\ud800 10023? 😀",
        metadata={"k\udc00": ["v\x00", {"x": "\ud83d"}]},
        client_ip="1.2.3.4",
    )
    assert verdict.accepted
    assert verdict.text == "where is order\ufffd 10023? 😀"
    assert verdict.metadata == {"k\ufffd": ["v", {"x": "\ufffd"}], "client_ip": "1.2.3.4"}
    json.dumps(verdict.metadata).encode("utf-8")  # storable: encodes without error
    verdict.text.encode("utf-8")


def test_storable_keeps_ordinary_text_as_it_is() -> None:
    text = "Grüße, 注文 10023 👍 — tab\tand newline\n"
    assert storable(text) is text


def test_metadata_nested_deeper_than_the_cap_is_refused_without_recursion() -> None:
    assert metadata_problem(nested(MAX_METADATA_DEPTH)) is None
    assert "nested too deeply" in (metadata_problem(nested(MAX_METADATA_DEPTH + 1)) or "")
    # Far deeper than Python's recursion limit: measured without recursing.
    assert "nested too deeply" in (metadata_problem(nested(100_000)) or "")
    deep_list: list[Any] = []
    for _ in range(5000):
        deep_list = [deep_list]
    assert "nested too deeply" in (metadata_problem({"a": deep_list}) or "")


def test_metadata_bigger_than_the_cap_is_refused() -> None:
    assert metadata_problem({"a": "x" * (MAX_METADATA_BYTES - 20)}) is None
    assert "too large" in (metadata_problem({"a": "x" * MAX_METADATA_BYTES}) or "")
    assert "too large" in (metadata_problem({"a": "é" * (MAX_METADATA_BYTES // 2)}) or "")
    verdict = guard().check(
        sender_id="s", text="hi", metadata={"blob": "x" * 1_000_000}, client_ip="1.2.3.4"
    )
    assert not verdict.accepted and "too large" in (verdict.problem or "")


def test_a_widgets_metadata_passes() -> None:
    widget = {"identity_token": "e" * 600, "locale": "de-DE", "page": "/account/orders"}
    verdict = guard().check(sender_id="s", text="hi", metadata=widget, client_ip="1.2.3.4")
    assert verdict.accepted and verdict.metadata["locale"] == "de-DE"


def test_a_session_is_joinable_only_with_the_token_it_was_handed_out_with() -> None:
    tokens = SessionTokens(b"k" * 32)
    session_id, token = tokens.new_session()
    assert tokens.joinable(session_id, token)
    other_id, other_token = tokens.new_session()
    assert other_id != session_id
    for forged_id, forged_token in (
        (session_id, None), (session_id, ""), (session_id, other_token), (session_id, token[:-1]),
        (other_id, token), (session_id + "x", token), (None, token), ("\ud800", token),
        (session_id, 12345),
    ):
        assert not tokens.joinable(forged_id, forged_token), (forged_id, forged_token)
    # Another Rasa instance with the same key (RASA_API_TOKEN) accepts it; another key not.
    assert SessionTokens(b"k" * 32).joinable(session_id, token)
    assert not SessionTokens(b"j" * 32).joinable(session_id, token)
    assert GuardSettings.from_env({"RASA_API_TOKEN": "t" * 40}).session_key is not None
