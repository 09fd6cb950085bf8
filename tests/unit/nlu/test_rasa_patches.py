"""Shopdesk's patches to Rasa (bot/rasa_patches.py), each compared with the function it
replaced, captured from Rasa at run time (`Patch.original`): applied only by `install()`,
only on the versions they were written for, each switchable by name. (Their speed is
measured by the load benchmark, docs/performance.md.)"""

from __future__ import annotations

import asyncio
import json
import math

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot import rasa_patches
from bot.rasa_patches import PATCHES

VALID = {
    "events": [{"event": "slot", "name": "order_number", "value": "10023"}],
    "responses": [{"response": "utter_ask_email"}, {"text": "hi", "buttons": []}],
}
INVALID = [
    {"events": "not a list"},
    {"events": [{"name": "no event key"}]},
    {"responses": [{"text": 5}], "events": [{"event": "no_such_event"}]},
]


def _rasas(name: str) -> object:
    """The function Rasa has where patch `name` goes: captured when it was applied, else
    the class's own (nothing applied yet, e.g. while parametrizing)."""
    patch = PATCHES[name]
    return patch.original if patch.applied else getattr(patch.target(), patch.attribute)


def _original(result: object) -> None:
    """Rasa's own `_validate_action_result`."""
    _rasas("action_response_validation")(RemoteAction("action_x", None), result)


def _patched(name: str) -> bool:
    """Whether the class now has our function where patch `name` goes."""
    patch = PATCHES[name]
    found = getattr(patch.target(), patch.attribute, None)
    return getattr(found, "__module__", None) == rasa_patches.__name__


@pytest.fixture(autouse=True, scope="module")
def installed() -> object:
    rasa_patches.remove_all()
    assert rasa_patches.install("all") == rasa_patches.selection("all")
    yield
    rasa_patches.remove_all()


@pytest.fixture(scope="module")
def action() -> RemoteAction:
    return RemoteAction("action_x", None)


def test_applied_by_install_only_never_by_loading_our_components() -> None:
    rasa_patches.remove_all()
    import bot.nlu.spacy_offline  # noqa: F401  (what `rasa run` imports with the model)

    assert not any(PATCHES[name].applied or _patched(name) for name in PATCHES)
    assert rasa_patches.install("none") == frozenset()
    assert not any(_patched(name) for name in PATCHES)
    assert rasa_patches.install("event_type_cache, quick_slot_copy") == {
        "event_type_cache", "quick_slot_copy"}
    assert {name for name in PATCHES if _patched(name)} == {"event_type_cache",
                                                           "quick_slot_copy"}
    assert not rasa_patches.enabled("atomic_lock_store")
    rasa_patches.remove_all()
    assert not any(_patched(name) for name in PATCHES)
    assert rasa_patches.install(env={"SHOPDESK_RASA_PATCHES": ""}) == rasa_patches.selection("all")
    assert all(_patched(name) for name in PATCHES) and rasa_patches.enabled("atomic_lock_store")


def test_an_unknown_patch_name_is_named_with_the_setting() -> None:
    with pytest.raises(rasa_patches.PatchSettingError, match="SHOPDESK_RASA_PATCHES.*no_such"):
        rasa_patches.selection("event_type_cache,no_such")


def test_refused_on_another_rasa_version_with_one_log_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    rasa_patches.remove_all()
    monkeypatch.setitem(rasa_patches.WRITTEN_FOR, "rasa", "3.6.20")
    with caplog.at_level("WARNING", logger="bot.rasa_patches"):
        assert rasa_patches.install("all") == frozenset()
    refusals = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(refusals) == 1 and "rasa 3.6.21 (written for 3.6.20)" in refusals[0]
    assert not any(_patched(name) for name in PATCHES)
    assert not rasa_patches.enabled("atomic_lock_store")
    monkeypatch.undo()
    assert rasa_patches.install("all")  # back for the tests below


def test_valid_responses_pass(action: RemoteAction) -> None:
    _original(VALID)
    assert action._validate_action_result(VALID) is True
    assert action._validate_action_result({}) is True


def test_a_turns_events_reach_the_sql_broker_as_rasa_writes_them(tmp_path) -> None:
    """One transaction instead of one per event: the same rows, in the same order."""
    import sqlalchemy
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

    events = [
        UserUttered("where is order 10023?", {"name": "order_status", "confidence": 0.9}),
        SlotSet("order_number", "10023"),
        ActionExecuted("order_status_form"),
        BotUttered("What email address did you use?"),
    ]

    def rows(db: str) -> list[tuple[str, dict]]:
        engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / db}")
        with engine.connect() as conn:
            result = conn.execute(sqlalchemy.text("SELECT sender_id, data FROM events ORDER BY id"))
            return [(sender, json.loads(data)) for sender, data in result]

    ours = SQLEventBroker(dialect="sqlite", db=str(tmp_path / "ours.db"))
    store = InMemoryTrackerStore(Domain.empty(), event_broker=ours)
    asyncio.run(store._stream_new_events(ours, events, "shopper-1"))

    theirs = SQLEventBroker(dialect="sqlite", db=str(tmp_path / "theirs.db"))
    rasas = PATCHES["batched_sql_broker"].original  # one publish per event
    asyncio.run(rasas(store, theirs, events, "shopper-1"))

    assert rows("ours.db") == rows("theirs.db")
    assert [data["event"] for _, data in rows("ours.db")] == ["user", "slot", "action", "bot"]


def test_each_event_is_published_once_in_order_across_turns(tmp_path) -> None:
    """The tracker store publishes a turn's new events by counting the stored ones instead
    of rebuilding the conversation: over several turns (and a reload in between) the broker
    holds every event exactly once, in the tracker's order, like the tracker store."""
    import sqlalchemy
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    def conversation(name: str) -> tuple[list[dict], list[dict]]:
        broker = SQLEventBroker(dialect="sqlite", db=str(tmp_path / f"{name}-events.db"))
        store = SQLTrackerStore(Domain.empty(), dialect="sqlite",
                                db=str(tmp_path / f"{name}-tracker.db"), event_broker=broker)
        tracker = DialogueStateTracker.from_events("shopper-1", [
            SessionStarted(), ActionExecuted("action_listen"), UserUttered("hi"),
        ])
        asyncio.run(store.save(tracker))
        tracker.update(BotUttered("Hi! How can I help?"))
        tracker.update(ActionExecuted("action_listen"))
        asyncio.run(store.save(tracker))
        reloaded = asyncio.run(store.retrieve("shopper-1"))
        reloaded.update(UserUttered("where is my order?"))
        asyncio.run(store.save(reloaded))
        asyncio.run(store.save(reloaded))  # nothing new: nothing published

        def rows(db: str) -> list[dict]:
            engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / db}")
            with engine.connect() as conn:
                query = sqlalchemy.text("SELECT data FROM events ORDER BY id")
                return [json.loads(data) for (data,) in conn.execute(query)]

        return rows(f"{name}-events.db"), rows(f"{name}-tracker.db")

    published, stored = conversation("ours")
    assert [e["event"] for e in published] == [
        "session_started", "action", "user", "bot", "action", "user"]
    assert [(e["event"], e["timestamp"]) for e in published] == [
        (e["event"], e["timestamp"]) for e in stored]
    PATCHES["counting_sql_stream"].remove()
    try:
        rasas_published, _ = conversation("rasa")
    finally:
        PATCHES["counting_sql_stream"].apply()
    assert [(e["event"], e.get("text")) for e in published] == [
        (e["event"], e.get("text")) for e in rasas_published]


def _serve_and_call(calls: list, pauses: list[float], server_keepalive: float = 75.0):
    """An aiohttp server on loopback recording each request's client address, and
    Rasa's EndpointConfig.request calling it once per pause (after sleeping that long)."""
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    async def handler(request: web.Request) -> web.Response:
        body = await request.json()
        calls.append(
            {
                "peer": request.transport.get_extra_info("peername"),
                "auth": request.headers.get("Authorization"),
                "custom": request.headers.get("X-Shop"),
                "n": body["n"],
            }
        )
        return web.json_response({"echo": body["n"]})

    async def main() -> list:
        app = web.Application()
        app.router.add_post("/webhook", handler)
        runner = web.AppRunner(app, keepalive_timeout=server_keepalive)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        endpoint = EndpointConfig(
            url=f"http://127.0.0.1:{port}/webhook",
            headers={"X-Shop": "demo"},
            basic_auth={"username": "u", "password": "p"},
        )
        answers = []
        try:
            for n, pause in enumerate(pauses):
                await asyncio.sleep(pause)
                answers.append(await endpoint.request(json={"n": n}, method="post"))
        finally:
            await runner.cleanup()
        return answers

    return asyncio.run(main())


def test_action_calls_reuse_one_connection_with_rasas_headers_and_auth() -> None:
    calls: list = []
    answers = _serve_and_call(calls, [0, 0, 0, 0])
    assert answers == [{"echo": n} for n in range(4)]
    assert len({c["peer"] for c in calls}) == 1
    PATCHES["pooled_action_sessions"].remove()
    try:
        rasas_calls: list = []
        assert _serve_and_call(rasas_calls, [0, 0, 0, 0]) == answers
    finally:
        PATCHES["pooled_action_sessions"].apply()
    assert len({c["peer"] for c in rasas_calls}) == 4  # Rasa opens one connection a call
    assert [(c["custom"], c["auth"]) for c in calls] == [
        (c["custom"], c["auth"]) for c in rasas_calls]


def test_idle_or_server_closed_connections_are_replaced_without_errors() -> None:
    calls: list = []
    # idle longer than our keep-alive; then the server closing idle connections first
    pause = rasa_patches.POOLED_KEEPALIVE_SECONDS + 0.5
    answers = _serve_and_call(calls, [0, pause, 0])
    assert answers == [{"echo": n} for n in range(3)]
    assert calls[0]["peer"] != calls[1]["peer"] and calls[1]["peer"] == calls[2]["peer"]
    calls = []
    answers = _serve_and_call(calls, [0, 0.8, 0.8], server_keepalive=0.3)
    assert answers == [{"echo": n} for n in range(3)]


# Responses our action server sends, one per kind of event, and near misses of each.
EVENT_SAMPLES = [
    {"event": "slot", "name": "email", "value": None, "timestamp": 1.5},
    {"event": "slot", "name": "items", "value": [1, {"a": 2}], "metadata": {"x": 1}},
    {"event": "active_loop", "name": "order_form"},
    {"event": "active_loop", "name": None},
    {"event": "followup", "name": "action_listen"},
    {"event": "reset_slots"},
    {"event": "restart", "timestamp": None},
    {"event": "action", "name": "utter_greet", "policy": None, "confidence": 1,
     "hide_rule_turn": False},
    {"event": "bot", "text": "hello", "data": {"buttons": []}, "metadata": {}},
    {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet",
     "confidence": 0.9}, "entities": [{"entity": "email", "value": "a@b.c", "start": 0,
                                       "end": 5}]}},
    {"event": "entities", "entities": [{"entity": "product", "value": "jeans"}]},
    {"event": "session_started"},
    {"event": "pause"},
    {"event": "resume"},
    {"event": "agent", "text": "x"},
]
NEAR_MISSES = [
    {"event": "slot", "name": "email"},  # no value
    {"event": "slot", "value": 1},  # no name
    {"event": "slot", "name": 5, "value": 1},
    {"event": "no_such_event"},
    {"event": ["slot"], "name": "x", "value": 1},
    {"event": 7},
    {"name": "x"},
    {"event": "slot", "name": "x", "value": 1, "timestamp": "soon"},
    {"event": "slot", "name": "x", "value": 1, "metadata": []},
    {"event": "active_loop", "name": 3},
    {"event": "action", "hide_rule_turn": "no"},
    {"event": "user", "parse_data": {"entities": [{"entity": "x"}]}},
    {"event": "entities"},
    {"event": "entities", "entities": [{"value": 1}]},
    "slot",
    None,
    [],
]


def _rasa_accepts(result: object) -> bool:
    try:
        _original(result)
    except jsonschema.ValidationError:
        return False
    return True


def _responses() -> list[object]:
    out: list[object] = [{}, {"responses": []}, {"events": []}, {"events": None}, [], "x",
                         {"events": {}}, {"responses": [1]}, {"events": [], "extra": 1}]
    for event in EVENT_SAMPLES + NEAR_MISSES:
        out.append({"events": [event]})
        out.append({"events": [EVENT_SAMPLES[0], event], "responses": [{"text": "t"}]})
    return out


def test_the_event_type_check_accepts_exactly_what_the_schema_accepts() -> None:
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    accepts = rasa_patches.event_type_validator(schema, validator_class)
    assert accepts is not None
    results = _responses()
    verdicts = [(accepts(r), _rasa_accepts(r)) for r in results]
    assert [ours for ours, _ in verdicts] == [theirs for _, theirs in verdicts]
    # both kinds are in the sample: the check is neither always yes nor always no
    assert {theirs for _, theirs in verdicts} == {True, False}


def test_the_event_type_check_steps_aside_for_a_schema_of_another_shape() -> None:
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    item = schema["properties"]["events"]["items"]
    loose = {**item, "oneOf": [*item["oneOf"], {"properties": {"text": {"type": "string"}}}]}
    other = {**schema, "properties": {**schema["properties"],
                                      "events": {"type": "array", "items": loose}}}
    assert rasa_patches.event_type_validator(other, validator_class) is None


@pytest.mark.parametrize(
    "result", INVALID + [r for r in _responses() if not _rasa_accepts(r)][:12]
)
def test_invalid_responses_fail_like_rasa_does(action: RemoteAction, result: object) -> None:
    with pytest.raises(jsonschema.ValidationError) as ours:
        action._validate_action_result(result)
    with pytest.raises(jsonschema.ValidationError) as theirs:
        _original(result)
    assert ours.value.message == theirs.value.message
    assert "Failed to validate Action server response" in ours.value.message
    assert list(ours.value.path) == list(theirs.value.path)


def test_request_bodies_are_the_json_rasa_would_send() -> None:
    from rasa.shared.core.domain import Domain

    domain = Domain.load("bot/domain").as_dict()
    same_value = [
        domain,
        {"text": "päckchen / colis 📦 \\ \"quoted\"", "n": [1, -2, 3.25, 1e-7, 2**63 - 1]},
        {"slots": {"a": None, "b": True, "c": [], "d": {}}, "t": 1732712345.123456},
        {"big": 2**70},
    ]
    for value in same_value:
        assert json.loads(rasa_patches.request_json(value)) == value
    assert math.isnan(json.loads(rasa_patches.request_json({"nan": float("nan")}))["nan"])
    # what neither can write fails as json.dumps fails in Rasa
    with pytest.raises(TypeError, match="not JSON serializable"):
        rasa_patches.request_json({"x": object()})


def test_event_classes_are_resolved_as_rasa_resolves_them() -> None:
    import rasa.shared.utils.common
    from rasa.shared.core.events import Event, SlotSet, UserUttered

    assert _patched("event_type_cache")
    rasas = PATCHES["event_type_cache"].original

    names = {cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)}
    assert {"user", "bot", "action", "slot", "session_started"} <= names
    for _ in range(2):  # the second time from what was remembered
        for name in names:
            assert Event.resolve_by_type(name) is rasas(name)
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError) as ours:
        Event.resolve_by_type("no_such_event")
    with pytest.raises(ValueError) as theirs:
        rasas("no_such_event")
    assert str(ours.value) == str(theirs.value)
    # and a conversation rebuilt from stored events gets the same events back
    events = [UserUttered("hi", {"name": "greet", "confidence": 1.0}, timestamp=1.0),
              SlotSet("email", "a@b.c", timestamp=2.0)]
    assert [Event.from_parameters(e.as_dict()) for e in events] == events


def test_the_action_server_gets_the_domain_without_response_templates() -> None:
    """Everything rasa-sdk reads (slots, forms) and every other key exactly as Rasa sends it;
    only `responses`, which the Rasa server alone renders, stays behind."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot import paths

    domain = Domain.load(str(paths.ROOT / "bot" / "domain"))
    tracker = DialogueStateTracker.from_events("shopper", [], domain.slots)
    full = domain.as_dict()
    action = RemoteAction("action_order_status", None)
    sent = action._action_call_format(tracker, domain)
    rasas = PATCHES["lean_action_domain"].original(action, tracker, domain)
    assert full["responses"] and "responses" not in sent["domain"]
    assert rasas["domain"] == full
    assert sent == {**rasas, "domain": {k: v for k, v in full.items() if k != "responses"}}
    assert sent["domain"]["forms"] and sent["domain"]["slots"]
    assert sent["next_action"] == "action_order_status"
    assert sent["tracker"]["sender_id"] == "shopper"
    assert domain.as_dict() is full  # Rasa's own domain is left whole
    again = RemoteAction("action_order_status", None)._action_call_format(tracker, domain)
    assert again["domain"] is sent["domain"]  # made once per domain


def test_slots_copy_as_the_generic_copy_does() -> None:
    """`copy.copy` of a slot is the same shallow copy as Rasa's (same class, equal and shared
    attributes, a new object), for Rasa's slot types and the domain's slots; a slot class
    with its own pickle hook still gets the generic copy."""
    import copy

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.slots import (
        AnySlot,
        BooleanSlot,
        CategoricalSlot,
        FloatSlot,
        ListSlot,
        TextSlot,
    )

    from bot import paths

    mapping = [{"type": "from_text"}]
    slots = [
        TextSlot("t", mapping, initial_value="x"),
        BooleanSlot("b", mapping, initial_value=True),
        CategoricalSlot("c", mapping, values=["a", "b"], initial_value="a"),
        FloatSlot("f", mapping, initial_value=0.5, max_value=2.0),
        ListSlot("l", mapping, initial_value=["p", "q"]),
        AnySlot("a", mapping, initial_value={"k": 1}),
        *Domain.load(str(paths.ROOT / "bot" / "domain")).slots,
    ]
    for slot in slots:
        slot.value = slot.value  # marks it as set, as a conversation does
    PATCHES["quick_slot_copy"].remove()  # Rasa's Slot has no __copy__: the generic copy
    try:
        generics = [copy.copy(slot) for slot in slots]
    finally:
        PATCHES["quick_slot_copy"].apply()
    for slot, generic in zip(slots, generics, strict=True):
        quick = copy.copy(slot)
        assert quick is not slot and type(quick) is type(slot) is type(generic)
        assert quick.__dict__ == generic.__dict__ == slot.__dict__
        assert all(quick.__dict__[k] is v for k, v in slot.__dict__.items())  # shallow

    class Hooked(TextSlot):
        def __getstate__(self) -> dict:
            return {**self.__dict__, "hooked": True}

    hooked = copy.copy(Hooked("h", mapping))
    assert hooked.__dict__["hooked"] is True


def test_the_empty_domain_check_answers_as_rasa_does() -> None:
    """`Domain.is_empty()` gives Rasa's answer for an empty domain, a loaded one and small
    ones, without building a `Domain` per call."""
    from rasa.shared.core.domain import Domain

    from bot import paths

    assert _patched("quick_empty_domain_check")
    rasas_answer = PATCHES["quick_empty_domain_check"].original

    domains = [
        Domain.empty(),
        Domain.from_dict({}),
        Domain.load(str(paths.ROOT / "bot" / "domain")),
        Domain.from_dict({"intents": ["greet"]}),
        Domain.from_dict({"responses": {"utter_hi": [{"text": "hi"}]}}),
    ]
    answers = [domain.is_empty() for domain in domains]
    assert answers == [rasas_answer(domain) for domain in domains]
    assert answers == [True, True, False, False, False]


EVENT_BODIES = [
    [{"event": "bot", "text": "added to your request", "metadata": {"handoff": 3}}],
    {"event": "slot", "name": "language", "value": "de"},
    [],
    [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}}],
    {"event": "no_such_event"},
    [{"event": "slot"}],
    [{"text": "no event key"}],
    "not an event",
    None,
]


@pytest.mark.parametrize("body", EVENT_BODIES)
def test_posted_events_are_accepted_and_refused_as_rasa_does(body: object) -> None:
    from types import SimpleNamespace

    import rasa.server
    from rasa.server import ErrorResponse

    assert _patched("compiled_event_validation")
    request = SimpleNamespace(json=body)

    def outcome(validate: object) -> object:
        try:
            validate(request)  # type: ignore[operator]
        except ErrorResponse as error:
            return (error.status, error.error_info)
        return "accepted"

    ours = outcome(rasa.server.validate_events_in_request_body)
    assert ours == outcome(_rasas("compiled_event_validation"))
    assert (ours == "accepted") == (body in EVENT_BODIES[:4])
