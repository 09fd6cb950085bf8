"""The intent model's neighbour index on the shipped training data: for every held-out
message (four languages), each intent's closest training examples it finds are the ones
the full computation finds (bot/nlu/neighbours.py ranks candidates in a projection; too few
candidates for the data would show here first)."""

import csv
from pathlib import Path

import numpy as np
import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bot.nlu.intent_model import _normalised, embed
from bot.nlu.neighbours import NeighbourIndex

REPO = Path(__file__).resolve().parents[2]
ENCODERS = ("minilm", "use")  # config.yml's


@pytest.fixture(scope="module")
def table():
    data = load_data(str(REPO / "data" / "nlu"))
    examples = [e for e in data.intent_examples if e.get("intent")]
    labels = np.array([e.get("intent") for e in examples])
    vectors = embed(ENCODERS, _normalised([e.get("text") for e in examples]))
    return vectors, labels


def _held_out() -> list[str]:
    folder = REPO / "tools" / "evaluation" / "data" / "heldout"
    texts = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8") as f:
            texts += [row["text"] for row in csv.DictReader(f)]
    return texts


def test_each_intent_s_three_closest_examples_match_the_full_computation(table):
    vectors, labels = table
    classes = sorted(set(labels))
    index = NeighbourIndex(vectors, labels, classes)
    assert index.width < max(np.bincount(np.unique(labels, return_inverse=True)[1]))
    queries = embed(ENCODERS, _normalised(_held_out()))
    near = index.nearest(queries)[:, :, :3]
    sims = queries @ vectors.T
    for c, name in enumerate(classes):
        expected = -np.sort(-sims[:, labels == name], axis=1)[:, :3]
        assert np.allclose(near[:, c, :], expected, atol=1e-5), name
