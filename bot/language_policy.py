"""The conversation's language, set in the Rasa process as each message arrives.

A policy that never predicts an action (its probabilities are all zero, so it never wins)
but returns `SlotSet` events for `language` and `language_source`, which Rasa applies
before the action the other policies chose runs, whichever wins (Rasa's documented
`PolicyPrediction.events`). The rule itself is common/language_choice.py. Deciding here
instead of in a custom slot-mapping action saves the action-server call (the whole tracker
over HTTP) that such an action costs on every message.

The messages applied are those since the bot last acted: normally the one that just
arrived, but also any the shopper sent while the conversation was paused for a person
("English please" while an agent has the chat still counts once the bot answers again).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rasa.core.constants import DEFAULT_POLICY_PRIORITY, POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from common.language_choice import LanguageChoice, after_message, current_choice

LANGUAGE_SLOT = "language"
SOURCE_SLOT = "language_source"


def unanswered_messages(events: Sequence[Event]) -> list[UserUttered]:
    """The shopper's messages since the bot last ran an action, oldest first."""
    found: list[UserUttered] = []
    for event in reversed(events):
        if isinstance(event, ActionExecuted):
            break
        if isinstance(event, UserUttered):
            found.append(event)
    return found[::-1]


def language_after(current: LanguageChoice, messages: Iterable[UserUttered]) -> LanguageChoice:
    for message in messages:
        parse = message.parse_data
        current = after_message(
            current,
            {
                "text": message.text,
                "intent": message.intent,
                "entities": message.entities,
                "language": parse.get("language"),  # type: ignore[misc]
                "metadata": message.metadata,
            },
        )
    return current


def language_events(tracker: DialogueStateTracker) -> list[Event]:
    """`SlotSet`s that bring the slots up to date with the unanswered messages (none when
    they already are)."""
    messages = unanswered_messages(tracker.events)
    if not messages:
        return []
    current = current_choice(tracker.get_slot(LANGUAGE_SLOT), tracker.get_slot(SOURCE_SLOT))
    chosen = language_after(current, messages)
    if chosen == current:
        return []
    return [SlotSet(LANGUAGE_SLOT, chosen.language), SlotSet(SOURCE_SLOT, chosen.source)]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class ConversationLanguagePolicy(Policy):
    """Fills the language slots; predicts no action (see the module doc)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # the lowest priority Rasa has: its all-zero prediction never wins a tie
        return {POLICY_PRIORITY: DEFAULT_POLICY_PRIORITY}

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        return self._resource  # nothing to learn

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        return self._prediction(
            self._default_predictions(domain), events=language_events(tracker)
        )
