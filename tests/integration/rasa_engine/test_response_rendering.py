"""Every button of every response in bot/domain renders through Rasa's own interpolator to a
payload Rasa can read, without an error log record: a JSON payload written with single
braces is read as a slot template and logs an ERROR per button every time it is sent.

Runs in the Rasa engine's environment (`make test` runs it there)."""

from __future__ import annotations

import copy

from rasa.core.nlg import interpolator
from rasa.shared.core.domain import Domain
from structlog.testing import capture_logs

from bot import paths


def _buttons() -> list[tuple[str, dict]]:
    domain = Domain.load(str(paths.DOMAIN))
    return [
        (name, button)
        for name, variants in domain.responses.items()
        for variant in variants
        for button in variant.get("buttons") or []
    ]


def test_button_payloads_render_without_errors() -> None:
    buttons = _buttons()
    assert buttons  # the domain has buttons to check
    with capture_logs() as records:
        rendered = [
            (name, interpolator.interpolate(copy.deepcopy(button), {})["payload"])
            for name, button in buttons
        ]
    assert [r for r in records if r["log_level"] in ("error", "critical")] == []
    for name, payload in rendered:
        assert "{{" not in payload and "0[" not in payload, (name, payload)


def test_the_rating_buttons_send_the_score_as_json() -> None:
    with capture_logs():
        payloads = [
            interpolator.interpolate(copy.deepcopy(button), {})["payload"]
            for name, button in _buttons() if name == "utter_ask_csat"
        ]
    # the same five buttons in each language's variation of the response
    assert payloads == [f'/rate{{"csat_score": "{n}"}}' for n in range(1, 6)] * 4
