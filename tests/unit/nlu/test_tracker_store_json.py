"""The lean tracker store reads a stored conversation (rows of `json.dumps` output joined
into one JSON array by PostgreSQL) to exactly what `json.loads` reads (Rasa env)."""

from __future__ import annotations

import json
import math
import random

from bot.tracker_store import read_json


def test_a_stored_conversation_reads_as_json_loads_reads_it() -> None:
    rng = random.Random(7)
    events = [
        {"event": "user", "timestamp": 1764262800.0 + rng.random(),
         "text": 'où "est" \\ ma commande? 😀',
         "parse_data": {"intent": {"name": "order_status", "confidence": rng.random()},
                        "entities": [{"entity": "order_number", "value": "10023", "start": 9}],
                        "big": 2**70, "tiny": 5e-324}},
        {"event": "slot", "name": "order_number", "value": None},
        {"event": "bot", "text": "</script>\u2028\ud800", "data": {"buttons": []}},
    ] * 20
    stored = "[" + ",".join(json.dumps(e) for e in events) + "]"  # as Rasa writes each row
    assert read_json(stored) == json.loads(stored) == events
    assert [repr(e.get("timestamp")) for e in read_json(stored)] == [
        repr(e.get("timestamp")) for e in events]


def test_values_only_json_loads_takes_still_read() -> None:
    nan = read_json(json.dumps([{"confidence": float("nan")}]))[0]["confidence"]
    assert math.isnan(nan)
    assert read_json("[]") == []
