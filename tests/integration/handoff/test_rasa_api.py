"""The handoff service's Rasa API client against a local HTTP server."""

from __future__ import annotations

import pytest

from handoff.rasa_api import RasaApiError, RasaClient
from tests.fakes.rasa import FakeRasa

TOKEN = "rasa-api-token"


def test_calls_share_one_kept_alive_connection(fake_rasa: FakeRasa) -> None:
    with RasaClient(base_url=fake_rasa.url, token=fake_rasa.token) as rasa:
        rasa.append_events("c1", [{"event": "bot", "text": "one"}])
        rasa.append_events("c2", [{"event": "bot", "text": "two"}])
        assert not rasa.has_message("c1", "hm1")

    assert [e["text"] for e in fake_rasa.appended["c1"]] == ["one"]
    assert [e["text"] for e in fake_rasa.appended["c2"]] == ["two"]
    peers = {r.peer for r in fake_rasa.requests}
    assert len(fake_rasa.requests) == 3
    assert len(peers) == 1, peers


def test_a_refused_call_raises_a_retryable_error() -> None:
    fake = FakeRasa(token=TOKEN).start()
    try:
        with RasaClient(base_url=fake.url, token="not-the-token") as rasa, pytest.raises(
            RasaApiError, match="HTTP 401"
        ) as refused:
            rasa.append_events("c1", [{"event": "bot", "text": "hi"}])
        assert refused.value.retryable
        assert fake.appended == {}
    finally:
        fake.stop()
