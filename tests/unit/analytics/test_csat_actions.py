"""actions/csat.py run on tracker states with a CollectingDispatcher: the whole event list
and the response names."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.csat import ActionRecordCsat, ActionWrapUp

SETTLED = {"event": "bot", "metadata": {"utter_action": "utter_shipment_in_transit"}}


def tracker(
    *, text: str, intent: str, events: list[dict[str, Any]], slots: dict[str, Any] | None = None
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []}
    return Tracker("shopper", slots or {}, latest, events, False, None, {}, "action_listen")


async def run(action: Any, t: Tracker) -> tuple[list[str], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return [m["response"] for m in dispatcher.messages], events


async def test_thanks_after_a_settled_task_asks_for_the_rating() -> None:
    responses, events = await run(
        ActionWrapUp(), tracker(text="thanks", intent="thanks", events=[SETTLED])
    )
    assert responses == ["utter_ask_csat"]
    assert events == [SlotSet("csat_asked", True)]


async def test_closing_words_without_a_rating_due_get_their_usual_answer() -> None:
    for intent, response in (
        ("thanks", "utter_you_are_welcome"),
        ("goodbye", "utter_goodbye"),
        ("deny", "utter_nothing_to_stop"),
    ):
        t = tracker(text="x", intent=intent, events=[SETTLED], slots={"csat_asked": True})
        assert await run(ActionWrapUp(), t) == ([response], [])


async def test_a_button_rating_is_kept() -> None:
    t = tracker(
        text='/rate{"csat_score": "3"}', intent="rate", events=[], slots={"csat_score": "3"}
    )
    assert await run(ActionRecordCsat(), t) == (
        ["utter_csat_thanks"],
        [SlotSet("csat_score", "3"), SlotSet("csat_asked", True)],
    )


async def test_a_typed_rating_keeps_the_comment() -> None:
    t = tracker(text="2 - the buttons were confusing", intent="rate", events=[])
    assert await run(ActionRecordCsat(), t) == (
        ["utter_csat_thanks_comment"],
        [
            SlotSet("csat_score", "2"),
            SlotSet("csat_asked", True),
            SlotSet("csat_comment", "the buttons were confusing"),
        ],
    )


async def test_a_forged_or_unreadable_score_is_refused_politely() -> None:
    for text, slots in (
        ('/rate{"csat_score": "11"}', {"csat_score": "11"}),
        ("great stuff", {}),
    ):
        t = tracker(text=text, intent="rate", events=[], slots=slots)
        assert await run(ActionRecordCsat(), t) == (
            ["utter_csat_invalid"],
            [SlotSet("csat_score", None)],
        )
