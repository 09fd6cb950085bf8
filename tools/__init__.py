"""Tooling that is not part of the running assistant: NLU evaluation, training-data
generation and benchmarks."""
