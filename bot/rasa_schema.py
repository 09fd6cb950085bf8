"""`python -m bot.rasa_schema ENDPOINTS`: create the tables of Rasa's SQL tracker store and
SQL event broker once, before several Rasa instances start.

Each Rasa server creates its tables when it starts; two starting at once on a fresh
database race on `CREATE TABLE events` and one of them dies (PostgreSQL: duplicate key in
pg_type). The launcher and deploy/'s migrate step run this first. Runs in the Rasa
engine's environment (Rasa's own classes make the tables, so they are exactly Rasa's).
"""

from __future__ import annotations

import asyncio
import sys

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints


async def create_tables(endpoints_path: str) -> None:
    endpoints = AvailableEndpoints.read_endpoints(endpoints_path)
    broker = await EventBroker.create(endpoints.event_broker)
    TrackerStore.create(endpoints.tracker_store, event_broker=broker)
    if broker is not None:
        await broker.close()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m bot.rasa_schema ENDPOINTS_YML", file=sys.stderr)
        return 2
    asyncio.run(create_tables(args[0]))
    print(f"Rasa's tracker store and event broker tables are ready ({args[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
