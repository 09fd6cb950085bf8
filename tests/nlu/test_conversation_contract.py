"""Messages the dialogue relies on, parsed by the shipped model (config.yml + data/nlu).

Other parts of the bot (verification form, stop/cancel handling, handoff, fallback)
depend on exactly these intents and entities, so they are a contract, not a score.
The model is trained once (about a minute) or reused from models/eval/ when config.yml,
data/nlu, data/catalogue and bot/nlu are unchanged (the same cache as the eval command).
"""

import asyncio
import os
from pathlib import Path

import pytest

from actions.form_answers import SMALL_TALK, SURE_SMALL_TALK
from tests.support.nlu_agent import shipped_nlu_agent

os.environ["RASA_TELEMETRY_ENABLED"] = "false"
REPO = Path(__file__).resolve().parents[2]

CONTRACT = [
    # text, intent, entities that must be present (entity, value)
    (
        "where is order 10023? it's jo@example.com",
        "order_status",
        {("order_number", "10023"), ("email", "jo@example.com")},
    ),
    ("10023", "inform", {("order_number", "10023")}),
    ("jo@example.com", "inform", {("email", "jo@example.com")}),
    ("12a45", "inform", set()),
    ("jo at example dot com", "inform", set()),
    ("stop", "stop", set()),
    ("cancel that", "stop", set()),
    ("cancel my order", "cancel_order", set()),
    ("I want to return the sweater", "start_return", {("product", "Merino Crew Sweater")}),
    ("talk to a person", "human_agent", set()),
    ("what's the weather like in Paris tomorrow?", "out_of_scope", set()),
    ("hi", "greet", set()),
    # German, French, Spanish: the same requests, the same entities
    (
        "Wo ist meine Bestellung 10023? Meine E-Mail ist jo@example.com",
        "order_status",
        {("order_number", "10023"), ("email", "jo@example.com")},
    ),
    ("Où est ma commande ?", "order_status", set()),
    ("¿Dónde está mi pedido?", "order_status", set()),
    ("Ich möchte die Hose zurückschicken, sie ist zu klein", "start_return",
     {("return_reason", "too_small")}),
    ("je veux annuler ma commande", "cancel_order", set()),
    ("quiero hablar con una persona", "human_agent", set()),
    ("Abbrechen", "stop", set()),
    ("Mi código postal es 28013", "inform", {("postcode", "28013")}),
    ("English please", "switch_language", {("language", "en")}),
    ("auf Deutsch bitte", "switch_language", {("language", "de")}),
    # Disagreeing with a refusal is a complaint (a person looks at it), in every language
    ("that's not fair at all", "complaint", set()),
    ("Das finde ich nicht fair", "complaint", set()),
    ("ce n'est pas juste du tout", "complaint", set()),
    ("eso no me parece justo", "complaint", set()),
]

LANGUAGES = [
    ("danke", "de"),
    ("merci", "fr"),
    ("gracias", "es"),
    ("Wo ist meine Bestellung?", "de"),
    ("où est mon colis", "fr"),
    ("¿Dónde está mi pedido?", "es"),
    ("where is my parcel", "en"),
    ("10023", None),
]


@pytest.fixture(scope="module")
def agent():
    return shipped_nlu_agent()


@pytest.mark.parametrize("text,intent,entities", CONTRACT, ids=[c[0] for c in CONTRACT])
def test_contract_message(agent, text, intent, entities):
    result = asyncio.run(agent.parse_message(text))
    got = result["intent"]["name"]
    # out_of_scope may also arrive as the fallback; both end in the same dialogue path
    accepted = {intent, "nlu_fallback"} if intent == "out_of_scope" else {intent}
    assert got in accepted, (text, got, result["intent"]["confidence"])
    found = {(e["entity"], e["value"]) for e in result["entities"]}
    assert entities <= found, (text, found)


@pytest.mark.parametrize("text,code", LANGUAGES, ids=[t for t, _ in LANGUAGES])
def test_parse_result_carries_the_messages_language(agent, text, code):
    result = asyncio.run(agent.parse_message(text))
    assert result["language"]["code"] == code


# "yes" and "no" in each language, sure enough to be kept out of a form's free-text answer
SURE_YES_NO = ["yes", "yeah", "sure", "no", "nope", "ja", "Ja, bitte", "nein", "oui", "non",
               "sí", "claro", "vale", "no gracias"]
# towns the model takes for "yes" or "no" without conviction: a form asking for the town
# keeps them as the answer (actions/form_answers.py)
TOWNS_READ_AS_YES_NO = ["Leeds", "Ely", "Neuss", "Nice"]


@pytest.mark.parametrize("text", SURE_YES_NO)
def test_yes_and_no_are_sure_small_talk(agent, text):
    intent = asyncio.run(agent.parse_message(text))["intent"]
    assert intent["name"] in SMALL_TALK and intent["confidence"] >= SURE_SMALL_TALK, intent


@pytest.mark.parametrize("text", TOWNS_READ_AS_YES_NO)
def test_a_town_read_as_yes_or_no_is_unsure(agent, text):
    intent = asyncio.run(agent.parse_message(text))["intent"]
    assert intent["name"] not in SMALL_TALK or intent["confidence"] < SURE_SMALL_TALK, intent
