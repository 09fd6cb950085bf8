"""End to end in German, French and Spanish over the REST channel (real Rasa, action server
and store): order status, a return and a handoff in each language; the page's language
from the widget's metadata; "English please"."""

from __future__ import annotations

import uuid

import pytest

from tests.support.stack import ShopdeskStack, buttons, texts

pytestmark = pytest.mark.e2e

TRACKING_URL = "https://www.ups.com/track?tracknum=1Z999AA10123456784"

ORDER_STATUS = {
    "de": ("Wo ist meine Bestellung 10023? Meine E-Mail ist jo@example.com", "unterwegs mit UPS"),
    "fr": ("Où en est ma commande 10023 ? Mon e-mail est jo@example.com", "en route avec UPS"),
    "es": ("¿Dónde está mi pedido 10023? Mi correo es jo@example.com", "en camino con UPS"),
}
# A return from start to finish, typed in the language: the item by its name in that
# language (the catalogue's words), the reason in the shopper's words, then yes. Each
# language has a demo order of its own (store/seed.py), so no other test's items change.
RETURN = {
    "de": ("Ich möchte etwas zurückschicken", "Bestellnummer", "10013", "E-Mail-Adresse",
           "lena@example.com", "Welchen Artikel", "den Pullover", "Grund", "er ist zu klein",
           "Falsche Größe", "Ja", "Merino Crew Sweater ist angelegt"),
    "fr": ("Je voudrais retourner un article", "numéro de commande", "10014", "adresse e-mail",
           "luc@example.com", "Quel article", "la veste", "raison", "elle est abîmée",
           "Abîmé ou défectueux", "Oui", "pour Waxed Field Jacket est créé"),
    "es": ("Quiero devolver un artículo", "número de pedido", "10015", "correo electrónico",
           "sofia@example.com", "Qué artículo", "los vaqueros", "motivo", "no me gusta",
           "He cambiado de opinión", "Sí", "de Selvedge Denim Jeans está creada"),
}
HANDOFF = {
    "de": ("Ich möchte mit einem Menschen sprechen", "E-Mail-Adresse", "einem Satz",
           "Die Jacke hat ein Loch und ich möchte wissen, was ich tun soll", "Vorgangsnummer"),
    "fr": ("Je voudrais parler à un conseiller", "adresse e-mail", "une phrase",
           "La veste a un trou et je voudrais savoir quoi faire", "référence"),
    "es": ("Quiero hablar con una persona", "correo electrónico", "una frase",
           "La chaqueta tiene un agujero y quiero saber qué hacer", "referencia"),
}


def shopper() -> str:
    return f"e2e-lang-{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize("language", sorted(ORDER_STATUS))
def test_order_status_in_the_shoppers_language(shopdesk: ShopdeskStack, language: str) -> None:
    me = shopper()
    message, expected = ORDER_STATUS[language]
    status = texts(shopdesk.say(me, message))
    assert expected in status
    assert TRACKING_URL in status
    assert shopdesk.tracker(me)["slots"]["language"] == language


@pytest.mark.parametrize("language", sorted(RETURN))
def test_a_return_in_the_shoppers_language(shopdesk: ShopdeskStack, language: str) -> None:
    (start, ask_number, order, ask_email, email, ask_item, item, ask_reason, reason,
     reason_title, yes, created) = RETURN[language]
    me = shopper()
    assert ask_number in texts(shopdesk.say(me, start))
    assert ask_email in texts(shopdesk.say(me, order))
    items = shopdesk.say(me, email)
    assert ask_item in texts(items)
    assert f'/inform{{"return_line": "{order}1"}}' in buttons(items)
    assert ask_reason in texts(shopdesk.say(me, item))
    summary = shopdesk.say(me, reason)
    assert reason_title in texts(summary)
    assert buttons(summary) == ["/affirm", "/deny"]
    done = texts(shopdesk.say(me, yes))  # typed, so the NLU reads it in the language
    assert f"RMA-{order}-" in done and created in done
    assert "/labels/RMA-" in done


@pytest.mark.parametrize("language", sorted(HANDOFF))
def test_a_handoff_in_the_shoppers_language(shopdesk: ShopdeskStack, language: str) -> None:
    ask, ask_email, ask_summary, summary, reference = HANDOFF[language]
    me = shopper()
    assert ask_email in texts(shopdesk.say(me, ask))
    assert ask_summary in texts(shopdesk.say(me, f"{me}@example.com"))
    done = texts(shopdesk.say(me, summary))
    assert reference in done and "SD-" in done


def test_the_page_language_from_the_widget_decides(shopdesk: ShopdeskStack) -> None:
    me = shopper()
    reply = texts(shopdesk.say(me, "hi", metadata={"locale": "de-DE"}))
    assert "Was kann ich für Sie tun?" in reply
    # the page stays German: an English question is answered in German
    assert "Bestellnummer" in texts(
        shopdesk.say(me, "where is my order?", metadata={"locale": "de-DE"})
    )


def test_english_please_switches_and_sticks(shopdesk: ShopdeskStack) -> None:
    me = shopper()
    german = {"locale": "de"}
    assert "Was kann ich für Sie tun?" in texts(shopdesk.say(me, "Hallo", metadata=german))
    assert "English" in texts(shopdesk.say(me, "English please", metadata=german))
    assert "What can I do for you?" in texts(shopdesk.say(me, "hi", metadata=german))


def test_without_a_page_language_the_first_messages_decide(shopdesk: ShopdeskStack) -> None:
    me = shopper()
    assert "Que puis-je faire pour vous ?" in texts(shopdesk.say(me, "Bonjour"))
    # "ok" or an order number say nothing of a language: still French
    assert "numéro de commande" in texts(shopdesk.say(me, "où est ma commande"))
    assert "adresse e-mail" in texts(shopdesk.say(me, "10023"))
