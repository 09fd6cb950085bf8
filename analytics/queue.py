"""The improvement queue: what to teach the bot next, each item linked to its conversation.

- Unanswered messages, masked (card numbers, codes, passwords, emails, phone numbers) and
  grouped by similarity: character 3-gram TF-IDF vectors, cosine similarity, greedy
  clustering (the most frequent message leads a group; each next message joins the first
  group whose leader is at least SIMILARITY alike, else leads a new one).
- Low-CSAT conversations (a rating of 1 or 2) with the shopper's comment, masked.
- Handoffs by reason, with the latest conversations of each.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from common.masking import mask_for_logs

SIMILARITY = 0.5
MAX_DISTINCT = 2000  # the most frequent distinct messages are grouped; rarer ones are counted
MAX_TEXT = 200
LINKS_PER_ITEM = 3
EXAMPLES_PER_GROUP = 3
LOW_CSAT = 2  # ratings at or below this go into the queue


class ConversationRef(NamedTuple):
    sender_id: str
    started_at: float


@dataclass
class MessageGroup:
    leader: str
    count: int = 0
    examples: list[str] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    conversations: list[ConversationRef] = field(default_factory=list)


def masked(text: str) -> str:
    """What the report may show of a shopper's words."""
    return " ".join(mask_for_logs(text).split())[:MAX_TEXT]


_NOT_WORD = re.compile(r"[^\w\[\]]+")


def _ngrams(text: str) -> Counter[str]:
    padded = " " + _NOT_WORD.sub(" ", text.lower()).strip() + " "
    return Counter(padded[i : i + 3] for i in range(len(padded) - 2))


def _vectors(texts: list[str]) -> list[dict[str, float]]:
    grams = [_ngrams(t) for t in texts]
    df: Counter[str] = Counter()
    for g in grams:
        df.update(g.keys())
    n = len(texts)
    vectors = []
    for g in grams:
        vec = {k: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[k])) + 1) for k, c in g.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({k: v / norm for k, v in vec.items()})
    return vectors


def group_similar(
    messages: Iterable[tuple[str, str, ConversationRef]], *, similarity: float = SIMILARITY
) -> list[MessageGroup]:
    """(masked text, kind, conversation) -> groups, largest first."""
    by_text: dict[str, MessageGroup] = {}
    for text, kind, ref in messages:
        key = text.lower()
        found = by_text.get(key)
        if found is None:
            found = by_text[key] = MessageGroup(leader=text)
        found.count += 1
        found.kinds[kind] += 1
        if len(found.conversations) < LINKS_PER_ITEM and ref not in found.conversations:
            found.conversations.append(ref)
    distinct = sorted(by_text.values(), key=lambda g: (-g.count, g.leader))
    head, rest = distinct[:MAX_DISTINCT], distinct[MAX_DISTINCT:]
    vectors = _vectors([g.leader for g in head])
    groups: list[MessageGroup] = []
    leaders: list[dict[str, float]] = []
    postings: dict[str, list[int]] = defaultdict(list)
    for single, vector in zip(head, vectors, strict=True):
        scores: Counter[int] = Counter()
        for gram, weight in vector.items():
            for g in postings.get(gram, ()):
                scores[g] += weight * leaders[g][gram]
        best = next((g for g, score in sorted(scores.items()) if score >= similarity), None)
        if best is None:
            groups.append(
                MessageGroup(leader=single.leader, examples=[single.leader])
            )
            leaders.append(vector)
            for gram in vector:
                postings[gram].append(len(groups) - 1)
            best = len(groups) - 1
        group = groups[best]
        group.count += single.count
        group.kinds.update(single.kinds)
        if single.leader not in group.examples and len(group.examples) < EXAMPLES_PER_GROUP:
            group.examples.append(single.leader)
        for ref in single.conversations:
            if len(group.conversations) < LINKS_PER_ITEM and ref not in group.conversations:
                group.conversations.append(ref)
    if rest:
        other = MessageGroup(leader="(rarer messages, not grouped)")
        for single in rest:
            other.count += single.count
            other.kinds.update(single.kinds)
        groups.append(other)
    return sorted(groups, key=lambda g: (-g.count, g.leader))
