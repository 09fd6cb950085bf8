"""`PYTHONPATH=. OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/rasa/bin/python -m
tools.benchmarks.nlu_batch`: milliseconds of wall and CPU time per message when the shipped NLU
model (config.yml + data/nlu, trained or reused from models/eval/) parses a set of shopper
messages one after another, and when the same messages arrive together (the
`batched_parsing` patch, bot/rasa_patches.py, parses those in one run of the graph). Both in
the same run, through
Rasa's `MessageProcessor.parse_message`. Prints figures, asserts nothing.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

MESSAGES = (
    "hi",
    "where is my order",
    "10023",
    "jo@example.com",
    "I want to return the sweater",
    "yes",
    "talk to a person",
    "no thanks",
)


def main(rounds: int = 20) -> None:
    from tools.evaluation.common import quiet_logs, set_offline_env, train_nlu_model

    set_offline_env()
    quiet_logs()
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage

    from bot import rasa_patches

    root = Path(__file__).resolve().parents[2]
    model = train_nlu_model(config_text=(root / "config.yml").read_text(),
                            nlu_paths=[root / "data" / "nlu"], tag="shopdesk")
    processor = Agent.load(str(model.path)).processor
    rasa_patches.install("all")

    async def one_after_another() -> None:
        for text in MESSAGES:
            await processor.parse_message(UserMessage(text))

    async def together() -> None:
        await asyncio.gather(*(processor.parse_message(UserMessage(t)) for t in MESSAGES))

    for name, run in (("one after another", one_after_another), ("together", together)) * 2:
        asyncio.run(run())  # warm
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(rounds):
            asyncio.run(run())
        n = rounds * len(MESSAGES)
        print(f"{name:<18} wall {1000 * (time.perf_counter() - wall) / n:6.2f} ms/message  "
              f"cpu {1000 * (time.process_time() - cpu) / n:6.2f} ms/message  ({n} messages)")


if __name__ == "__main__":
    main()
