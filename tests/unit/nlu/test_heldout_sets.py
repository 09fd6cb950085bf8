"""The per-language held-out sets stay out of the training data."""

import csv
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
HELDOUT = REPO / "tools" / "evaluation" / "data" / "heldout"
ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def key(text: str) -> str:
    return " ".join(re.sub(r"[^\w@.]+", " ", text.lower()).split())


def training_keys() -> set[str]:
    keys = set()
    for path in (REPO / "data" / "nlu").rglob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    keys.add(key(ANNOTATION.sub(r"\1", line.strip()[2:])))
    return keys


@pytest.mark.parametrize("language", ["en", "de", "fr", "es"])
def test_no_held_out_text_is_a_training_example(language):
    with open(HELDOUT / f"{language}.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 150
    assert {r["map_flag"] for r in rows} == {"exact", "oos", "near_miss_oos"}
    training = training_keys()
    assert not [r["text"] for r in rows if key(r["text"]) in training]
