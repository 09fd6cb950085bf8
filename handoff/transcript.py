"""The conversation transcript attached to a ticket, built from Rasa tracker events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from handoff.masking import mask_sensitive

Speaker = Literal["shopper", "bot"]


@dataclass(frozen=True)
class Turn:
    at: datetime
    speaker: Speaker
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "speaker": self.speaker, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Turn:
        return cls(
            at=datetime.fromisoformat(data["at"]),
            speaker=data["speaker"],
            text=data["text"],
        )


def turns_from_events(events: Iterable[dict[str, Any]]) -> list[Turn]:
    """Shopper and bot turns since the last restart, masked, in order.

    Button payloads such as ``/human_agent`` are shown by their button intent so an agent
    can follow what was clicked.
    """
    turns: list[Turn] = []
    for event in events:
        kind = event.get("event")
        if kind == "restart":
            turns = []
            continue
        at = datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=UTC)
        if kind == "user":
            text = (event.get("text") or "").strip()
            if text.startswith("/"):
                text = f"[clicked: {text[1:].split('{')[0]}]"
            if text:
                turns.append(Turn(at=at, speaker="shopper", text=mask_sensitive(text)))
        elif kind == "bot":
            text = (event.get("text") or "").strip()
            if text:
                turns.append(Turn(at=at, speaker="bot", text=mask_sensitive(text)))
    return turns


def render_transcript(turns: Iterable[Turn], tz: ZoneInfo) -> str:
    lines = []
    for turn in turns:
        stamp = turn.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")
        who = "Shopper" if turn.speaker == "shopper" else "Assistant"
        lines.append(f"[{stamp}] {who}: {turn.text}")
    return "\n".join(lines)
