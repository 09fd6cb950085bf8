"""The German, French and Spanish template data is reproducible and consistent."""

import re
from collections import defaultdict

import pytest

from tools import generate_nlu_languages as gen


@pytest.mark.parametrize("language", ["de", "fr", "es"])
def test_committed_file_matches_the_templates(language):
    assert gen.output(language).read_text(encoding="utf-8") == gen.render(language), (
        f"{gen.output(language)} is stale: run python -m tools.generate_nlu_languages"
    )


@pytest.mark.parametrize("language", ["de", "fr", "es"])
def test_every_intent_gets_its_examples_and_no_text_has_two_intents(language):
    counts: dict[str, int] = defaultdict(int)
    intents_of: dict[str, set[str]] = defaultdict(set)
    for path in sorted((gen.NLU_DIR / language).glob("*.yml")):
        intent = None
        for line in path.read_text(encoding="utf-8").splitlines():
            m = re.match(r"- intent: (\S+)", line)
            if m:
                intent = m.group(1)
            elif intent and line.startswith("    - "):
                text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line[6:])
                intents_of[re.sub(r"\W+", " ", text).lower().strip()].add(intent)
                if path.name == "generated.yml":
                    counts[intent] += 1
    assert set(counts) == set(gen.INTENTS)
    assert min(counts.values()) >= 100, counts
    assert not {k: v for k, v in intents_of.items() if len(v) > 1}


def test_french_elision_where_a_frame_meets_a_core():
    assert gen.elide("est-il possible de annuler ma commande") == (
        "est-il possible d'annuler ma commande"
    )
    assert gen.elide("je ai besoin de être rappelé") == "j'ai besoin d'être rappelé"
