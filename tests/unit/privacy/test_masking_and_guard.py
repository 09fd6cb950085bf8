"""Privacy rules as plain functions: what is masked, the channel guard's decisions, and the
log masking of records and streams."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot import paths
from bot.guard import (
    CLIENT_IP_KEY,
    RATE_LIMITED_REPLY,
    ChannelGuard,
    GuardSettings,
    GuardSettingsError,
    RateLimiter,
    client_ip,
)
from common.logs import MaskingStream, mask_record
from common.masking import find_secrets, mask_for_logs, mask_sensitive


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4111 1111 1111 1111 123", "[card number ending 1111] [masked]"),
        (
            "my card 5500-0000-0000-0004, exp 12/27, code 999",
            "my card [card number ending 0004], exp [masked], code [masked]",
        ),
        ("cvc: 1234 please", "cvc: [masked] please"),
        ("pin=4321", "pin=[masked]"),
        ("order 10023 and 10007", "order 10023 and 10007"),
        ("4111 1111 1111 1112", "4111 1111 1111 1112"),  # not Luhn-valid: not a card
    ],
)
def test_secrets_are_masked_and_lookalikes_are_not(text: str, expected: str) -> None:
    assert mask_sensitive(text) == expected


def test_what_was_found_is_reported() -> None:
    assert find_secrets("card 4111111111111111 cvv 123, password: x1").found == {
        "card",
        "security_code",
        "password",
    }
    assert not find_secrets("where is order 10023?").changed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail jo@example.com now", "mail [email] now"),
        ("GET /o?email=jo%40example.com", "GET /o?email=[email]"),
        ("call +44 20 7946 0958", "call [phone]"),
        ("or (555) 123-4567", "or [phone]"),
        ("mobile 07700900123", "mobile [phone]"),
        ("mobile 07700 900123 thanks", "mobile [phone] thanks"),
        ("landline 0161 496 0000", "landline [phone]"),
        ("card 4111-1111-1111-1111", "card [card number ending 1111]"),
        (
            "2026-11-27 06:38:23,123 127.0.0.1:5005 10.1.200.300 1732690000 1Z999AA10123456784",
            "2026-11-27 06:38:23,123 127.0.0.1:5005 10.1.200.300 1732690000 1Z999AA10123456784",
        ),
    ],
)
def test_log_masking(text: str, expected: str) -> None:
    assert mask_for_logs(text) == expected


def test_log_records_are_masked_keeping_argument_types() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "%s paid with %s (%d items)",
        ("jo@example.com", {"card": "4111 1111 1111 1111"}, 3), None,
    )
    mask_record(record, mask_for_logs)
    assert record.getMessage() == (
        "[email] paid with {'card': '[card number ending 1111]'} (3 items)"
    )


def test_masking_stream_masks_whole_lines_even_when_written_in_pieces() -> None:
    sink = io.StringIO()
    stream = MaskingStream(sink, mask_for_logs)  # type: ignore[arg-type]
    stream.write("user jo@exa")
    assert sink.getvalue() == ""  # nothing until the line is complete
    stream.write("mple.com card 4111 1111 ")
    stream.write("1111 1111\nnext")
    stream.flush()
    assert sink.getvalue() == "user [email] card [card number ending 1111]\nnext"


def guard(**settings: object) -> tuple[ChannelGuard, list[float]]:
    now = [1000.0]
    return ChannelGuard(GuardSettings(**settings), clock=lambda: now[0]), now  # type: ignore[arg-type]


def test_too_long_message_is_refused_politely_and_not_passed_on() -> None:
    g, _ = guard(max_message_chars=10)
    verdict = g.check(sender_id="s", text="x" * 11, metadata=None, client_ip="1.2.3.4")
    assert not verdict.accepted and verdict.text == ""
    assert "too long" in verdict.replies[0] and "10 characters" in verdict.replies[0]
    assert g.check(sender_id="s", text="x" * 10, metadata=None, client_ip="1.2.3.4").accepted


def test_rate_limit_per_conversation_with_a_sliding_window() -> None:
    g, now = guard(rate_limit_messages=3, rate_limit_window_seconds=10)
    results = [g.check(sender_id="a", text="hi", metadata=None, client_ip="ip") for _ in range(4)]
    assert [r.accepted for r in results] == [True, True, True, False]
    assert results[-1].replies == (RATE_LIMITED_REPLY,)
    assert g.check(sender_id="b", text="hi", metadata=None, client_ip="ip").accepted  # own quota
    now[0] += 10.5
    assert g.check(sender_id="a", text="hi", metadata=None, client_ip="ip").accepted


def test_rate_limiter_forgets_idle_conversations() -> None:
    now = [0.0]
    limiter = RateLimiter(limit=1, window=1, clock=lambda: now[0])
    for i in range(999):
        limiter.allow(f"s{i}")
    now[0] = 5.0
    limiter.allow("last")  # the 1000th call sweeps
    assert set(limiter._hits) == {"last"}


def test_secrets_masked_with_a_warning_and_client_ip_cannot_be_forged() -> None:
    g, _ = guard()
    verdict = g.check(
        sender_id="s",
        text="card 4111 1111 1111 1111, my password is hunter2",
        metadata={"client_ip": "6.6.6.6", "note": "cvv 123", "locale": "en"},
        client_ip="203.0.113.9",
    )
    assert verdict.accepted
    assert verdict.text == "card [card number ending 1111], my password is [masked]"
    assert verdict.metadata == {
        CLIENT_IP_KEY: "203.0.113.9", "note": "cvv [masked]", "locale": "en"
    }
    (warning,) = verdict.replies
    assert "card number and password" in warning and "never share" in warning


def test_client_ip_uses_forwarded_for_only_behind_a_trusted_proxy() -> None:
    trusted = GuardSettings.from_env({"SHOPDESK_TRUSTED_PROXIES": "10.0.0.0/8, ::1"})
    proxies = trusted.trusted_proxies
    assert client_ip(peer="198.51.100.7", forwarded_for="1.1.1.1", trusted=proxies) == (
        "198.51.100.7"  # not a proxy of ours: the header is the client's claim
    )
    assert client_ip(peer="10.0.0.5", forwarded_for="6.6.6.6, 203.0.113.9", trusted=proxies) == (
        "203.0.113.9"  # the right-most hop our proxy saw; the left ones are forgeable
    )
    assert client_ip(peer="10.0.0.5", forwarded_for="203.0.113.9, 10.0.0.7", trusted=proxies) == (
        "203.0.113.9"
    )
    assert client_ip(peer="10.0.0.5", forwarded_for="garbage", trusted=proxies) == "10.0.0.5"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SHOPDESK_MAX_MESSAGE_CHARS": "lots"}, "SHOPDESK_MAX_MESSAGE_CHARS"),
        ({"SHOPDESK_RATE_LIMIT_MESSAGES": "0"}, "SHOPDESK_RATE_LIMIT_MESSAGES"),
        ({"SHOPDESK_TRUSTED_PROXIES": "10.0.0.1, proxy"}, "SHOPDESK_TRUSTED_PROXIES"),
    ],
)
def test_malformed_settings_name_themselves(env: dict[str, str], named: str) -> None:
    with pytest.raises(GuardSettingsError, match=named):
        GuardSettings.from_env(env)


def test_settings_defaults() -> None:
    settings = GuardSettings.from_env({})
    assert (settings.max_message_chars, settings.rate_limit_messages) == (1000, 30)
    assert settings.rate_limit_window_seconds == 60.0 and settings.trusted_proxies == ()


SHARED_CASES = json.loads(
    (paths.ROOT / "web" / "widget" / "test" / "masking-cases.json").read_text()
)


@pytest.mark.parametrize("case", SHARED_CASES, ids=lambda c: c["text"])
def test_shared_cases_with_the_widget(case: dict[str, str]) -> None:
    """The widget masks the shopper's own bubble with a TypeScript port of these rules;
    both are checked against the same cases (web/widget/test/privacy.test.ts)."""
    assert mask_sensitive(case["text"]) == case["masked"]
