"""actions/turn_reads.py: one turn's store reads are made once; nothing else is shared."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker

from actions.turn_reads import TurnReads


def tracker(sender: str = "s1", message_id: str = "m1", timestamp: float = 100.0) -> Tracker:
    user = {"event": "user", "text": "ben@example.com", "timestamp": timestamp,
            "parse_data": {"intent": {"name": "inform"}}}
    return Tracker(sender_id=sender, slots={}, latest_message={"message_id": message_id,
                                                                "text": "ben@example.com"},
                   events=[{"event": "action", "name": "action_listen", "timestamp": 99.0}, user],
                   paused=False, followup_action=None, active_loop={},
                   latest_action_name="action_listen")


class Store:
    """Counts the reads that reach it."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def lookup(self, number: str) -> dict:
        self.calls.append(number)
        return {"order_number": number, "read": len(self.calls)}

    async def broken(self) -> dict:
        self.calls.append("broken")
        raise RuntimeError("store down")


def run(coro):  # noqa: ANN001, ANN201
    return asyncio.run(coro)


def test_the_actions_of_one_turn_share_a_read() -> None:
    reads, store = TurnReads(), Store()
    first = run(reads.get(tracker(), ("lookup", "10002"), lambda: store.lookup("10002")))
    again = run(reads.get(tracker(), ("lookup", "10002"), lambda: store.lookup("10002")))
    assert first == again == {"order_number": "10002", "read": 1}
    assert store.calls == ["10002"] and reads.store_reads == 1


@pytest.mark.parametrize("other", [
    tracker(sender="s2"),                 # another conversation
    tracker(message_id="m2"),             # the next message
    tracker(timestamp=101.0),             # a message with the same id at another time
])
def test_another_turn_or_conversation_reads_the_store(other: Tracker) -> None:
    reads, store = TurnReads(), Store()
    run(reads.get(tracker(), ("lookup", "10002"), lambda: store.lookup("10002")))
    run(reads.get(other, ("lookup", "10002"), lambda: store.lookup("10002")))
    run(reads.get(tracker(), ("lookup", "10003"), lambda: store.lookup("10003")))  # other args
    assert store.calls == ["10002", "10002", "10003"]


def test_a_failed_read_is_not_kept() -> None:
    reads, store = TurnReads(), Store()
    for _ in range(2):
        with pytest.raises(RuntimeError):
            run(reads.get(tracker(), ("lookup", "x"), store.broken))
    assert store.calls == ["broken", "broken"]


def test_forget_before_a_write_drops_only_that_conversations_reads() -> None:
    reads, store = TurnReads(), Store()
    run(reads.get(tracker(), ("lookup", "10002"), lambda: store.lookup("10002")))
    run(reads.get(tracker(sender="s2"), ("lookup", "10002"), lambda: store.lookup("10002")))
    reads.forget(tracker())
    run(reads.get(tracker(), ("lookup", "10002"), lambda: store.lookup("10002")))
    run(reads.get(tracker(sender="s2"), ("lookup", "10002"), lambda: store.lookup("10002")))
    assert store.calls == ["10002", "10002", "10002"]


def test_entries_expire_and_the_oldest_go_first() -> None:
    now = [0.0]
    reads, store = TurnReads(ttl=5.0, max_entries=2, clock=lambda: now[0]), Store()
    run(reads.get(tracker(), "a", lambda: store.lookup("a")))
    now[0] = 6.0
    run(reads.get(tracker(), "a", lambda: store.lookup("a")))  # expired: read again
    run(reads.get(tracker(), "b", lambda: store.lookup("b")))
    run(reads.get(tracker(), "c", lambda: store.lookup("c")))  # "a" is dropped
    run(reads.get(tracker(), "c", lambda: store.lookup("c")))
    run(reads.get(tracker(), "a", lambda: store.lookup("a")))
    assert store.calls == ["a", "a", "b", "c", "a"]


class SlowStore(Store):
    """A store whose reads take a while, so a prefetch is still in flight when taken."""

    async def lookup(self, number: str) -> dict:
        await asyncio.sleep(0.05)
        return await super().lookup(number)

    async def broken(self) -> dict:
        await asyncio.sleep(0.05)
        return await super().broken()


def test_a_prefetched_read_is_taken_by_the_turns_get_in_flight_or_done() -> None:
    async def turn(wait: float) -> tuple[dict, dict]:
        reads, store = TurnReads(), SlowStore()
        reads.prefetch(tracker(), "e", lambda: store.lookup("e"))
        reads.prefetch(tracker(), "e", lambda: store.lookup("e"))  # already under way
        await asyncio.sleep(wait)
        first = await reads.get(tracker(), "e", lambda: store.lookup("e"))
        again = await reads.get(tracker(), "e", lambda: store.lookup("e"))
        assert store.calls == ["e"] and reads.store_reads == 1
        return first, again

    for wait in (0.0, 0.1):  # taken while running, taken when done
        first, again = run(turn(wait))
        assert first == again == {"order_number": "e", "read": 1}


def test_a_failed_prefetch_fails_the_get_that_takes_it_and_is_not_kept() -> None:
    async def turn() -> list[str]:
        reads, store = TurnReads(), SlowStore()
        reads.prefetch(tracker(), "e", store.broken)
        with pytest.raises(RuntimeError):
            await reads.get(tracker(), "e", store.broken)
        with pytest.raises(RuntimeError):  # not kept: the next get reads again
            await reads.get(tracker(), "e", store.broken)
        return store.calls

    assert run(turn()) == ["broken", "broken"]


def test_a_prefetch_serves_only_its_own_turn_and_is_dropped_when_not_taken() -> None:
    async def turn() -> tuple[list[str], list[asyncio.Task]]:
        now = [0.0]
        reads, store = TurnReads(ttl=5.0, clock=lambda: now[0]), SlowStore()
        reads.prefetch(tracker(), "e", lambda: store.lookup("e"))
        await reads.get(tracker(message_id="m2"), "e", lambda: store.lookup("e2"))  # next turn
        reads.prefetch(tracker(), "f", lambda: store.lookup("f"))
        pending = list(task for _, task in reads._ahead.values())
        now[0] = 6.0  # nobody took them in time
        await reads.get(tracker(), "f", lambda: store.lookup("f-read"))
        reads.prefetch(tracker(sender="s2"), "g", lambda: store.lookup("g"))
        reads.forget(tracker(sender="s2"))  # a write: its prefetch is dropped too
        await asyncio.sleep(0.1)
        return store.calls, pending

    calls, pending = run(turn())
    assert "e2" in calls and "f-read" in calls and "f" not in calls and "g" not in calls
    assert all(task.done() for task in pending)
