"""Customer satisfaction: one 1-5 rating per conversation, asked at the least naggy moment.

`action_wrap_up` answers "thanks", "bye" and "no, that's all". If the bot settled a task in
this conversation (common.outcomes: order status answered, return created, ...), nothing
went to a person and it has not asked yet, it asks for a rating with buttons the shopper may
ignore; otherwise it answers as before. `action_record_csat` keeps the score (and any words
typed with it) in slots, which is what the KPI report reads back from the tracker store.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from common.outcomes import (
    CSAT_ASKED_SLOT,
    CSAT_COMMENT_SLOT,
    CSAT_SCORE_SLOT,
    ESCALATE_ACTION,
    HANDOFF_REFERENCE_SLOT,
    csat_score,
    outcome_of,
)

# What the shopper's closing words get when no rating is asked (as before CSAT).
_PLAIN_REPLIES = {
    "thanks": "utter_you_are_welcome",
    "goodbye": "utter_goodbye",
    "deny": "utter_nothing_to_stop",
}
_DEFAULT_REPLY = "utter_nothing_to_stop"

# "4", "4/5", "4 out of 5", "4 stars", "five": a score standing on its own.
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_SCORE = re.compile(
    r"(?<![\d/.,])(?P<digit>[1-5])(?![\d.,]\d)(?:\s*(?:/|out of)\s*5)?"
    r"|\b(?P<word>one|two|three|four|five)\b",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"^(?:i(?:'d| would)? (?:give|rate)(?: (?:it|you|this chat|this))?(?: an?)?"
    r"|my rating is|rating|score|rate it)\b|"
    r"^\W*(?:stars?|points?|out of \w+)\b",
    re.IGNORECASE,
)
MAX_COMMENT = 500


def session_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The events of the current session (after the last session_started)."""
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "session_started":
            return events[index + 1 :]
    return events


def settled_a_task(events: list[dict[str, Any]]) -> bool:
    return any(
        event.get("event") == "bot"
        and outcome_of((event.get("metadata") or {}).get("utter_action")) is not None
        for event in events
    )


def went_to_a_person(events: list[dict[str, Any]]) -> bool:
    for event in events:
        if event.get("event") == "action" and event.get("name") == ESCALATE_ACTION:
            return True
        if event.get("event") == "slot" and event.get("name") == HANDOFF_REFERENCE_SLOT:
            if event.get("value"):
                return True
    return False


def rating_due(tracker: Tracker) -> bool:
    """Ask now? Only after a settled task, never twice, never once a person took over."""
    if tracker.get_slot(CSAT_ASKED_SLOT) or tracker.get_slot(CSAT_SCORE_SLOT):
        return False
    events = session_events(tracker)
    return settled_a_task(events) and not went_to_a_person(events)


def parse_rating(text: str) -> tuple[int | None, str | None]:
    """A typed rating and the comment around it: "4, quick but slow to start" -> (4, ...)."""
    match = _SCORE.search(text or "")
    if match is None:
        return None, None
    score = int(match["digit"]) if match["digit"] else _WORDS[match["word"].lower()]
    rest = (text[: match.start()] + " " + text[match.end() :]).strip()
    rest = _FILLER.sub("", rest).strip(" \t-–—,.:;!")
    rest = _FILLER.sub("", rest).strip(" \t-–—,.:;!")
    comment = " ".join(rest.split())[:MAX_COMMENT] or None
    if comment is not None and len(comment) < 3:
        comment = None
    return score, comment


class ActionWrapUp(Action):
    def name(self) -> str:
        return "action_wrap_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if rating_due(tracker):
            dispatcher.utter_message(response="utter_ask_csat")
            return [SlotSet(CSAT_ASKED_SLOT, True)]
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        dispatcher.utter_message(response=_PLAIN_REPLIES.get(str(intent), _DEFAULT_REPLY))
        return []


class ActionRecordCsat(Action):
    def name(self) -> str:
        return "action_record_csat"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = str(tracker.latest_message.get("text") or "")
        from_button = text.startswith("/")
        # A button sets the slot from its entity; typed words are read here.
        score = csat_score(tracker.get_slot(CSAT_SCORE_SLOT)) if from_button else None
        comment: str | None = None
        if score is None and not from_button:
            score, comment = parse_rating(text)
        if score is None:
            dispatcher.utter_message(response="utter_csat_invalid")
            return [SlotSet(CSAT_SCORE_SLOT, None)]
        events: list[EventType] = [
            SlotSet(CSAT_SCORE_SLOT, str(score)),
            SlotSet(CSAT_ASKED_SLOT, True),
        ]
        if comment:
            events.append(SlotSet(CSAT_COMMENT_SLOT, comment))
            dispatcher.utter_message(response="utter_csat_thanks_comment")
        else:
            dispatcher.utter_message(response="utter_csat_thanks")
        return events
