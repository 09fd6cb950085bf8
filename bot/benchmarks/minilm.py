"""`PYTHONPATH=. OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/rasa/bin/python -m
bot.benchmarks.minilm`: milliseconds to embed one message with MiniLM, by length, as the
Rasa server does (one message at a time, one BLAS thread). Prints figures, asserts nothing.
"""

from __future__ import annotations

import statistics
import time

MESSAGES = (
    "hi",
    "10023",
    "where is my order?",
    "I want to return order 10003, my email is cara@example.com",
    "The parcel must arrive before Saturday, it's a birthday present, can you help me?",
)


def main(repeats: int = 200) -> None:
    from bot.nlu.minilm import get_encoder

    encoder = get_encoder()
    for text in MESSAGES:
        tokens = len(encoder.tokenizer.encode(text).ids)
        encoder.encode([text])
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            encoder.encode([text])
            times.append(time.perf_counter() - start)
        print(f"{tokens:>3} tokens  median {statistics.median(times) * 1000:6.2f} ms  {text!r}")


if __name__ == "__main__":
    main()
