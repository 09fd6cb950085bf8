"""The `batched_parsing` patch (bot/rasa_patches.py): messages are parsed on a worker thread,
those that arrive together in one run of the NLU graph, with the same result as each parsed
alone by Rasa's own code, and the event loop keeps running meanwhile.

Uses the shipped pipeline (config.yml + data/nlu), trained once or reused from models/eval/
(the same cache as tests/nlu). Runs in the Rasa engine's environment (`make test`)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from tests.support.nlu_agent import shipped_nlu_agent

os.environ["RASA_TELEMETRY_ENABLED"] = "false"
REPO = Path(__file__).resolve().parents[3]

MESSAGES = [
    "hi",
    "where is my order 10023? my email is jo@example.com",
    "I want to return the sweater, it's too small",
    "can i get a refund for my order",
    "cancel my order please",
    "talk to a person",
    "what's the weather like in Paris tomorrow?",
    "asdfgh",
    "yes",
    "no thanks",
    "do you ship to Canada and how long does delivery take",
    "my card was charged twice for the same order and I am really not happy about it",
]


@pytest.fixture(scope="module")
def agent():
    from bot import rasa_patches

    loaded = shipped_nlu_agent()
    assert "batched_parsing" in rasa_patches.install("all")
    return loaded


def _alone(agent, text: str) -> dict:
    """What Rasa's own code returns for the message parsed by itself."""
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.trackers import DialogueStateTracker

    message = UserMessage(text, sender_id="alone")
    tracker = DialogueStateTracker.from_events("alone", [])
    return agent.processor._parse_message_with_graph(message, tracker, True)


def _same(batched: dict, alone: dict) -> None:
    assert batched["text"] == alone["text"]
    assert batched["intent"]["name"] == alone["intent"]["name"], batched["text"]
    assert batched["intent"]["confidence"] == pytest.approx(alone["intent"]["confidence"],
                                                            abs=1e-5)
    assert [r["name"] for r in batched["intent_ranking"]] == [
        r["name"] for r in alone["intent_ranking"]]
    for got, want in zip(batched["intent_ranking"], alone["intent_ranking"], strict=True):
        assert got["confidence"] == pytest.approx(want["confidence"], abs=1e-5)
    assert batched["entities"] == alone["entities"]


def test_concurrent_messages_share_runs_and_get_the_results_they_get_alone(agent) -> None:
    from rasa.core.channels.channel import UserMessage

    processor = agent.processor

    async def main() -> list[dict]:
        return await asyncio.gather(*(
            processor.parse_message(UserMessage(text, sender_id=f"s{i}"))
            for i, text in enumerate(MESSAGES)))

    batcher = processor.__dict__.get("_shopdesk_parse_batcher")
    runs_before = batcher.runs if batcher else 0
    results = asyncio.run(main())
    batcher = processor.__dict__["_shopdesk_parse_batcher"]
    runs = batcher.runs - runs_before
    # the first message starts a run alone; the rest queued meanwhile share the next runs
    assert runs <= 3, runs
    for text, result in zip(MESSAGES, results, strict=True):
        _same(result, _alone(agent, text))


def test_one_message_at_a_time_is_parsed_as_rasa_parses_it(agent) -> None:
    for text in MESSAGES[:4]:
        result = asyncio.run(agent.parse_message(text))
        _same(result, _alone(agent, text))


def test_the_event_loop_runs_while_messages_are_parsed(agent) -> None:
    """Rasa alone parses on the loop: nothing else runs until the parse is over."""
    from rasa.core.channels.channel import UserMessage

    processor = agent.processor

    async def main() -> tuple[int, list[dict]]:
        ticks = 0
        done = False

        async def ticker() -> None:
            nonlocal ticks
            while not done:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        ticks = 0
        long_messages = [m + " " + m for m in MESSAGES] * 2
        parsed = await asyncio.gather(*(
            processor.parse_message(UserMessage(text, sender_id="t")) for text in long_messages))
        done = True
        await task
        return ticks, parsed

    ticks, parsed = asyncio.run(main())
    assert len(parsed) == 2 * len(MESSAGES)
    assert ticks > 10, ticks


def test_a_message_that_fails_fails_alone(agent) -> None:
    from rasa.core.channels.channel import UserMessage

    processor = agent.processor

    class Broken(UserMessage):
        @property
        def text(self):  # noqa: ANN201 - read by Rasa's NLU message converter
            raise ValueError("unreadable message")

        @text.setter
        def text(self, value) -> None:  # noqa: ANN001
            pass

    async def main() -> list:
        return await asyncio.gather(
            processor.parse_message(UserMessage("hi", sender_id="a")),
            processor.parse_message(Broken("x", sender_id="b")),
            processor.parse_message(UserMessage("cancel my order", sender_id="c")),
            return_exceptions=True)

    first, broken, last = asyncio.run(main())
    assert first["intent"]["name"] == "greet"
    # what Rasa raises for it parsed alone
    assert type(broken).__name__ == "GraphComponentException", repr(broken)
    assert isinstance(broken.__cause__, ValueError)
    assert last["intent"]["name"] == "cancel_order"


PAYLOADS = [
    "/deny",
    "/affirm",
    '/inform{"return_line": "100022"}',
    '/inform{"return_reason": "wrong_size"}',
    "/human_agent",
    "/greet@0.4",
    '/order_status{"order_number": "10023", "email": "jo@example.com"}',
]
NOT_UNPACKED = ["/", "/{}"]  # the regex handler leaves these to the pipeline


def _check_payloads(agent, payloads: list[str], not_unpacked: list[str]) -> None:
    from rasa.core.channels.channel import UserMessage

    processor = agent.processor

    async def parse(texts: list[str]) -> list[dict]:
        return await asyncio.gather(*(
            processor.parse_message(UserMessage(t, sender_id="p")) for t in texts))

    asyncio.run(parse(["warm up"]))
    batcher = processor.__dict__["_shopdesk_parse_batcher"]
    runs = batcher.runs
    for text, result in zip(payloads, asyncio.run(parse(payloads)), strict=True):
        assert result == _alone(agent, text), text
    assert batcher.runs == runs  # no run of the pipeline for a button
    for text, result in zip(not_unpacked, asyncio.run(parse(not_unpacked)), strict=True):
        _same(result, _alone(agent, text))
    assert batcher.runs > runs


def test_a_button_payload_gets_rasas_parse_without_running_the_pipeline(agent) -> None:
    _check_payloads(agent, PAYLOADS, NOT_UNPACKED)


def test_with_the_full_model_a_payload_for_an_unknown_intent_goes_through_the_pipeline() -> None:
    """The served model (NLU + dialogue): its domain decides which payloads are unpacked."""
    from bot import rasa_patches, training
    from tools.evaluation.common import quiet_logs, set_offline_env

    set_offline_env()
    quiet_logs()
    from rasa.core.agent import Agent

    model = training.model_path()
    if not model.exists():
        model = training.ensure_model(quiet=True)
    agent = Agent.load(str(model))
    assert "batched_parsing" in rasa_patches.install("all")
    _check_payloads(agent, PAYLOADS, [*NOT_UNPACKED, "/no_such_intent"])
