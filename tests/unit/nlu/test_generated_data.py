"""The template-generated training data is reproducible and consistent."""

import re
from collections import defaultdict

from tools import generate_nlu


def test_committed_file_matches_the_templates():
    assert generate_nlu.OUT.read_text() == generate_nlu.render(), (
        "data/nlu/generated.yml is stale: run python -m tools.generate_nlu"
    )


def test_no_example_under_two_intents():
    intents_of = defaultdict(set)
    for path in sorted(generate_nlu.OUT.parent.glob("*.yml")):
        intent = None
        for line in path.read_text().splitlines():
            m = re.match(r"- intent: (\S+)", line)
            if m:
                intent = m.group(1)
            elif intent and line.startswith("    - "):
                intents_of[generate_nlu._key(line[6:])].add(intent)
    clashes = {k: v for k, v in intents_of.items() if len(v) > 1}
    assert not clashes


def test_every_intent_gets_varied_examples():
    text = generate_nlu.render()
    blocks = re.split(r"^- intent: ", text, flags=re.M)[1:]
    counts = {b.split("\n", 1)[0]: b.count("\n    - ") for b in blocks}
    assert set(counts) == set(generate_nlu.INTENTS)
    assert min(counts.values()) >= 150, counts
