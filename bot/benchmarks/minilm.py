"""`PYTHONPATH=. OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/rasa/bin/python -m
bot.benchmarks.minilm`: milliseconds to embed one message with MiniLM, by length, as the
Rasa server does (one message at a time, one thread), for the float32 numpy encoder (the
baseline) and the int8 torch encoder (bot/nlu/minilm_int8.py) side by side in one process,
with the cosine between the two embeddings. Prints figures, asserts nothing.
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


def _median_ms(encoder, text: str, repeats: int) -> float:
    encoder.encode([text])
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        encoder.encode([text])
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(repeats: int = 200) -> None:
    import torch

    from bot.nlu.minilm import get_encoder, make_encoder

    torch.set_num_threads(1)
    float32, int8 = get_encoder(), make_encoder(None, "int8")
    print("tokens  float32 ms  int8 ms  speed-up  cosine  message")
    for text in MESSAGES:
        tokens = len(float32.tokenizer.encode(text).ids)
        a, b = _median_ms(float32, text, repeats), _median_ms(int8, text, repeats)
        cosine = float((float32.encode([text]) * int8.encode([text])).sum())
        print(f"{tokens:>6}  {a:>10.2f}  {b:>7.2f}  {a / b:>7.1f}x  {cosine:>6.3f}  {text!r}")


if __name__ == "__main__":
    main()
