"""The words the actions put inside replies and on buttons, in English, German, French and
Spanish: labels, units and short phrases that fill a response's placeholders (the sentences
themselves are the responses' variations in bot/domain). Dates and amounts are babel's
(actions/locale_format.py); names the store gives (products, carriers, payment methods,
its own instructions) are passed on as the store wrote them.

`tests/unit/language/test_phrases.py` fails when a phrase lacks a language or a
translation drops a placeholder.
"""

from __future__ import annotations

from common.languages import DEFAULT_LANGUAGE

PHRASES: dict[str, dict[str, str]] = {
    # the subject of a shipment's line when the order has one parcel
    "order_label": {"en": "Order {number}", "de": "Bestellung {number}",
                    "fr": "Commande {number}", "es": "Pedido {number}"},
    "one_parcel": {"en": "One parcel", "de": "Ein Paket", "fr": "Un colis", "es": "Un paquete"},
    "not_available": {"en": "not available yet", "de": "noch nicht verfügbar",
                      "fr": "pas encore disponible", "es": "aún no disponible"},
    "and": {"en": "and", "de": "und", "fr": "et", "es": "y"},
    # a shipping method's delivery time
    "working_day": {"en": "{n} working day", "de": "{n} Werktag", "fr": "{n} jour ouvré",
                    "es": "{n} día laborable"},
    "working_days": {"en": "{n} working days", "de": "{n} Werktage", "fr": "{n} jours ouvrés",
                     "es": "{n} días laborables"},
    "working_days_range": {"en": "{min}-{max} working days", "de": "{min}–{max} Werktage",
                           "fr": "{min} à {max} jours ouvrés",
                           "es": "{min}-{max} días laborables"},
    # the return's item buttons
    "one_of_units": {"en": "{name} (1 of {count})", "de": "{name} (1 von {count})",
                     "fr": "{name} (1 sur {count})", "es": "{name} (1 de {count})"},
    "all_units": {"en": "{name} (all {count})", "de": "{name} (alle {count})",
                  "fr": "{name} (les {count})", "es": "{name} (los {count})"},
    "all_items": {"en": "All of them", "de": "Alle", "fr": "Tous", "es": "Todos"},
    "this_item": {"en": "this item", "de": "dieser Artikel", "fr": "cet article",
                  "es": "este artículo"},
    # the most one return may hold, when the store could not say
    "limited_number": {"en": "a limited number of", "de": "eine begrenzte Zahl",
                       "fr": "quelques", "es": "unos pocos"},
    # the store's return reasons, as buttons
    "reason_wrong_size": {"en": "Wrong size", "de": "Falsche Größe", "fr": "Mauvaise taille",
                          "es": "Talla incorrecta"},
    "reason_damaged": {"en": "Damaged or faulty", "de": "Beschädigt oder defekt",
                       "fr": "Abîmé ou défectueux", "es": "Dañado o defectuoso"},
    "reason_not_as_described": {"en": "Not as described", "de": "Anders als beschrieben",
                                "fr": "Non conforme à la description",
                                "es": "No es como se describía"},
    "reason_changed_mind": {"en": "Changed my mind", "de": "Gefällt mir doch nicht",
                            "fr": "J'ai changé d'avis", "es": "He cambiado de opinión"},
    "reason_arrived_late": {"en": "Arrived too late", "de": "Kam zu spät",
                            "fr": "Arrivé trop tard", "es": "Llegó demasiado tarde"},
    "reason_other": {"en": "Something else", "de": "Etwas anderes", "fr": "Autre chose",
                     "es": "Otra cosa"},
    # where an order is, on the signed-in shopper's order buttons
    "status_processing": {"en": "being prepared", "de": "in Vorbereitung",
                          "fr": "en préparation", "es": "en preparación"},
    "status_shipped": {"en": "on its way", "de": "unterwegs", "fr": "en route",
                       "es": "en camino"},
    "status_delivered": {"en": "delivered", "de": "zugestellt", "fr": "livrée",
                         "es": "entregado"},
    "status_cancelled": {"en": "cancelled", "de": "storniert", "fr": "annulée",
                         "es": "cancelado"},
    "status_returned": {"en": "returned", "de": "zurückgeschickt", "fr": "retournée",
                        "es": "devuelto"},
    "status_refunded": {"en": "refunded", "de": "erstattet", "fr": "remboursée",
                        "es": "reembolsado"},
    # the part of an address the store refused
    "field_line1": {"en": "street", "de": "Straße", "fr": "rue", "es": "calle"},
    "field_city": {"en": "town or city", "de": "Ort", "fr": "ville", "es": "ciudad"},
    "field_postcode": {"en": "postcode", "de": "Postleitzahl", "fr": "code postal",
                       "es": "código postal"},
    "field_address": {"en": "address", "de": "Adresse", "fr": "adresse", "es": "dirección"},
    # "doesn't look like {a UK postcode}": the postcode the order's country uses
    "postcode_GB": {"en": "a UK postcode", "de": "einer britischen Postleitzahl",
                    "fr": "un code postal britannique", "es": "un código postal británico"},
    "postcode_DE": {"en": "a German postcode", "de": "einer deutschen Postleitzahl",
                    "fr": "un code postal allemand", "es": "un código postal alemán"},
    "postcode_FR": {"en": "a French postcode", "de": "einer französischen Postleitzahl",
                    "fr": "un code postal français", "es": "un código postal francés"},
    "postcode_ES": {"en": "a Spanish postcode", "de": "einer spanischen Postleitzahl",
                    "fr": "un code postal espagnol", "es": "un código postal español"},
    "postcode_of": {"en": "a postcode of {country}", "de": "einer Postleitzahl ({country})",
                    "fr": "un code postal ({country})", "es": "un código postal ({country})"},
    "postcode_any": {"en": "letters and digits", "de": "Buchstaben und Ziffern",
                     "fr": "des lettres et des chiffres", "es": "letras y números"},
    "or": {"en": "or", "de": "oder", "fr": "ou", "es": "o"},
    # Shopdesk's words where the platform gives none (integrations/store/models.py)
    "original_payment": {"en": "your original payment method",
                         "de": "Ihr ursprüngliches Zahlungsmittel",
                         "fr": "votre moyen de paiement d'origine",
                         "es": "su método de pago original"},
    "store_credit": {"en": "store credit", "de": "ein Guthaben im Shop", "fr": "un avoir",
                     "es": "un saldo en la tienda"},
    "unnamed_carrier": {"en": "the carrier", "de": "dem Paketdienst", "fr": "le transporteur",
                        "es": "la empresa de transporte"},
    "label_by_email": {
        "en": "The store reviews the request and emails you the return label and instructions; "
              "your refund is issued once the parcel is back.",
        "de": "Der Shop prüft die Anfrage und schickt Ihnen das Rücksendeetikett und die "
              "Anleitung per E-Mail; die Erstattung folgt, sobald das Paket zurück ist.",
        "fr": "La boutique examine la demande et vous envoie par e-mail l'étiquette de retour "
              "et les instructions ; le remboursement suit dès que le colis est de retour.",
        "es": "La tienda revisa la solicitud y le envía por correo la etiqueta de devolución "
              "y las instrucciones; el reembolso se emite cuando el paquete vuelva.",
    },
}


def phrase(key: str, *, language: str, **values: object) -> str:
    """The phrase in `language` (English for a language without one), filled in."""
    texts = PHRASES[key]
    return texts.get(language, texts[DEFAULT_LANGUAGE]).format(**values)


def has_phrase(key: str) -> bool:
    return key in PHRASES
