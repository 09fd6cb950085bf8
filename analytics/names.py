"""Human names for what the bot records (intents, reasons, outcomes, form questions).

Anything not listed here is shown with its underscores as spaces and a capital letter, so a
new intent never shows up as `refusal_disputed`.
"""

from __future__ import annotations

from common import outcomes as oc

NAMES: dict[str, str] = {
    # intents
    "greet": "Greeting",
    "goodbye": "Goodbye",
    "thanks": "Thanks",
    "affirm": "Yes",
    "deny": "No",
    "bot_challenge": "Are you a bot?",
    "out_of_scope": "Something the bot does not do",
    "inform": "Gave details",
    "stop": "Stop",
    "order_status": "Where is my order?",
    "start_return": "Return an item",
    "return_policy": "Return policy",
    "refund_status": "Where is my refund?",
    "cancel_order": "Cancel an order",
    "change_shipping_address": "Change the delivery address",
    "delivery_options": "Delivery options",
    "payment_issue": "Payment problem",
    "human_agent": "Talk to a person",
    "complaint": "Complaint",
    "rate": "Rating",
    "nlu_fallback": "Not understood",
    "none": "No message",
    # handoff reasons
    "requested": "Asked for a person",
    "fallback": "Bot did not understand",
    "verification_failed": "Could not verify the order",
    "refusal_disputed": "Disputed a refusal (return, cancellation, address)",
    "store_unavailable": "Store systems down",
    "refund_failed": "Refund failed",
    # outcomes and their details
    oc.RESOLVED: "Resolved by the bot",
    oc.HANDED_OFF: "Handed off to a person",
    oc.ASKED_FOR_PERSON_LEFT: "Asked for a person, then left",
    oc.UNANSWERED: "Unanswered",
    oc.ABANDONED: "Abandoned",
    oc.ORDER_STATUS: "Order status answered",
    oc.RETURN_CREATED: "Return created",
    oc.REFUND_STATUS: "Refund status given",
    oc.CANCELLATION: "Order cancelled",
    oc.ADDRESS_CHANGE: "Address changed",
    oc.POLICY: "Policy question answered",
    oc.NOT_UNDERSTOOD: "Not understood",
    oc.OUT_OF_SCOPE: "Out of scope",
    "no_request": "Before asking for anything",
    "before the request was sent": "Before the request was sent",
    # form questions (requested slots)
    "order_number": "Order number",
    "email": "Email address",
    "postcode": "Postcode",
    "handoff_email": "At the email question",
    "handoff_summary": "At the one-line summary question",
    "return_line": "Which item to return",
    "return_reason": "Why return it",
    "return_comment": "Return comment",
    "return_confirmed": "Return confirmation",
    "cancel_confirmed": "Cancellation confirmation",
    "address_line1": "Street address",
    "address_city": "Town or city",
    "address_postcode": "New postcode",
    "address_confirmed": "Address confirmation",
    # where an abandoned task stopped: the bot's last response when no question was open
    "no_reply": "Before the bot answered",
    "utter_order_not_found": "Order not found (number or email)",
    "utter_verification_locked": "Verification locked after failures",
    "utter_store_unavailable": "Store systems down",
    "utter_cancel_refused_shipped": "Cancellation refused: already shipped",
    "utter_cancel_kept": "Shopper kept the order",
    "utter_return_not_created": "Shopper decided not to return",
    "utter_address_kept": "Shopper kept the address",
    "utter_address_refused_shipped": "Address change refused: already shipped",
    "utter_payment_issue": "Offered a person for a payment problem",
    "utter_something_went_wrong": "Something went wrong",
    # value
    oc.CANCELLED_VALUE: "Orders cancelled before shipping",
    oc.RETURN_VALUE: "Returns started (refund due)",
    oc.REFUND_VALUE: "Refunds queried",
    # channels and languages
    "rest": "REST API",
    "socketio": "Chat widget",
    "unknown": "Unknown channel",
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
}


def human(name: str | None) -> str:
    if not name:
        return "–"
    found = NAMES.get(name)
    if found is not None:
        return found
    if name.startswith("utter_"):  # a response: "utter_return_refused_final_sale"
        name = name.removeprefix("utter_")
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]
