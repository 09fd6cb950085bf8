"""What the bot records when a task ends, read back from Rasa's events.

Every name here is something the bot really writes to the tracker store: the response
name of a bot message (Rasa keeps it in the event's `metadata.utter_action`), an action
name or a slot. The CSAT prompt (actions/csat.py) and the KPI report both read this one
table, so "resolved" means the same thing in the conversation and in the numbers.
"""

from __future__ import annotations

# Self-service outcomes: response name -> outcome. A conversation is *resolved by the bot*
# when at least one of these was sent (and it was not handed to a person).
ORDER_STATUS = "order_status_answered"
RETURN_CREATED = "return_created"
REFUND_STATUS = "refund_status_answered"
CANCELLATION = "order_cancelled"
ADDRESS_CHANGE = "address_changed"
POLICY = "policy_answered"

OUTCOME_RESPONSES: dict[str, str] = {
    # action_order_status
    "utter_order_processing": ORDER_STATUS,
    "utter_order_cancelled": ORDER_STATUS,
    "utter_order_summary_multi": ORDER_STATUS,
    "utter_shipment_label_created": ORDER_STATUS,
    "utter_shipment_in_transit": ORDER_STATUS,
    "utter_shipment_out_for_delivery": ORDER_STATUS,
    "utter_shipment_delivered": ORDER_STATUS,
    "utter_shipment_exception": ORDER_STATUS,
    "utter_order_returned": ORDER_STATUS,
    # action_submit_return (also sets return_rma_number)
    "utter_return_created": RETURN_CREATED,
    # action_refund_status
    "utter_refunds_intro": REFUND_STATUS,
    "utter_refund_none": REFUND_STATUS,
    "utter_refund_awaiting_return": REFUND_STATUS,
    "utter_refund_return_received": REFUND_STATUS,
    # action_submit_cancellation
    "utter_order_cancelled_now": CANCELLATION,
    "utter_order_cancelled_now_refund": CANCELLATION,
    # action_submit_address_change
    "utter_address_changed": ADDRESS_CHANGE,
    # action_return_policy, action_delivery_options
    "utter_return_policy": POLICY,
    "utter_return_policy_final_sale_returnable": POLICY,
    "utter_delivery_options": POLICY,
    "utter_shipping_method": POLICY,
    # ... asked about one country: answered for it, yes or no (actions/countries.py)
    "utter_delivery_country_served": POLICY,
    "utter_delivery_country_not_served": POLICY,
}

# The outcomes shown as "self-service outcomes" (things the shopper got done), in order.
SELF_SERVICE_OUTCOMES = (
    ORDER_STATUS,
    RETURN_CREATED,
    REFUND_STATUS,
    CANCELLATION,
    ADDRESS_CHANGE,
    POLICY,
)

# Messages the bot did not understand: the NLU fell back, or the dialogue did.
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = frozenset({"action_fallback", "action_core_fallback"})

# A handoff: action_escalate wrote the escalation to the outbox and gave a reference.
ESCALATE_ACTION = "action_escalate"
HANDOFF_REFERENCE_SLOT = "handoff_reference"
HANDOFF_REASON_SLOT = "handoff_reason"

# Verification (actions/verification.py): the outcome slot, and the failure counter that
# goes up by one per failed attempt (and back to 0 on success).
VERIFICATION_OUTCOME_SLOT = "verification_outcome"
VERIFICATION_FAILURES_SLOT = "verification_failures"
VERIFIED = "verified"
LOCKED = "locked"

# CSAT (actions/csat.py).
CSAT_SCORE_SLOT = "csat_score"
CSAT_ASKED_SLOT = "csat_asked"
CSAT_COMMENT_SLOT = "csat_comment"
CSAT_SCORES = (1, 2, 3, 4, 5)

SESSION_START_ACTION = "action_session_start"

# --- One outcome per conversation (analytics/conversations.py decides which) -------------
RESOLVED = "resolved"
HANDED_OFF = "handed_off"
ASKED_FOR_PERSON_LEFT = "asked_for_person_left"
UNANSWERED = "unanswered"
ABANDONED = "abandoned"
OUTCOMES = (RESOLVED, HANDED_OFF, ASKED_FOR_PERSON_LEFT, UNANSWERED, ABANDONED)
NO_REQUEST = "no_request"  # abandoned before asking for anything

# The bot could not answer the message: it did not understand, or it is out of scope.
NOT_UNDERSTOOD = "not_understood"
OUT_OF_SCOPE = "out_of_scope"
UNANSWERED_RESPONSES: dict[str, str] = {
    "utter_fallback_help": NOT_UNDERSTOOD,
    "utter_fallback_offer_human": NOT_UNDERSTOOD,
    "utter_out_of_scope": OUT_OF_SCOPE,
}

# The shopper asked for a person (or complained): this action starts every handoff.
START_HANDOFF_ACTION = "action_start_handoff"
HANDOFF_FORM = "handoff_form"

# Intents that ask the bot for a task; a conversation with one of them and no settled task
# (nor a person) was abandoned mid-task.
TASK_INTENTS = frozenset(
    {
        "order_status",
        "start_return",
        "refund_status",
        "cancel_order",
        "change_shipping_address",
        "return_policy",
        "delivery_options",
        "payment_issue",
    }
)

# Form state, to tell a form answer ("5 Park Row" for address_line1) from an intent.
REQUESTED_SLOT = "requested_slot"
LANGUAGE_SLOT = "language"

# Value handled by the bot: the action puts `kpi_value` ("49.00 GBP") beside the response's
# own values; Rasa keeps it in the bot event's metadata.
VALUE_KEY = "kpi_value"
CANCELLED_VALUE = "cancelled_before_shipping"
RETURN_VALUE = "returns_started"
REFUND_VALUE = "refunds_queried"
VALUE_RESPONSES: dict[str, str] = {
    "utter_order_cancelled_now": CANCELLED_VALUE,
    "utter_order_cancelled_now_refund": CANCELLED_VALUE,
    "utter_return_created": RETURN_VALUE,
    "utter_refunds_intro": REFUND_VALUE,
}
VALUE_KINDS = (CANCELLED_VALUE, RETURN_VALUE, REFUND_VALUE)


def value_field(amount: object, currency: str) -> dict[str, str]:
    """What an action adds to a settling response so the report can add up its value."""
    return {VALUE_KEY: f"{amount} {currency.upper()}"}


def parse_value(text: str | None) -> tuple[str, str] | None:
    """("49.00", "GBP") from "49.00 GBP"; None when it is not an amount and a currency."""
    if not text:
        return None
    amount, _, currency = str(text).strip().partition(" ")
    try:
        float(amount)
    except ValueError:
        return None
    currency = currency.strip().upper()
    return (amount, currency) if len(currency) == 3 and currency.isalpha() else None


def outcome_of(response: str | None) -> str | None:
    """The self-service outcome a bot message records, if any."""
    if response is None:
        return None
    return OUTCOME_RESPONSES.get(response)


def csat_score(value: object) -> int | None:
    """A rating as stored in the csat_score slot ("1".."5"), or None if it is not one."""
    try:
        score = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return score if score in CSAT_SCORES else None
