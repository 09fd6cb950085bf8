"""Generates `data/nlu/{de,fr,es}/generated.yml`: German, French and Spanish training
examples from templates written natively in each language.

    .venv/rasa/bin/python -m tools.generate_nlu_languages [--check]

Like tools/generate_nlu.py for English: each intent has *cores* (what the shopper wants,
as an infinitive phrase: "meine Bestellung stornieren", "annuler ma commande", "cancelar mi
pedido") that are put into shared *frames* ("ich möchte {vp}", "comment {vp} ?",
"¿me ayudas a {vp}?"). The frames are the same for every intent, out_of_scope near misses
included (invoices, accounts, payment methods, changing an order's items), so a frame says
nothing about the intent and the model has to read the core. The hand-written files beside
each generated one carry the whole sentences, colloquial forms and typos; nothing here is
translated from the English templates, and nothing comes from an evaluation set.

Output is deterministic (fixed seed) and committed; `--check` exits 1 when a committed file
differs from what the templates give.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Sequence
from pathlib import Path

NLU_DIR = Path(__file__).resolve().parents[1] / "data" / "nlu"
SEED = 20261207
PER_INTENT = 110
NUMBERS = ["10023", "48211", "31577", "20931", "66120", "57004", "12988", "80416"]

FRAMES = {
    "de": [
        "{vp}",
        "{vp} bitte",
        "ich möchte {vp}",
        "ich möchte bitte {vp}",
        "ich will {vp}",
        "ich würde gern {vp}",
        "ich würde gerne {vp}",
        "ich muss {vp}",
        "wie kann ich {vp}?",
        "wie kann man {vp}?",
        "kann ich {vp}?",
        "kann man {vp}?",
        "können Sie {vp}?",
        "könnten Sie bitte {vp}?",
        "kannst du {vp}?",
        "könnt ihr {vp}?",
        "hallo, ich möchte {vp}",
        "guten Tag, ich würde gerne {vp}",
        "hi, ich will {vp}",
        "wo kann ich {vp}?",
        "ich brauche Hilfe, ich möchte {vp}",
        "servus, ich tät gern {vp}",
        "moin, ich muss {vp}",
        "ich bräuchte Hilfe, ich will {vp}",
        "grüezi, ich möchte {vp}",
        "sorry, wie kann ich {vp}?",
        "darf ich {vp}?",
    ],
    "fr": [
        "{vp}",
        "{vp} svp",
        "{vp} s'il vous plaît",
        "je voudrais {vp}",
        "je veux {vp}",
        "j'aimerais {vp}",
        "je souhaite {vp}",
        "je dois {vp}",
        "comment {vp} ?",
        "comment faire pour {vp} ?",
        "je peux {vp} ?",
        "est-ce que je peux {vp} ?",
        "pouvez-vous m'aider à {vp} ?",
        "tu peux m'aider à {vp} ?",
        "aidez-moi à {vp}",
        "bonjour, je voudrais {vp}",
        "salut, je veux {vp}",
        "bonjour, j'aurais besoin de {vp}",
        "est-il possible de {vp} ?",
        "c'est possible de {vp} ?",
        "je n'arrive pas à {vp}",
        "où est-ce que je peux {vp} ?",
        "je cherche à {vp}",
        "j'ai besoin d'aide pour {vp}",
        "je ne sais pas comment {vp}",
        "bonsoir, je souhaiterais {vp}",
        "allô, je veux {vp}",
    ],
    "es": [
        "{vp}",
        "{vp} por favor",
        "por favor, quiero {vp}",
        "quiero {vp}",
        "quisiera {vp}",
        "me gustaría {vp}",
        "necesito {vp}",
        "tengo que {vp}",
        "¿cómo puedo {vp}?",
        "¿cómo hago para {vp}?",
        "¿puedo {vp}?",
        "¿se puede {vp}?",
        "¿me ayudas a {vp}?",
        "¿me puede ayudar a {vp}?",
        "ayúdame a {vp}",
        "hola, quiero {vp}",
        "buenas, necesito {vp}",
        "buenos días, quisiera {vp}",
        "¿es posible {vp}?",
        "no sé cómo {vp}",
        "¿dónde puedo {vp}?",
        "quiero saber cómo {vp}",
        "¿podrían ayudarme a {vp}?",
        "¿podéis ayudarme a {vp}?",
        "necesito ayuda para {vp}",
        "hola, ¿cómo le hago para {vp}?",
        "quería {vp}",
    ],
}

# {ref}: the order, with or without its number; {ref_dat}: the same after a German
# preposition that takes the dative ("von meiner Bestellung")
REFS_DATIVE = {
    "de": ["meiner Bestellung", "meiner Bestellung", "Bestellung {num}", "Bestellung Nr. {num}",
           "meiner letzten Bestellung", "der Bestellung von gestern", "Auftrag {num}"],
}
REFS = {
    "de": ["meine Bestellung", "meine Bestellung", "Bestellung {num}", "Bestellung Nr. {num}",
           "meine letzte Bestellung", "die Bestellung von gestern"],
    "fr": ["ma commande", "ma commande", "la commande {num}", "la commande n° {num}",
           "ma dernière commande", "la commande d'hier", "ma commande {num}"],
    "es": ["mi pedido", "mi pedido", "el pedido {num}", "el pedido nº {num}",
           "mi último pedido", "el pedido de ayer", "mi orden {num}"],
}

CORES: dict[str, dict[str, list[str]]] = {
    "de": {
        "order_status": [
            "wissen, wo {ref} ist", "{ref} verfolgen", "den Status von {ref_dat} sehen",
            "nachsehen, ob {ref} schon verschickt wurde", "die Sendungsnummer für {ref} bekommen",
            "erfahren, wann {ref} ankommt", "den Lieferstatus von {ref_dat} prüfen",
            "herausfinden, wo mein Paket bleibt",
        ],
        "start_return": [
            "{ref} zurückschicken", "einen Artikel zurückgeben", "eine Retoure anmelden",
            "ein Rücksendeetikett für {ref} bekommen", "mein Geld für {ref} zurückbekommen",
            "eine Erstattung für {ref} beantragen", "die Ware aus {ref_dat} zurücksenden",
            "einen kaputten Artikel zurückschicken", "etwas umtauschen",
        ],
        "return_policy": [
            "die Rückgabebedingungen lesen", "wissen, wie lange ich Zeit für eine Rückgabe habe",
            "erfahren, ob Rücksendungen kostenlos sind",
            "wissen, ob man Sale-Ware zurückgeben kann",
            "die Regeln für Erstattungen kennen", "die Widerrufsfrist erfahren",
            "wissen, ob ich bei einer Rückgabe Geld oder einen Gutschein bekomme",
        ],
        "refund_status": [
            "wissen, wann ich mein Geld zurückbekomme", "den Stand meiner Erstattung sehen",
            "prüfen, ob meine Rückerstattung für {ref} veranlasst wurde",
            "nachfragen, wo meine Rückerstattung bleibt",
            "wissen, ob meine Retoure angekommen ist",
            "erfahren, wann die Gutschrift auf meinem Konto ist",
        ],
        "cancel_order": [
            "{ref} stornieren", "{ref} canceln", "{ref} rückgängig machen",
            "{ref} abbrechen, bevor sie verschickt wird", "eine doppelte Bestellung stornieren",
            "meinen Kauf stornieren",
        ],
        "change_shipping_address": [
            "die Lieferadresse von {ref_dat} ändern", "die Adresse für {ref} korrigieren",
            "{ref} an eine andere Adresse schicken lassen", "die Postleitzahl in {ref_dat} ändern",
            "mein Paket an meine neue Adresse umleiten", "die Versandanschrift ändern",
        ],
        "delivery_options": [
            "die Versandkosten wissen", "die Lieferzeiten erfahren",
            "wissen, welche Versandarten es gibt", "Expressversand buchen",
            "wissen, ob ihr ins Ausland liefert", "an eine Packstation liefern lassen",
            "wissen, ab wann der Versand kostenlos ist",
        ],
        "payment_issue": [
            "ein Problem mit der Zahlung melden", "eine doppelte Abbuchung klären",
            "wissen, warum meine Karte abgelehnt wurde", "eine falsche Abbuchung klären",
            "herausfinden, warum die Zahlung nicht durchgeht",
            "eine fehlgeschlagene Zahlung klären",
        ],
        "human_agent": [
            "mit einem Menschen sprechen", "mit einem Mitarbeiter reden",
            "den Kundenservice erreichen", "mit jemandem vom Support telefonieren",
            "einen Rückruf vereinbaren", "mit einem echten Menschen chatten",
        ],
        "complaint": [
            "eine Beschwerde einreichen", "mich über den Service beschweren",
            "mich über den Paketboten beschweren", "eine offizielle Beschwerde einlegen",
            "mich über einen Mitarbeiter beschweren",
        ],
        "out_of_scope": [
            "mein Passwort zurücksetzen", "ein Kundenkonto anlegen", "mein Konto löschen",
            "die Rechnung für {ref} herunterladen", "einen Gutscheincode einlösen",
            "etwas zu {ref_dat} hinzufügen", "die Größe in {ref_dat} ändern",
            "einen Artikel aus {ref_dat} entfernen", "eine neue Bestellung aufgeben",
            "mit PayPal bezahlen", "in Raten zahlen", "den Newsletter abbestellen",
            "eine Produktbewertung schreiben", "die Größentabelle sehen",
            "wissen, ob der Pullover auf Lager ist", "die Stornogebühren erfahren",
            "meine E-Mail-Adresse im Konto ändern", "eine Adresse im Kundenkonto speichern",
        ],
    },
    "fr": {
        "order_status": [
            "savoir où est {ref}", "suivre {ref}", "voir le statut de {ref}",
            "vérifier si {ref} est partie", "avoir le numéro de suivi de {ref}",
            "savoir quand {ref} va arriver", "connaître l'état de la livraison de {ref}",
            "retrouver mon colis",
        ],
        "start_return": [
            "retourner {ref}", "renvoyer un article", "faire un retour",
            "avoir une étiquette de retour pour {ref}", "être remboursé pour {ref}",
            "demander un remboursement pour {ref}", "rendre un article cassé",
            "échanger un article", "renvoyer les articles de {ref}",
        ],
        "return_policy": [
            "connaître vos conditions de retour", "savoir combien de temps j'ai pour un retour",
            "savoir si les retours sont gratuits", "savoir si on peut retourner les soldes",
            "connaître les règles de remboursement", "connaître le délai de rétractation",
            "savoir si je serai remboursé ou si j'aurai un avoir",
        ],
        "refund_status": [
            "savoir quand je serai remboursé", "voir où en est mon remboursement",
            "vérifier si le remboursement de {ref} est parti",
            "savoir pourquoi je n'ai pas reçu mon remboursement",
            "savoir si vous avez reçu mon retour",
            "savoir quand l'argent arrivera sur mon compte",
        ],
        "cancel_order": [
            "annuler {ref}", "annuler mon achat", "bloquer l'expédition de {ref}",
            "annuler {ref} avant l'envoi", "annuler une commande passée en double",
            "décommander",
        ],
        "change_shipping_address": [
            "changer l'adresse de livraison de {ref}", "corriger l'adresse de {ref}",
            "faire livrer {ref} à une autre adresse", "modifier le code postal de {ref}",
            "rediriger mon colis vers ma nouvelle adresse", "modifier l'adresse d'expédition",
        ],
        "delivery_options": [
            "connaître les frais de port", "connaître les délais de livraison",
            "savoir quels modes de livraison vous proposez", "me faire livrer en express",
            "savoir si vous livrez à l'étranger", "me faire livrer en point relais",
            "savoir à partir de quel montant la livraison est gratuite",
        ],
        "payment_issue": [
            "signaler un problème de paiement", "régler un double prélèvement",
            "comprendre pourquoi ma carte est refusée", "contester un prélèvement",
            "savoir pourquoi le paiement ne passe pas", "régler un paiement échoué",
        ],
        "human_agent": [
            "parler à un humain", "parler à un conseiller", "joindre le service client",
            "appeler quelqu'un du support", "être rappelé", "discuter avec une vraie personne",
        ],
        "complaint": [
            "faire une réclamation", "me plaindre du service", "me plaindre du livreur",
            "déposer une plainte officielle", "me plaindre d'un employé",
        ],
        "out_of_scope": [
            "réinitialiser mon mot de passe", "créer un compte", "supprimer mon compte",
            "télécharger la facture de {ref}", "utiliser un code promo",
            "ajouter un article à {ref}", "changer la taille dans {ref}",
            "retirer un article de {ref}", "passer une nouvelle commande",
            "payer avec PayPal", "payer en plusieurs fois", "me désabonner de la newsletter",
            "laisser un avis sur un produit", "voir le guide des tailles",
            "savoir si le pull est en stock", "connaître les frais d'annulation",
            "changer l'e-mail de mon compte", "enregistrer une adresse dans mon compte",
        ],
    },
    "es": {
        "order_status": [
            "saber dónde está {ref}", "rastrear {ref}", "ver el estado de {ref}",
            "comprobar si ya enviaron {ref}", "tener el número de seguimiento de {ref}",
            "saber cuándo llega {ref}", "consultar la entrega de {ref}",
            "localizar mi paquete",
        ],
        "start_return": [
            "devolver {ref}", "devolver un artículo", "hacer una devolución",
            "conseguir una etiqueta de devolución para {ref}",
            "recuperar el dinero de {ref}", "pedir un reembolso de {ref}",
            "devolver un artículo roto", "cambiar un artículo", "tramitar la devolución de {ref}",
        ],
        "return_policy": [
            "conocer las condiciones de devolución", "saber cuánto tiempo tengo para devolver algo",
            "saber si las devoluciones son gratis", "saber si se pueden devolver las rebajas",
            "conocer la política de reembolsos", "saber el plazo de desistimiento",
            "saber si me devuelven el dinero o me dan un vale",
        ],
        "refund_status": [
            "saber cuándo me devuelven el dinero", "ver cómo va mi reembolso",
            "comprobar si ya salió el reembolso de {ref}",
            "saber por qué no me ha llegado el reembolso",
            "saber si recibieron mi devolución",
            "saber cuándo me llega el dinero a la cuenta",
        ],
        "cancel_order": [
            "cancelar {ref}", "anular {ref}", "anular mi compra",
            "cancelar {ref} antes de que lo envíen", "cancelar un pedido duplicado",
            "parar el envío de {ref}",
        ],
        "change_shipping_address": [
            "cambiar la dirección de entrega de {ref}", "corregir la dirección de {ref}",
            "mandar {ref} a otra dirección", "cambiar el código postal de {ref}",
            "redirigir mi paquete a mi nueva dirección", "modificar la dirección de envío",
        ],
        "delivery_options": [
            "saber cuánto cuesta el envío", "conocer los plazos de entrega",
            "saber qué métodos de envío tienen", "pedir envío urgente",
            "saber si envían al extranjero", "recibirlo en un punto de recogida",
            "saber desde qué importe el envío es gratis",
        ],
        "payment_issue": [
            "reportar un problema con el pago", "resolver un cobro duplicado",
            "entender por qué me rechazan la tarjeta", "reclamar un cargo incorrecto",
            "saber por qué no pasa el pago", "solucionar un pago fallido",
        ],
        "human_agent": [
            "hablar con una persona", "hablar con un agente", "contactar con atención al cliente",
            "llamar a alguien de soporte", "pedir que me llamen",
            "chatear con una persona de verdad",
        ],
        "complaint": [
            "poner una reclamación", "quejarme del servicio", "quejarme del repartidor",
            "presentar una queja formal", "quejarme de un empleado",
        ],
        "out_of_scope": [
            "restablecer mi contraseña", "crear una cuenta", "borrar mi cuenta",
            "descargar la factura de {ref}", "usar un código de descuento",
            "añadir un artículo a {ref}", "cambiar la talla en {ref}",
            "quitar un artículo de {ref}", "hacer un pedido nuevo",
            "pagar con PayPal", "pagar a plazos", "darme de baja de la newsletter",
            "dejar una reseña de un producto", "ver la guía de tallas",
            "saber si el jersey está en stock", "saber cuánto cuesta cancelar",
            "cambiar el correo de mi cuenta", "guardar una dirección en mi cuenta",
        ],
    },
}

INTENTS = list(CORES["de"])
TYPO_KEEP = re.compile(r"[\[\]()#@0-9]")


def typo(text: str, rng: random.Random) -> str:
    """One slip of the keyboard in a word without markup: two letters swapped or one dropped."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) > 4 and not TYPO_KEEP.search(w)]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    k = rng.randrange(1, len(w) - 2)
    words[i] = w[:k] + w[k + 1] + w[k] + w[k + 2 :] if rng.random() < 0.5 else w[:k] + w[k + 1 :]
    return " ".join(words)


def fill(core: str, language: str, rng: random.Random) -> str:
    for slot, refs in (("{ref}", REFS[language]), ("{ref_dat}", REFS_DATIVE.get(language, []))):
        if slot in core:
            ref = rng.choice(refs).replace("{num}", f"[{rng.choice(NUMBERS)}](order_number)")
            core = core.replace(slot, ref)
    return core


def style(text: str, rng: random.Random) -> str:
    """How people type in a chat: some capitalise, some drop the question mark, a few slip."""
    r = rng.random()
    if r < 0.35:
        text = text[0].upper() + text[1:]
    elif r < 0.45:
        text = text.replace("?", "").replace(" !", "").rstrip()
    if rng.random() < 0.08:
        text = typo(text, rng)
    return " ".join(text.split())


def elide(text: str) -> str:
    """French elision where a frame meets a core: "de annuler" -> "d'annuler"."""
    return re.sub(r"\b([dj]e|que) ([aeiouéèêâh])", lambda m: f"{m[1][:-1]}'{m[2]}", text)


def examples(language: str, intent: str, rng: random.Random) -> list[str]:
    pairs = [(f, c) for c in CORES[language][intent] for f in FRAMES[language]]
    rng.shuffle(pairs)
    out, seen = [], set()
    for frame, core in pairs:
        text = style(frame.replace("{vp}", fill(core, language, rng)), rng)
        if language == "fr":
            text = elide(text)
        key = re.sub(r"\W+", " ", re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)).lower().strip()
        if key not in seen:
            seen.add(key)
            out.append(text)
        if len(out) == PER_INTENT:
            break
    return out


def render(language: str, rng_seed: int = SEED) -> str:
    rng = random.Random(f"{rng_seed}-{language}")
    lines = [
        'version: "3.1"',
        f"# Generated by tools/generate_nlu_languages.py ({language}); edit the templates there.",
        "nlu:",
    ]
    for intent in INTENTS:
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in examples(language, intent, rng)]
    return "\n".join(lines) + "\n"


def output(language: str) -> Path:
    return NLU_DIR / language / "generated.yml"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if a committed file is stale")
    args = ap.parse_args(argv)
    stale = []
    for language in CORES:
        text = render(language)
        if args.check:
            if not output(language).exists() or output(language).read_text() != text:
                stale.append(str(output(language)))
        else:
            output(language).write_text(text, encoding="utf-8")
            print(f"wrote {output(language)}")
    if stale:
        print("stale: " + ", ".join(stale) + " (run python -m tools.generate_nlu_languages)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
