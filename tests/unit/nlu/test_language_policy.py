"""The language policy in the Rasa process: the `language` slots follow the shopper's
messages without an action-server call, and the policy never chooses an action."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

os.environ["RASA_TELEMETRY_ENABLED"] = "false"

from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble  # noqa: E402
from rasa.core.policies.policy import PolicyPrediction  # noqa: E402
from rasa.engine.graph import ExecutionContext, GraphSchema  # noqa: E402
from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.events import (  # noqa: E402
    ActionExecuted,
    ActionExecutionRejected,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402

from bot.language_policy import ConversationLanguagePolicy  # noqa: E402

DOMAIN = Domain.load(str(Path(__file__).resolve().parents[3] / "bot" / "domain"))


def said(
    text: str,
    *,
    detected: str | None = None,
    confidence: float = 0.0,
    locale: str | None = None,
    intent: str = "greet",
    entities: list[dict[str, Any]] | None = None,
) -> UserUttered:
    parse = {
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "text": text,
        "language": {"code": detected, "confidence": confidence},
    }
    metadata = {"locale": locale} if locale else {}
    return UserUttered(text, parse["intent"], parse["entities"], parse, metadata=metadata)


def tracker(*events: Event) -> DialogueStateTracker:
    start = [ActionExecuted("action_session_start"), ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events("policy-test", [*start, *events], DOMAIN.slots)


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> ConversationLanguagePolicy:
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    context = ExecutionContext(GraphSchema({}), "test")
    return ConversationLanguagePolicy.create(
        ConversationLanguagePolicy.get_default_config(), storage, Resource("lang"), context
    )


def predicted(policy: ConversationLanguagePolicy, t: DialogueStateTracker) -> PolicyPrediction:
    return policy.predict_action_probabilities(t, DOMAIN)


def test_the_first_german_message_sets_german_and_no_action_is_chosen(policy):
    prediction = predicted(policy, tracker(said("Wo ist meine Bestellung?", detected="de",
                                                confidence=0.98)))
    assert prediction.events == [SlotSet("language", "de"), SlotSet("language_source", "detected")]
    assert prediction.max_confidence == 0.0


def test_the_pages_locale_decides(policy):
    t = tracker(said("where is my order", detected="en", confidence=0.99, locale="es-ES"))
    assert predicted(policy, t).events == [
        SlotSet("language", "es"),
        SlotSet("language_source", "page"),
    ]


def test_nothing_to_set_once_the_slots_agree_or_the_bot_has_acted(policy):
    german = [SlotSet("language", "de"), SlotSet("language_source", "detected")]
    assert predicted(policy, tracker(*german, said("10023"))).events == []
    # later predictions of the same turn: the message was applied before the first action
    acted = tracker(said("Hallo", detected="de", confidence=0.9), *german,
                    ActionExecuted("utter_greet"), BotUttered("Hallo!"))
    assert predicted(policy, acted).events == []


def test_a_rejected_action_drops_the_slots_so_the_next_prediction_sets_them_again(policy):
    t = tracker(said("Bonjour", detected="fr", confidence=0.9),
                ActionExecutionRejected("verification_form"))
    assert predicted(policy, t).events == [
        SlotSet("language", "fr"),
        SlotSet("language_source", "detected"),
    ]


def test_messages_sent_while_a_person_had_the_chat_count_when_the_bot_answers_again(policy):
    t = tracker(
        said("Hallo", locale="de"),
        SlotSet("language", "de"),
        SlotSet("language_source", "page"),
        ActionExecuted("action_handoff"),
        ConversationPaused(),
        said("English please", intent="switch_language", locale="de",
             entities=[{"entity": "language", "value": "en"}]),
        ConversationResumed(),
        said("hi", locale="de"),
    )
    assert predicted(policy, t).events == [
        SlotSet("language", "en"),
        SlotSet("language_source", "shopper"),
    ]


def test_its_slots_are_applied_whichever_policy_wins(policy):
    t = tracker(said("Hola, ¿dónde está mi pedido?", detected="es", confidence=0.99))
    rules = PolicyPrediction.for_action_name(DOMAIN, "utter_greet", "RulePolicy")
    best = DefaultPolicyPredictionEnsemble().combine_predictions_from_kwargs(
        t, DOMAIN, language=predicted(policy, t), rules=rules
    )
    assert best.policy_name == "RulePolicy"
    slots = [e for e in best.events if isinstance(e, SlotSet)]
    assert slots == [SlotSet("language", "es"), SlotSet("language_source", "detected")]
