"""The action-response validation fix (bot/nlu/rasa_speedups.py) accepts and refuses exactly
what Rasa's own `jsonschema.validate` call does, with the same message. (Its speed is
measured by the load benchmark, docs/performance.md.)"""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.nlu import rasa_speedups

VALID = {
    "events": [{"event": "slot", "name": "order_number", "value": "10023"}],
    "responses": [{"response": "utter_ask_email"}, {"text": "hi", "buttons": []}],
}
INVALID = [
    {"events": "not a list"},
    {"events": [{"name": "no event key"}]},
    {"responses": [{"text": 5}], "events": [{"event": "no_such_event"}]},
]


def _original(result: dict) -> None:
    jsonschema.validate(result, RemoteAction.action_response_format_spec())


@pytest.fixture(scope="module")
def action() -> RemoteAction:
    assert rasa_speedups.install()
    return RemoteAction("action_x", None)


def test_installed_by_loading_our_components() -> None:
    import bot.nlu.spacy_offline  # noqa: F401  (what `rasa run` imports with the model)

    assert RemoteAction._validate_action_result.__module__ == rasa_speedups.__name__


def test_valid_responses_pass(action: RemoteAction) -> None:
    _original(VALID)
    assert action._validate_action_result(VALID) is True
    assert action._validate_action_result({}) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_responses_fail_like_rasa_does(action: RemoteAction, result: dict) -> None:
    with pytest.raises(jsonschema.ValidationError) as ours:
        action._validate_action_result(result)
    with pytest.raises(jsonschema.ValidationError) as theirs:
        _original(result)
    assert ours.value.message.startswith(theirs.value.message)
    assert "Failed to validate Action server response" in ours.value.message
    assert list(ours.value.path) == list(theirs.value.path)
