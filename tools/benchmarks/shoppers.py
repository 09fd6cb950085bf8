"""The simulated shoppers: conversations from the README and the end-to-end tests, over the
seeded demo orders (store/seed.py), none of which changes an order (so every run, and every
shopper in it, sees the same store).

Each turn names words its reply must contain: a turn that gets the wrong answer counts as
an error, so the benchmark cannot look fast by failing quickly (a store call that times out,
a verification that never happens).
"""

from __future__ import annotations

import random

from tools.benchmarks.load import Conversation, ShopperFactory, Turn

# Read-only demo orders and what their status reply must mention.
_STATUS_ORDERS = (
    ("10023", "jo@example.com", "UPS"),
    ("10007", "gus@example.com", "FedEx"),
    ("10001", "ada@example.com", "10001"),
    ("10011", "jo@example.com", "10011"),
)


def _order_status_step_by_step(order: str, email: str, shows: str) -> Conversation:
    return Conversation(
        "order status, step by step",
        (
            Turn("hi", expect="/order_status"),
            Turn("where is my order?", expect="order number"),
            Turn(order, expect="email"),
            Turn(email, expect=shows),
        ),
    )


def _order_status_at_once(order: str, email: str, shows: str) -> Conversation:
    return Conversation(
        "order status, one message",
        (
            Turn(f"where is order {order}? it's {email}", expect=shows),
            Turn("what delivery options do you have?", expect="Standard delivery"),
        ),
    )


RETURN = Conversation(
    "return with buttons",
    (
        Turn("I want to return something", expect="order number"),
        Turn("10002", expect="email"),
        Turn("ben@example.com", expect='"return_line": "100022"'),
        Turn('/inform{"return_line": "100022"}', expect="reason"),
        Turn("what is your return policy?", expect="within 30 days of delivery"),
        Turn('/inform{"return_reason": "wrong_size"}', expect="Selvedge Denim Jeans"),
        # Declined at the summary: nothing changes in the store, so every shopper can repeat it.
        Turn("/deny"),
    ),
)

REFUSED_RETURN_THEN_PERSON = Conversation(
    "refused return, then a person",
    (
        Turn("I want to return order 10003, my email is cara@example.com",
             expect="/human_agent"),
        Turn("/human_agent", expect="SD-"),
        # The conversation is with a person now: the bot stays quiet, the message goes to
        # the ticket.
        Turn("The return window closed while I was in hospital"),
    ),
)

HANDOFF = Conversation(
    "order status, then a person",
    (
        Turn("where is order 10023? it's jo@example.com", expect="UPS"),
        Turn("I want to talk to a person", expect="in one line"),
        Turn("The parcel must arrive before Saturday, it's a birthday present", expect="SD-"),
    ),
)

REFUND = Conversation(
    "refund status",
    (
        Turn("where is my refund for order 10005? eve@example.com", expect="being processed"),
    ),
)


def shopdesk_shoppers(prefix: str) -> ShopperFactory:
    """Shoppers for Shopdesk: mostly order status (what shops are asked most), then returns,
    refunds and handoffs."""

    def new(rng: random.Random, n: int) -> tuple[str, Conversation]:
        kind = rng.choices(
            ("step", "once", "return", "refused", "handoff", "refund"),
            weights=(30, 25, 15, 10, 10, 10),
        )[0]
        order = rng.choice(_STATUS_ORDERS)
        conversation = {
            "step": lambda: _order_status_step_by_step(*order),
            "once": lambda: _order_status_at_once(*order),
            "return": lambda: RETURN,
            "refused": lambda: REFUSED_RETURN_THEN_PERSON,
            "handoff": lambda: HANDOFF,
            "refund": lambda: REFUND,
        }[kind]()
        return f"{prefix}-{n}", conversation

    return new


# The bot `rasa init` creates (moodbot): its own stories, nothing custom.
_MOODBOT = (
    Conversation(
        "moodbot, happy",
        (Turn("hello", expect="how are you"), Turn("great, thanks", expect="carry on"),
         Turn("are you a bot?", expect="bot"), Turn("bye", expect="bye")),
    ),
    Conversation(
        "moodbot, sad",
        (Turn("hi there", expect="how are you"), Turn("I am sad", expect="did that help"),
         Turn("yes", expect="carry on"), Turn("goodbye", expect="bye")),
    ),
)


def bare_shoppers(prefix: str) -> ShopperFactory:
    """Shoppers for the bare `rasa init` bot (the baseline): as many turns per conversation,
    the same think times, only its intents."""

    def new(rng: random.Random, n: int) -> tuple[str, Conversation]:
        return f"{prefix}-{n}", rng.choice(_MOODBOT)

    return new
