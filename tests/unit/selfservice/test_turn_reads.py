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


class Order:
    def __init__(self, number: str) -> None:
        self.order_number = number


class ReturnsStore:
    """The three reads `TurnReads` makes of the store client, counted."""

    def __init__(self, *, normalised: str | None = None, fail: bool = False) -> None:
        self.calls: list[str] = []
        self._normalised = normalised
        self._fail = fail

    async def lookup_order_with_eligibility(self, *, order_number: str, email: str,
                                            client: str | None) -> tuple[Order, dict]:
        self.calls.append("lookup+eligibility")
        if self._fail:
            raise RuntimeError("order not found")
        number = self._normalised or order_number
        return Order(number), {"order_number": number, "email": email}

    async def lookup_order(self, *, order_number: str, email: str, client: str | None) -> Order:
        self.calls.append("lookup")
        return Order(order_number)

    async def return_eligibility(self, *, order_number: str, email: str) -> dict:
        self.calls.append("eligibility")
        return {"order_number": order_number, "email": email}


def test_a_lookup_with_eligibility_serves_the_turns_later_reads_of_both() -> None:
    async def turn() -> list[str]:
        reads, store = TurnReads(), ReturnsStore()
        details = {"order_number": "10002", "email": "ben@example.com"}
        order = await reads.lookup_order_with_eligibility(tracker(), store, **details,
                                                          client="c1")
        assert order.order_number == "10002"
        again = await reads.lookup_order(tracker(), store, **details, client="c1")
        eligibility = await reads.return_eligibility(tracker(), store, **details)
        assert again is order and eligibility == details
        assert reads.store_reads == 1
        # the next message reads both again, separately
        await reads.lookup_order(tracker(message_id="m2"), store, **details, client="c1")
        await reads.return_eligibility(tracker(message_id="m2"), store, **details)
        return store.calls

    assert run(turn()) == ["lookup+eligibility", "lookup", "eligibility"]


def test_the_eligibility_is_kept_under_the_number_the_store_gave() -> None:
    """The store answers with its own form of the number ("#10002" -> "10002"): the later
    eligibility read, made with the verified (store's) number, finds it."""
    async def turn() -> list[str]:
        reads, store = TurnReads(), ReturnsStore(normalised="10002")
        await reads.lookup_order_with_eligibility(
            tracker(), store, order_number="#10002", email="ben@example.com", client=None
        )
        await reads.return_eligibility(
            tracker(), store, order_number="10002", email="ben@example.com"
        )
        return store.calls

    assert run(turn()) == ["lookup+eligibility"]


def test_a_failed_lookup_with_eligibility_keeps_nothing() -> None:
    async def turn() -> list[str]:
        reads, store = TurnReads(), ReturnsStore(fail=True)
        details = {"order_number": "10002", "email": "ben@example.com"}
        for _ in range(2):
            with pytest.raises(RuntimeError):
                await reads.lookup_order_with_eligibility(tracker(), store, **details,
                                                          client=None)
        assert not reads._entries
        return store.calls

    assert run(turn()) == ["lookup+eligibility", "lookup+eligibility"]
