"""The report's three files: one self-contained HTML page (inline CSS and SVG, no scripts,
nothing fetched), the figures as JSON, and the same figures as CSV (metric, key, value)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment

from analytics import charts
from analytics import outcomes as oc

OUTCOME_LABELS = {
    oc.ORDER_STATUS: "Order status answered",
    oc.RETURN_CREATED: "Returns created",
    oc.REFUND_STATUS: "Refund status answered",
    oc.CANCELLATION: "Orders cancelled",
    oc.ADDRESS_CHANGE: "Addresses changed",
    oc.POLICY: "Policy questions answered",
}

DEFINITIONS = (
    (
        "Conversation",
        "One Rasa session (a new one starts after 60 idle minutes or a restart) "
        "in which the shopper sent at least one message. Its day is the UTC day of the "
        "shopper's first message.",
    ),
    (
        "Containment rate (deflection)",
        "Conversations that never went to a person, divided by all conversations.",
    ),
    (
        "Bot resolution rate",
        "Conversations in which the bot settled a task (order status "
        "answered, return created, refund status told, order cancelled, address changed, "
        "policy answered) and nobody had to take over, divided by all conversations.",
    ),
    (
        "Handoff (escalation) rate",
        "Conversations handed to a person, divided by all "
        "conversations. Handoffs by reason count the escalations written to the handoff "
        "outbox in the period.",
    ),
    (
        "Fallback rate",
        "Shopper messages the bot did not understand (NLU fallback, or the "
        "dialogue's fallback ran), divided by all shopper messages.",
    ),
    (
        "Verification success rate",
        "Conversations where the shopper proved the order was "
        "theirs, divided by conversations where verification was attempted.",
    ),
    (
        "CSAT",
        "Share of ratings that are 4 or 5 on the 1-5 scale (top-two-box), with the "
        "mean rating; response rate is ratings divided by rating prompts.",
    ),
    ("Turns", "Shopper messages per conversation (median)."),
    (
        "Time to resolution",
        "From the shopper's first message to the bot's first settling "
        "answer, over resolved conversations (median).",
    ),
)

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shopdesk KPI report {{ period_from }} to {{ period_to }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#222;padding:0 1rem}
h2{margin-top:2.2rem;border-bottom:1px solid #ddd}
.tiles{display:flex;flex-wrap:wrap;gap:.8rem}.tile{border:1px solid #ddd;border-radius:6px;
padding:.6rem .9rem;min-width:9rem}.tile b{display:block;font-size:1.5rem}
dt{font-weight:600;margin-top:.5rem}svg.chart{max-width:100%;height:auto}
</style></head><body>
<h1>Shopdesk KPI report</h1>
<p>Conversations that started from {{ period_from }} to {{ period_to }} (UTC).
Generated {{ generated }}.</p>
<div class="tiles">
{% for label, value in tiles %}<div class="tile"><b>{{ value }}</b>{{ label }}</div>
{% endfor %}</div>
{% for section in sections %}
<h2 id="{{ section.id }}">{{ section.title }}</h2>
{{ section.svg | safe }}
{% if section.note %}<p>{{ section.note }}</p>{% endif %}
{% endfor %}
<h2 id="definitions">Definitions</h2>
<dl>{% for term, meaning in definitions %}<dt>{{ term }}</dt><dd>{{ meaning }}</dd>{% endfor %}</dl>
</body></html>
"""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    svg: str
    note: str = ""


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{value:g}{unit}"


def sections(figures: dict[str, Any]) -> list[Section]:
    daily = figures["daily"]
    days = [d["day"] for d in daily]
    handoffs = figures["handoffs"]
    verification = figures["verification"]
    csat = figures["csat"]
    return [
        Section(
            "conversations",
            "Conversations per day",
            charts.column_chart(
                "conversations_per_day",
                "Conversations per day",
                days,
                [d["conversations"] for d in daily],
            ),
        ),
        Section(
            "containment",
            "Containment rate per day",
            charts.line_chart(
                "containment_rate_per_day",
                "Containment and bot resolution rate per day",
                days,
                [
                    ("Containment", [d["containment_rate"] for d in daily]),
                    ("Resolved by the bot", [d["bot_resolution_rate"] for d in daily]),
                ],
            ),
        ),
        Section(
            "handoffs",
            "Handoffs by reason",
            charts.bar_chart(
                "handoffs_by_reason", "Handoffs by reason", list(handoffs["by_reason"].items())
            ),
            note="Delivery: "
            + (
                ", ".join(
                    f"{status} {count}" for status, count in handoffs["by_delivery_status"].items()
                )
                or "no escalations"
            )
            + ".",
        ),
        Section(
            "fallback",
            "Fallback rate per day",
            charts.line_chart(
                "fallback_rate_per_day",
                "Fallback rate per day",
                days,
                [("Fallback rate", [d["fallback_rate"] for d in daily])],
            ),
        ),
        Section(
            "intents",
            "Top intents",
            charts.bar_chart(
                "top_intents",
                "Top intents (shopper messages)",
                list(figures["top_intents"].items()),
            ),
        ),
        Section(
            "verification",
            "Verification",
            charts.bar_chart(
                "verification",
                "Verification outcomes (conversations)",
                [
                    ("verified", verification["verified"]),
                    ("not verified", verification["not_verified"]),
                    ("locked after failures", verification["locked"]),
                ],
            ),
            note=f"Success rate {_pct(verification['success_rate'])}; "
            f"{verification['failed_attempts']} failed attempts in all.",
        ),
        Section(
            "self-service",
            "Self-service outcomes",
            charts.bar_chart(
                "self_service_outcomes",
                "Self-service outcomes",
                [(OUTCOME_LABELS[name], v["count"]) for name, v in figures["self_service"].items()],
            ),
        ),
        Section(
            "csat",
            "Customer satisfaction (CSAT)",
            charts.column_chart(
                "csat_distribution",
                "CSAT ratings 1 to 5",
                list(csat["distribution"].keys()),
                list(csat["distribution"].values()),
            ),
            note=f"CSAT {_pct(csat['csat'])} (4 or 5), mean {_num(csat['mean'])} from "
            f"{csat['ratings']} ratings; response rate {_pct(csat['response_rate'])}; "
            f"{csat['comments']} comments.",
        ),
    ]


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def tiles(figures: dict[str, Any]) -> list[tuple[str, str]]:
    s = figures["summary"]
    seconds = s["median_seconds_to_resolution"]
    return [
        ("conversations", str(s["conversations"])),
        ("containment rate", _pct(s["containment_rate"])),
        ("resolved by the bot", _pct(s["bot_resolution_rate"])),
        ("handoff rate", _pct(s["handoff_rate"])),
        ("fallback rate", _pct(s["fallback_rate"])),
        ("CSAT (4-5)", _pct(figures["csat"]["csat"])),
        ("mean rating", _num(figures["csat"]["mean"])),
        ("median turns", _num(s["median_turns"])),
        ("median time to resolution", _duration(seconds)),
    ]


def _moment(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")


def html(figures: dict[str, Any], *, generated: str) -> str:
    template = Environment(autoescape=True).from_string(_TEMPLATE)
    return template.render(
        period_from=_moment(figures["period"]["from"]),
        period_to=_moment(figures["period"]["to"]),
        generated=generated,
        tiles=tiles(figures),
        sections=sections(figures),
        definitions=DEFINITIONS,
    )


def csv_rows(figures: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(metric, key, value) for every figure; the JSON's leaves, flattened."""
    for name, value in figures["summary"].items():
        yield "summary", name, value
    for day in figures["daily"]:
        for name, value in day.items():
            if name != "day":
                yield f"daily.{name}", day["day"], value
    for group in ("by_reason", "by_delivery_status", "by_reason_in_conversations"):
        for key, value in figures["handoffs"][group].items():
            yield f"handoffs.{group}", key, value
    yield "handoffs", "escalations", figures["handoffs"]["escalations"]
    for key, value in figures["top_intents"].items():
        yield "top_intents", key, value
    for key, value in figures["verification"].items():
        yield "verification", key, value
    for outcome, counts in figures["self_service"].items():
        for key, value in counts.items():
            yield f"self_service.{key}", outcome, value
    for key, value in figures["csat"].items():
        if key == "distribution":
            for score, count in value.items():
                yield "csat.distribution", score, count
        else:
            yield "csat", key, value


def csv_text(figures: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("metric", "key", "value"))
    for metric, key, value in csv_rows(figures):
        writer.writerow((metric, key, "" if value is None else value))
    return out.getvalue()


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    json: Path
    csv: Path


def write(figures: dict[str, Any], *, out_dir: Path, stem: str, generated: str) -> ReportFiles:
    out_dir.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(
        html=out_dir / f"{stem}.html", json=out_dir / f"{stem}.json", csv=out_dir / f"{stem}.csv"
    )
    # JSON and CSV first: the HTML is what the inbox serves as "latest" (newest file wins).
    files.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    files.csv.write_text(csv_text(figures), encoding="utf-8")
    files.html.write_text(html(figures, generated=generated), encoding="utf-8")
    return files
