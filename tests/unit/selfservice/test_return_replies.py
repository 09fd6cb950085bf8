"""Returns: which lines are offered, how each store refusal is explained, answers parsed."""

from __future__ import annotations

from datetime import date

import pytest

from actions.locale_format import item_names
from actions.return_replies import (
    ReturnableLine,
    choose_lines,
    decode_lines,
    encode_lines,
    line_buttons,
    main_refusal,
    partial_notes,
    reason_code,
    reason_in_sentence,
    reason_title,
    refusal_replies,
    refused_lines,
    return_key,
    returnable_lines,
)
from integrations.store.models import ReturnLine
from tests.unit.selfservice.builders import TODAY, eligibility, line, order, rendered, verdict

REASONS = ("wrong_size", "damaged", "not_as_described", "changed_mind", "arrived_late", "other")
SWEATER = ReturnableLine(100101, "Merino Crew Sweater", 1)
TEE = ReturnableLine(100201, "Organic Cotton Tee", 2)
JEANS = ReturnableLine(100202, "Selvedge Denim Jeans", 1)


def test_only_lines_the_store_allows_are_offered() -> None:
    e = eligibility(verdict(100101), verdict(100102, "final_sale"))
    assert returnable_lines(order(), e) == [SWEATER]
    refused = refused_lines(order(), e)
    assert list(refused) == ["final_sale"]
    assert refused["final_sale"][0][0].name == "Clearance Linen Scarf"


def test_a_partly_returnable_order_notes_the_lines_that_are_not() -> None:
    e = eligibility(verdict(100101), verdict(100102, "final_sale"))
    notes = partial_notes(refused_lines(order(), e))
    assert [n.response for n in notes] == ["utter_return_note_final_sale"]
    assert "the Clearance Linen Scarf was bought as final sale" in rendered(notes[0])


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ({"final_sale", "return_window_expired"}, "return_window_expired"),
        ({"final_sale", "already_returned"}, "already_returned"),
        ({"not_delivered", "final_sale"}, "not_delivered"),
        ({"order_cancelled", "not_delivered"}, "order_cancelled"),
        ({"final_sale"}, "final_sale"),
    ],
)
def test_the_most_fundamental_rule_explains_an_order_with_nothing_to_return(
    codes: set[str], expected: str
) -> None:
    assert main_refusal(codes) == expected


def _refusal(code: str, **kwargs: object) -> str:
    o = kwargs.pop("the_order", order())
    replies = refusal_replies(
        code,
        order=o,
        items=["Merino Crew Sweater"],
        eligibility=[verdict(100101, code, return_by=date(2026, 10, 28))],
        window_days=30,
        today=TODAY,
        **kwargs,  # type: ignore[arg-type]
    )
    assert len(replies) == 1
    return replies[0].response + " | " + rendered(replies[0])


def test_window_expired_names_the_window_and_the_day_it_ended() -> None:
    text = _refusal("return_window_expired")
    assert text.startswith("utter_return_refused_window_expired")
    assert "30 days from delivery" in text and "Wednesday 28 October" in text


def test_final_sale_says_final_sale() -> None:
    assert "final sale" in _refusal("final_sale")


def test_already_returned_says_so() -> None:
    assert "already in a return" in _refusal("already_returned")


def test_cancelled_order_has_nothing_to_return() -> None:
    assert "was cancelled" in _refusal("order_cancelled")


def test_not_delivered_offers_cancellation_while_it_can_be_cancelled() -> None:
    cancellable = order(status="processing", can_cancel=True)
    assert _refusal("not_delivered", the_order=cancellable).startswith(
        "utter_return_refused_not_delivered_can_cancel"
    )


def test_not_delivered_after_shipment_says_wait_for_delivery() -> None:
    shipped = order(status="shipped", can_cancel=False)
    text = _refusal("not_delivered", the_order=shipped)
    assert text.startswith("utter_return_refused_not_delivered_wait")
    assert "30 days to send it back" in text


def test_quantity_limit_names_the_limit() -> None:
    assert "at most 10 items per return" in _refusal("quantity_exceeded", max_units=10)


def test_unknown_refusal_still_offers_a_person() -> None:
    assert _refusal("something_new").startswith("utter_return_refused_other")


def test_every_refusal_reply_offers_a_person() -> None:
    import yaml

    from tests.unit.selfservice.builders import DOMAIN

    data = yaml.safe_load((DOMAIN / "returns.yml").read_text())["responses"]
    refusals = [name for name in data if name.startswith("utter_return_refused_")]
    assert len(refusals) == 8
    for name in refusals:
        payloads = [b["payload"] for b in data[name][0].get("buttons", [])]
        assert "/human_agent" in payloads, name


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("100201", {100201: 2}),  # every unit left
        ("100201:1", {100201: 1}),  # "1 of 2"
        ("100201:1,100202", {100201: 1, 100202: 1}),
        ("all", {100201: 2, 100202: 1}),
        ("both of them", {100201: 2, 100202: 1}),
        ("the jeans", {100202: 1}),
        ("the tees and the jeans", {100201: 2, 100202: 1}),
        ("Organic cotton tee please", {100201: 2}),
        ("100101", None),  # not one of the returnable lines
        ("100201:3", None),  # more units than are left
        ("100201:0", None),
        ("the scarf", None),
        ("", None),
        (None, None),
    ],
)
def test_the_shopper_picks_lines_by_button_or_by_name(
    answer: object, expected: dict[int, int] | None
) -> None:
    assert choose_lines(answer, [TEE, JEANS]) == expected


def test_chosen_lines_round_trip_through_the_slot() -> None:
    assert encode_lines({100202: 1, 100201: 2}) == "100201:2,100202:1"
    assert decode_lines(encode_lines({100202: 1, 100201: 2})) == {100201: 2, 100202: 1}
    assert decode_lines("100202") == {100202: None}  # every unit left
    assert decode_lines(None) == {}


def test_a_line_bought_twice_can_go_back_once_or_twice() -> None:
    payloads = [b["payload"] for b in line_buttons([TEE, JEANS])]
    assert payloads == [
        '/inform{"return_line": "100201:1"}',
        '/inform{"return_line": "100201:2"}',
        '/inform{"return_line": "100202"}',
        '/inform{"return_line": "all"}',
    ]
    assert [b["title"] for b in line_buttons([JEANS])] == ["Selvedge Denim Jeans"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("damaged", ("damaged", None)),  # a button
        ("too_small", ("wrong_size", None)),  # the NLU's reason entity
        ("changed_mind", ("changed_mind", None)),
        ("wrong_item", ("other", None)),
        ("the zip broke after a day", ("other", "the zip broke after a day")),
        ("  ", None),
        (None, None),
    ],
)
def test_reason_from_button_entity_or_own_words(
    answer: object, expected: tuple[str, str | None] | None
) -> None:
    assert reason_code(answer, allowed=REASONS) == expected


def test_own_words_are_kept_short() -> None:
    reason, comment = reason_code("x" * 500, allowed=REASONS) or ("", "")
    assert reason == "other" and comment is not None and len(comment) == 200


def test_idempotency_key_is_the_same_for_the_same_request_only() -> None:
    def key(**changes: object) -> str:
        args: dict = {
            "sender_id": "s1",
            "order_number": "10010",
            "lines": [ReturnLine(100101, 1), ReturnLine(100102, 1)],
            "reason": "damaged",
            "comment": None,
        }
        args.update(changes)
        return return_key(**args)

    assert key() == key(lines=[ReturnLine(100102, 1), ReturnLine(100101, 1)])
    assert key() != key(sender_id="s2")
    assert key() != key(reason="changed_mind")
    assert key() != key(lines=[ReturnLine(100101, 1)])
    assert key() != key(order_number="10002")
    # The same request again later in the conversation (one more completed run) is new.
    assert key() != key(attempt=1)
    assert 1 <= len(key()) <= 200 and key().isascii()


def test_items_read_naturally() -> None:
    assert item_names(["Tee"], language="en") == "the Tee"
    assert item_names(["Tee", "Jeans", "Mug"], language="en") == "the Tee, the Jeans and the Mug"
    assert item_names(["Tee", "Jeans", "Mug"], language="de") == "Tee, Jeans und Mug"
    assert item_names(["Tee", "Jeans"], language="fr") == "Tee et Jeans"
    assert item_names([], language="es") == "este artículo"


@pytest.mark.parametrize(
    ("language", "titles"),
    [
        ("en", ["Organic Cotton Tee (1 of 2)", "Organic Cotton Tee (all 2)",
                "Selvedge Denim Jeans", "All of them"]),
        ("de", ["Organic Cotton Tee (1 von 2)", "Organic Cotton Tee (alle 2)",
                "Selvedge Denim Jeans", "Alle"]),
        ("fr", ["Organic Cotton Tee (1 sur 2)", "Organic Cotton Tee (les 2)",
                "Selvedge Denim Jeans", "Tous"]),
        ("es", ["Organic Cotton Tee (1 de 2)", "Organic Cotton Tee (los 2)",
                "Selvedge Denim Jeans", "Todos"]),
    ],
)
def test_item_buttons_in_the_shoppers_language(language: str, titles: list[str]) -> None:
    buttons = line_buttons([TEE, JEANS], language=language)
    assert [b["title"] for b in buttons] == titles
    assert [b["payload"] for b in buttons] == [b["payload"] for b in line_buttons([TEE, JEANS])]


@pytest.mark.parametrize("answer", ["alle", "Alle beide", "tous", "les deux", "todos", "ambos"])
def test_all_of_them_in_each_language(answer: str) -> None:
    assert choose_lines(answer, [TEE, JEANS]) == {100201: 2, 100202: 1}


def test_articles_name_no_item() -> None:
    assert choose_lines("den", [TEE, JEANS]) is None
    assert choose_lines("les jeans", [TEE, JEANS]) == {100202: 1}


@pytest.mark.parametrize(
    ("language", "title", "in_sentence"),
    [
        ("en", "Wrong size", "wrong size"),
        ("de", "Falsche Größe", "Falsche Größe"),
        ("fr", "Mauvaise taille", "Mauvaise taille"),
        ("es", "Talla incorrecta", "Talla incorrecta"),
    ],
)
def test_reasons_in_the_shoppers_language(language: str, title: str, in_sentence: str) -> None:
    assert reason_title("wrong_size", language=language) == title
    assert reason_in_sentence("wrong_size", language=language) == in_sentence
    # a reason of the store's own is shown as the store named it
    assert reason_title("store_credit", language=language) == "Store credit"


def test_lines_without_units_left_are_not_offered() -> None:
    o = order(lines=(line(100101, "Merino Crew Sweater", quantity=2, returned=2),))
    e = eligibility(verdict(100101, quantity=0))
    assert returnable_lines(o, e) == []


def test_earlier_runs_count_completed_runs_only() -> None:
    from actions.idempotency import earlier_runs

    events = [
        {"event": "action", "name": "action_submit_return"},
        {"event": "user", "text": "yes"},
        {"event": "action", "name": "return_form"},
    ]
    assert earlier_runs(events, "action_submit_return") == 1
    assert earlier_runs(events[1:], "action_submit_return") == 0
