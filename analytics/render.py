"""The report's three files: one self-contained HTML page (inline CSS and SVG, no scripts,
nothing fetched), the figures as JSON, and the same figures as CSV (metric, key, value)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from analytics import charts
from analytics.names import human
from common import outcomes as oc

DEFINITIONS = (
    (
        "Conversation",
        "One chat session (a new one starts after 60 idle minutes or a restart) in which the "
        "shopper sent at least one message. Its day is the day of the shopper's first message "
        "in the store's time zone. Test traffic (ANALYTICS_TEST_SENDER_PREFIXES) is left out.",
    ),
    (
        "Outcome",
        "Exactly one per conversation, the first that applies: handed off (the shopper got a "
        "ticket reference); asked for a person but left before the request was sent; resolved "
        "by the bot (it sent a settling answer: order status, return created, refund status, "
        "order cancelled, address changed, a policy question answered); unanswered (the "
        "shopper's last message got \"I didn't understand\" or \"not something I can help "
        "with\"); abandoned mid-task (a task was asked for and never settled); unanswered "
        "(an earlier message); abandoned before asking for anything.",
    ),
    (
        "Resolution rate",
        "Conversations resolved by the bot, divided by all conversations. The containment rate "
        "(conversations that neither reached nor asked for a person) is shown too, but it "
        "also counts the conversations that achieved nothing (unanswered, abandoned).",
    ),
    (
        "Unanswered message rate",
        "Shopper messages the bot answered with \"I didn't understand\" or \"not something I "
        "can help with\", divided by all shopper messages. An answer to a question the bot "
        "asked (a street, a town) is an answer, not an intent.",
    ),
    (
        "Bot reply time",
        "From a shopper message to the bot's first reply to it (median and 95th percentile, "
        "to within 1%).",
    ),
    (
        "Wait for a person, solve time",
        "From the handoff to the first agent reply, and to the ticket being solved, in "
        "whichever helpdesk has the ticket (the inbox, Zendesk or Slack), as the handoff "
        "service records them.",
    ),
    (
        "Value handled by the bot",
        "Order totals cancelled before shipping, refunds due on returns started, and refund "
        "amounts the bot reported, in the currency the store answered in. Cost saved: "
        "conversations resolved by the bot times the cost per ticket "
        "(ANALYTICS_COST_PER_TICKET); abandoned or unanswered ones save nothing.",
    ),
    (
        "Change",
        "Each headline figure against the previous period of the same length: percentage "
        "points for rates, per cent for the rest. Days before the retention purge come from "
        "the daily summary table.",
    ),
    (
        "CSAT",
        "Share of ratings that are 4 or 5 on the 1-5 scale, with the mean rating; response "
        "rate is ratings divided by rating prompts.",
    ),
)

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shopdesk KPI report {{ period_from }} to {{ period_to }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:60rem;color:#222;
padding:0 1rem;font-size:16px;line-height:1.4}
h2{margin-top:2rem;border-bottom:1px solid #ddd;font-size:1.25rem}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(9.5rem,1fr));gap:.6rem}
.tile{border:1px solid #ddd;border-radius:6px;padding:.5rem .7rem}
.tile b{display:block;font-size:1.4rem}.tile small{display:block;color:#555}
.up{color:#2e7d32}.down{color:#b00020}
svg.chart{display:block;width:100%;max-width:560px;height:auto}
.scroll{overflow-x:auto}table{border-collapse:collapse;min-width:100%}
td,th{padding:.3rem .5rem;border-bottom:1px solid #e3e3e3;text-align:left;vertical-align:top}
td.n,th.n{text-align:right}dt{font-weight:600;margin-top:.5rem}
</style></head><body>
<h1>Shopdesk KPI report</h1>
<p>Conversations that started from {{ period_from }} to {{ period_to }} ({{ timezone }}),
compared with {{ previous_from }} to {{ previous_to }}. Generated {{ generated }}.</p>
<div class="tiles">
{% for tile in tiles %}<div class="tile"><b>{{ tile.value }}</b>{{ tile.label }}
<small class="{{ tile.trend }}">{{ tile.change }}</small></div>
{% endfor %}</div>
{% for section in sections %}
<h2 id="{{ section.id }}">{{ section.title }}</h2>
{{ section.body }}
{% if section.note %}<p>{{ section.note }}</p>{% endif %}
{% endfor %}
<h2 id="definitions">Definitions</h2>
<dl>{% for term, meaning in definitions %}<dt>{{ term }}</dt><dd>{{ meaning }}</dd>{% endfor %}</dl>
</body></html>
"""

_ENV = Environment(autoescape=True)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    body: Markup
    note: str = ""


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    change: str
    trend: str  # up | down | "" (better, worse, no change or no data)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _money(amount: str | None, currency: str) -> str:
    return "–" if amount is None else f"{amount} {currency}"


# Headline tiles: figure, label, how to show it, and whether up is good.
TILES: tuple[tuple[str, str, str, bool | None], ...] = (
    ("conversations", "conversations", "count", None),
    ("resolution_rate", "resolved by the bot", "rate", True),
    ("containment_rate", "never wanted a person", "rate", None),
    ("handoff_rate", "handed off", "rate", None),
    ("asked_for_person_left_rate", "asked for a person, left", "rate", False),
    ("unanswered_rate", "unanswered", "rate", False),
    ("abandoned_rate", "abandoned", "rate", False),
    ("unanswered_message_rate", "messages unanswered", "rate", False),
    ("csat", "CSAT (4-5)", "rate", True),
    ("mean_rating", "mean rating", "number", True),
    ("bot_reply_p50_seconds", "bot reply p50", "seconds", False),
    ("bot_reply_p95_seconds", "bot reply p95", "seconds", False),
    ("human_reply_wait_p50_seconds", "wait for a person p50", "seconds", False),
    ("solve_p50_seconds", "ticket solve time p50", "seconds", False),
    ("median_turns", "median messages", "number", None),
    ("median_seconds_to_resolution", "median time to resolution", "seconds", False),
    ("cancelled_value", "cancelled before shipping", "money", True),
    ("returns_value", "returns started", "money", True),
    ("refunds_queried_value", "refunds queried", "money", None),
    ("cost_saved", "estimated cost saved", "money", True),
)


def tiles(figures: dict[str, Any]) -> list[Tile]:
    currency = figures["value"]["currency"]
    shown: dict[str, Callable[[Any], str]] = {
        "count": lambda v: "–" if v is None else str(v),
        "rate": _pct,
        "number": _num,
        "seconds": _duration,
        "money": lambda v: _money(v, currency),
    }
    out = []
    for key, label, kind, up_is_good in TILES:
        figure = figures["headline"][key]
        delta = figure["change"]
        if delta is None:
            change, trend = "no previous figure", ""
        else:
            unit = " pts" if figure.get("unit") == "points" else "%"
            change = f"{delta:+g}{unit} vs previous"
            trend = ""
            if delta and up_is_good is not None:
                trend = "up" if (delta > 0) == up_is_good else "down"
        out.append(Tile(label, shown[kind](figure["current"]), change, trend))
    return out


def _table(
    head: list[str],
    rows: list[list[Any]],
    *,
    numeric_from: int = 1,
    numeric_to: int | None = None,
    empty: str = "None.",
) -> Markup:
    """A table whose columns numeric_from..numeric_to (included) are right-aligned figures."""
    if not rows:
        return Markup("<p>{}</p>").format(empty)
    last = len(head) - 1 if numeric_to is None else numeric_to
    template = _ENV.from_string(
        "<div class='scroll'><table><tr>{% for h in head %}"
        "<th class='{{ 'n' if n <= loop.index0 <= last else '' }}'>{{ h }}</th>{% endfor %}</tr>"
        "{% for row in rows %}<tr>{% for c in row %}"
        "<td class='{{ 'n' if n <= loop.index0 <= last else '' }}'>{{ c }}</td>"
        "{% endfor %}</tr>{% endfor %}</table></div>"
    )
    return Markup(template.render(head=head, rows=rows, n=numeric_from, last=last))


def _links(urls: list[str]) -> Markup:
    return Markup(" ").join(
        Markup("<a href='{}' aria-label='conversation {}'>chat&nbsp;{}</a>").format(url, n, n)
        for n, url in enumerate(urls, start=1)
    )


def _split_rows(split: dict[str, dict[str, Any]], currency: str = "") -> list[list[Any]]:
    """One row per key; with `currency`, the value handled and the cost saved too."""
    rows = []
    for key, row in split.items():
        cells = [human(key), row["conversations"], *(row[o] for o in oc.OUTCOMES),
                 _pct(row["resolution_rate"])]
        if currency:
            value = "; ".join(f"{a} {c}" for c, a in row["value"].items()) or "–"
            cells += [value, _money(row["cost_saved"], currency)]
        rows.append(cells)
    return rows


SPLIT_HEAD = [*(human(o) for o in oc.OUTCOMES), "resolved"]
VALUE_HEAD = [*SPLIT_HEAD, "Value handled", "Cost saved"]


def sections(figures: dict[str, Any]) -> list[Section]:
    daily = figures["daily"]
    days = [d["day"] for d in daily]
    outcomes = figures["outcomes"]
    queue = figures["queue"]
    timing = figures["timing"]
    value = figures["value"]
    csat = figures["csat"]
    verification = figures["verification"]
    messages = figures["messages"]
    currency = value["currency"]
    detail_rows = [
        [human(o), human(detail), count]
        for o in oc.OUTCOMES
        for detail, count in outcomes[o]["details"].items()
    ]
    return [
        Section(
            "outcomes",
            "Outcomes",
            Markup(
                charts.bar_chart(
                    "outcomes",
                    "Conversations by outcome",
                    [(human(o), outcomes[o]["count"]) for o in oc.OUTCOMES],
                )
            )
            + _table(["Outcome", "Which", "Conversations"], detail_rows, numeric_from=2)
            + Markup("<h3>Where abandoned tasks stopped</h3>")
            + _table(
                ["Task", "Stopped at", "Conversations"],
                [
                    [human(task), human(where), n]
                    for task, stops in outcomes["abandoned_at"].items()
                    for where, n in stops.items()
                ],
                numeric_from=2,
                empty="No task was abandoned.",
            ),
            note=f"{outcomes['conversations']} conversations, each counted once.",
        ),
        Section(
            "first-intent",
            "Outcome by first request",
            _table(["First request", "Conversations", *SPLIT_HEAD],
                   _split_rows(figures["by_first_intent"])),
            note="A flow that leaks shows many abandoned or unanswered conversations.",
        ),
        Section(
            "daily",
            "Conversations per day",
            Markup(
                charts.stacked_columns(
                    "conversations_per_day",
                    "Conversations per day by outcome",
                    days,
                    [(human(o), [d[o] for d in daily]) for o in oc.OUTCOMES],
                )
            ),
        ),
        Section(
            "unanswered-daily",
            "Unanswered messages per day",
            Markup(
                charts.column_chart(
                    "unanswered_message_rate_per_day",
                    "Share of shopper messages unanswered per day",
                    days,
                    [d["unanswered_message_rate"] or 0.0 for d in daily],
                    fmt=charts.percent,
                )
            ),
            note=f"{messages['unanswered']} of {messages['shopper_messages']} shopper messages "
            f"unanswered ({messages['not_understood']} not understood, "
            f"{messages['out_of_scope']} out of scope).",
        ),
        Section(
            "queue",
            "Improvement queue: what to teach the bot next",
            Markup("<h3>Top unanswered messages (masked, grouped by similarity)</h3>")
            + _table(
                ["Message", "Times", "Similar", "Chats"],
                [
                    [g["message"], g["count"], "; ".join(g["examples"][1:]),
                     _links(g["conversations"])]
                    for g in queue["unanswered_messages"]
                ],
                numeric_from=1,
                numeric_to=1,
                empty="No unanswered messages.",
            )
            + Markup("<h3>Low ratings (1 or 2) and what the shopper said (masked)</h3>")
            + _table(
                ["Rating", "Comment", "Chat"],
                [[r["score"], r["comment"] or "–", _links([r["conversation"]])]
                 for r in queue["low_csat"]],
                numeric_from=0,
                numeric_to=0,
                empty="No low ratings.",
            )
            + Markup("<h3>Handoff reasons</h3>")
            + _table(
                ["Reason", "Handoffs", "Latest chats"],
                [[human(h["reason"]), h["count"], _links(h["conversations"])]
                 for h in queue["handoff_reasons"]],
                numeric_from=1,
                numeric_to=1,
                empty="No handoffs.",
            ),
        ),
        Section(
            "handoffs",
            "Handoffs by reason",
            Markup(
                charts.bar_chart(
                    "handoffs_by_reason",
                    "Handoffs by reason",
                    [(human(k), v) for k, v in figures["handoffs"]["by_reason"].items()],
                )
            ),
            note="Delivery: "
            + (
                ", ".join(
                    f"{status} {n}"
                    for status, n in figures["handoffs"]["by_delivery_status"].items()
                )
                or "no escalations"
            )
            + ".",
        ),
        Section(
            "timing",
            "Time",
            _table(
                ["", "Median", "95th percentile", "Measured"],
                [
                    [label, _duration(t["p50_seconds"]), _duration(t["p95_seconds"]), t["count"]]
                    for label, t in (
                        ("Bot reply", timing["bot_reply"]),
                        ("Wait for a person's first reply", timing["human_reply_wait"]),
                        ("Ticket solve time", timing["solve"]),
                        ("Time to resolution (bot)", timing["resolution"]),
                    )
                ],
            ),
        ),
        Section(
            "value",
            "What the bot handled",
            _table(
                ["", "Amount"],
                [
                    [human(kind), "; ".join(f"{a} {c}" for c, a in value[kind].items()) or "–"]
                    for kind in oc.VALUE_KINDS
                ]
                + [["Estimated cost saved", _money(value["cost_saved"], currency)]],
            ),
            note=(
                f"Cost per ticket {value['cost_per_ticket']} {currency}."
                if value["cost_per_ticket"] is not None
                else "Set ANALYTICS_COST_PER_TICKET to estimate the cost saved."
            ),
        ),
        Section(
            "language",
            "By language and channel",
            _table(
                ["Language", "Conversations", *VALUE_HEAD],
                _split_rows(figures["by_language"], currency),
            )
            + _table(
                ["Channel", "Conversations", *VALUE_HEAD],
                _split_rows(figures["by_channel"], currency),
            ),
        ),
        Section(
            "self-service",
            "Tasks the bot settled",
            Markup(
                charts.bar_chart(
                    "self_service_outcomes",
                    "Conversations per settled task",
                    [(human(k), v) for k, v in figures["self_service"].items()],
                )
            ),
        ),
        Section(
            "csat",
            "Customer satisfaction (CSAT)",
            Markup(
                charts.column_chart(
                    "csat_distribution",
                    "CSAT ratings 1 to 5",
                    list(csat["distribution"].keys()),
                    list(csat["distribution"].values()),
                )
            ),
            note=f"CSAT {_pct(csat['csat'])} (4 or 5), mean {_num(csat['mean'])} from "
            f"{csat['ratings']} ratings; response rate {_pct(csat['response_rate'])}; "
            f"{csat['comments']} comments.",
        ),
        Section(
            "verification",
            "Verification",
            Markup(
                charts.bar_chart(
                    "verification",
                    "Verification outcomes (conversations)",
                    [
                        ("Verified", verification["verified"]),
                        ("Not verified", verification["not_verified"]),
                        ("Locked after failures", verification["locked"]),
                    ],
                )
            ),
            note=f"Success rate {_pct(verification['success_rate'])}; "
            f"{verification['failed_attempts']} failed attempts in all.",
        ),
        Section(
            "intents",
            "What shoppers asked",
            Markup(
                charts.bar_chart(
                    "top_intents",
                    "Top requests (shopper messages)",
                    [(human(k), v) for k, v in figures["top_intents"].items()],
                )
            )
            + _table(
                ["Answers to the bot's questions", "Messages"],
                [[human(k), v] for k, v in messages["form_answers"].items()],
                empty="No form answers.",
            ),
        ),
    ]


def _moment(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")


def html(figures: dict[str, Any], *, generated: str) -> str:
    template = _ENV.from_string(_TEMPLATE)
    return template.render(
        period_from=_moment(figures["period"]["from"]),
        period_to=_moment(figures["period"]["to"]),
        previous_from=_moment(figures["previous_period"]["from"]),
        previous_to=_moment(figures["previous_period"]["to"]),
        timezone=figures["period"]["timezone"],
        generated=generated,
        tiles=tiles(figures),
        sections=sections(figures),
        definitions=DEFINITIONS,
    )


def _leaves(metric: str, value: Any) -> Iterator[tuple[str, str, Any]]:
    """(metric, key, value) for every scalar under `value`; lists of records are keyed by
    their `day` (or position), and lists of text are joined."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, dict | list):
                yield from _leaves(f"{metric}.{key}", inner)
            else:
                yield metric, str(key), inner
    elif isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            yield metric.rpartition(".")[0], metric.rpartition(".")[2], " ".join(map(str, value))
            return
        for n, item in enumerate(value):
            key = str(item.get("day", n)) if isinstance(item, dict) else str(n)
            for field, inner in (item.items() if isinstance(item, dict) else [("value", item)]):
                if field == "day":
                    continue
                if isinstance(inner, dict | list):
                    yield from (
                        (f"{m}", f"{key}.{k}", v) for m, k, v in _leaves(f"{metric}.{field}", inner)
                    )
                else:
                    yield f"{metric}.{field}", key, inner


def csv_rows(figures: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(metric, key, value) for every figure; the JSON's leaves, flattened."""
    for section, value in figures.items():
        yield from _leaves(section, value)


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


def files_for(out_dir: Path, stem: str) -> ReportFiles:
    """Where a report of this stem (its period) is written."""
    return ReportFiles(
        html=out_dir / f"{stem}.html", json=out_dir / f"{stem}.json", csv=out_dir / f"{stem}.csv"
    )


def write(figures: dict[str, Any], *, out_dir: Path, stem: str, generated: str) -> ReportFiles:
    out_dir.mkdir(parents=True, exist_ok=True)
    files = files_for(out_dir, stem)
    # JSON and CSV first: the HTML is what the inbox serves as "latest" (newest file wins).
    files.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    files.csv.write_text(csv_text(figures), encoding="utf-8")
    files.html.write_text(html(figures, generated=generated), encoding="utf-8")
    return files
