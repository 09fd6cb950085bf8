"""Shopdesk's patches to Rasa 3.6.21: most found by profiling the Rasa server under load
(figures: docs/performance.md), two that make a failure loud instead of silent
(`strict_tracker_store`) or a clean stop quiet (`engineio_shutdown`). Rasa is frozen at that
version, which is what makes replacing a few of its functions defensible, and only like this:

- applied explicitly by the Rasa entry point (`python -m bot.rasa_cli`, which the launcher,
  training and the tests start), never as a side effect of an import;
- only on exactly the versions they were written for (`WRITTEN_FOR`): otherwise none is
  applied and one log line says which version differs;
- each by name: `SHOPDESK_RASA_PATCHES=all` (the default), `none`, or `name,name,...`
  (`make bench-load` passes it through, to measure what each is worth);
- each keeps the function it replaced (`Patch.original`): the tests compare every patch
  with Rasa's own function captured at run time, never with a copy of Rasa's code.

The patches (name: what it replaces, why):

- `action_response_validation` (RemoteAction._validate_action_result): Rasa validated every
  action-server response with `jsonschema.validate`, which re-checks the schema itself on
  each call (27% of the server's CPU). The schema is checked once; a response is checked
  event by event against the one `oneOf` branch its `event` names, ~10x quicker; anything
  that check refuses gets the full validation and Rasa's error.
- `batched_sql_broker` (TrackerStore._stream_new_events): the SQL event broker committed
  each event of a turn on its own (16% of the CPU); a turn's events go in one transaction,
  the same rows in the same order.
- `counting_sql_stream` (SQLTrackerStore.stream_events): to publish a turn's new events Rasa
  rebuilt the whole conversation only to count its events (10-15%); they are counted with
  the query Rasa's own `save` uses.
- `pooled_action_sessions` (EndpointConfig.session): each action call opened and closed a
  TCP connection (6.7%); each endpoint keeps one aiohttp session per event loop, idle
  connections closed after 2 s (before Sanic's 120 s or HAProxy's 10 s), and writes request
  bodies with ujson (the same JSON, 1.6-2.9x quicker).
- `batched_parsing` (MessageProcessor.parse_message): NLU ran on the event loop, one message
  per graph run; messages are parsed on one worker thread, those waiting when a run starts
  in one run of the same graph (each gets the parse it gets alone). Button payloads go to
  Rasa's RegexMessageHandler alone, which is what decided their parse anyway.
- `event_type_cache` (Event.resolve_by_type): Rasa walked every `Event` subclass for each
  stored event it read (~3%); the class found for a type name is remembered.
- `lean_action_domain` (RemoteAction._action_call_format): every action call carried the
  whole domain; the response templates (two thirds of it, which only Rasa renders) stay out.
- `quick_slot_copy` (Slot.__copy__): each conversation state copies every slot through the
  pickle protocol (~4%); the same shallow copy, made directly (3.8x quicker).
- `quick_empty_domain_check` (Domain.is_empty): built a whole empty Domain per message to
  compare with (~0.7 ms); its dictionary is built once.
- `strict_tracker_store` (Agent._create_tracker_store): Rasa wraps the tracker store in a
  `FailSafeTrackerStore` that, on any error, logs it and carries on with an in-memory
  store: with PostgreSQL down a conversation silently started again from nothing and none
  of it was stored. The same wrapper is built with its public `on_tracker_store_error`
  callback set to raise `TrackerStoreUnavailable` from the error, so the turn fails and the
  channel answers 503 with `Retry-After` (bot/turns.py). A working store is used as before.
- `sql_errors_not_exit` (SQLTrackerStore.session_scope): Rasa's scope turned *any*
  `ValueError` raised while reading or writing a conversation into "schema not found" and
  `sys.exit(1)`; a lone surrogate in a sender id or an action name (a `UnicodeEncodeError`)
  stopped the whole server. Only the schema check itself still stops it (at start-up, as
  Rasa meant); an error of the query leaves as itself, fails that turn or API call, and the
  process keeps serving.
- `atomic_lock_store` (bot.lock_store.AtomicRedisLockStore): a switch, not an attribute:
  off, the production profile's lock store behaves as Rasa's RedisLockStore.
- `engineio_shutdown` (bot/channels.py): a switch, not an attribute: python-engineio 4.5
  runs ping tasks it offers no way to stop; when the server stops, the socket.io channel
  cancels the tasks running engineio's code, instead of asyncio logging "Task was destroyed
  but it is pending!" as an ERROR at every shutdown.

Not switchable, but held to the same version check: the socket.io channel's guard
(bot/channels.py reads python-socketio's handler table), which refuses to start on other
versions rather than run an unguarded channel. No switch because it is the channel's input
check (message length, rate limit, client address), not a speed-up: off, hostile input
would reach Rasa unchecked.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import import_module, metadata
from typing import Any

from common import fast_json

logger = logging.getLogger(__name__)

SETTING = "SHOPDESK_RASA_PATCHES"
# The installed distributions the patches were written and tested against.
WRITTEN_FOR = {"rasa": "3.6.21", "jsonschema": "4.17.3", "aiohttp": "3.9.5",
               "SQLAlchemy": "1.4.54", "python-socketio": "5.8.0", "python-engineio": "4.5.1"}
_ABSENT = object()  # the class did not define the attribute itself


class PatchSettingError(ValueError):
    """SHOPDESK_RASA_PATCHES names a patch that does not exist; the message lists them."""


@dataclass
class Patch:
    """One replaced attribute: `build(original)` makes the replacement."""

    name: str
    owner: str  # "module:Class"
    attribute: str
    build: Callable[[Any], Any]
    original: Any = field(default=None, repr=False)  # Rasa's function, once applied
    applied: bool = False
    _raw: Any = field(default=None, repr=False)  # the class attribute as Rasa defined it

    def target(self) -> Any:
        """The class ("module:Class") or module ("module") that holds the attribute."""
        module, _, cls = self.owner.partition(":")
        return getattr(import_module(module), cls) if cls else import_module(module)

    def apply(self) -> None:
        if self.applied:
            return
        owner = self.target()
        raw = owner.__dict__.get(self.attribute, _ABSENT)
        if raw is _ABSENT:  # inherited, or not there at all (None)
            self.original = getattr(owner, self.attribute, None)
        else:
            self.original = raw.__func__ if isinstance(raw, staticmethod) else raw
        replacement = self.build(self.original)
        if isinstance(raw, staticmethod):
            replacement = staticmethod(replacement)
        setattr(owner, self.attribute, replacement)
        self._raw = raw
        self.applied = True

    def remove(self) -> None:
        """Puts Rasa's own attribute back (tests compare both ways in one process)."""
        if not self.applied:
            return
        owner = self.target()
        if self._raw is _ABSENT:
            delattr(owner, self.attribute)
        else:
            setattr(owner, self.attribute, self._raw)
        self.applied = False


# Switches that are not an attribute replacement (see the module docstring).
SWITCHES = frozenset({"atomic_lock_store", "engineio_shutdown"})
_enabled: frozenset[str] | None = None  # what `install` applied; None: not installed


def selection(raw: str | None) -> frozenset[str]:
    """The patch names a SHOPDESK_RASA_PATCHES value selects (all by default)."""
    names = frozenset(PATCHES) | SWITCHES
    value = (raw or "all").strip().lower()
    if value == "all":
        return names
    if value == "none":
        return frozenset()
    chosen = frozenset(part.strip() for part in value.split(",") if part.strip())
    unknown = sorted(chosen - names)
    if unknown:
        raise PatchSettingError(
            f"{SETTING}: no patch named {', '.join(unknown)}; "
            f"use all, none or some of {', '.join(sorted(names))}"
        )
    return chosen


def version_mismatches(written_for: Mapping[str, str] | None = None) -> list[str]:
    """`name installed (written for version)` for each distribution that differs from
    `written_for` (default: WRITTEN_FOR)."""
    found = []
    for name, wanted in (WRITTEN_FOR if written_for is None else written_for).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != wanted:
            found.append(f"{name} {installed} (written for {wanted})")
    return found


def install(raw: str | None = None, *, env: Mapping[str, str] | None = None) -> frozenset[str]:
    """Applies the selected patches (once per process) and returns their names: `raw`, else
    SHOPDESK_RASA_PATCHES from `env` (default: the process environment). None on versions
    they were not written for, with one log line."""
    global _enabled
    env = os.environ if env is None else env
    wanted = selection(raw if raw is not None else env.get(SETTING))
    mismatches = version_mismatches()
    if wanted and mismatches:
        logger.warning("Rasa patches refused, Rasa runs unpatched: %s", "; ".join(mismatches))
        wanted = frozenset()
    for name in sorted(wanted - SWITCHES):
        PATCHES[name].apply()
    _enabled = wanted
    if wanted:
        logger.info("Rasa patches applied: %s", ", ".join(sorted(wanted)))
    return wanted


def enabled(name: str) -> bool:
    """Whether a patch or switch is on: as installed, or (nothing installed in this
    process, e.g. a test building a lock store) by SHOPDESK_RASA_PATCHES and the versions."""
    if _enabled is not None:
        return name in _enabled
    return name in selection(os.environ.get(SETTING)) and not version_mismatches()


def remove_all(names: Iterable[str] | None = None) -> None:
    """Puts Rasa's own attributes back (for tests)."""
    global _enabled
    for name in names or list(PATCHES):
        PATCHES[name].remove()
    _enabled = None


# --- compiled_event_validation ----------------------------------------------------------


def _compiled_event_validation(original: Any) -> Any:
    """Rasa's HTTP API checks every event posted to a conversation with
    `jsonschema.validate`, which checks the schema itself and builds a validator on every
    call (most of the time it takes; the handoff service posts its "added to your request"
    messages this way). The schema is checked and the validator built once here; the
    events are validated and the error reported exactly as `jsonschema.validate` and Rasa
    do."""
    from http import HTTPStatus

    from jsonschema import exceptions, validators
    from rasa.server import ErrorResponse, _docs
    from rasa.shared.utils.schemas.events import EVENTS_SCHEMA

    validator_class = validators.validator_for(EVENTS_SCHEMA)
    validator_class.check_schema(EVENTS_SCHEMA)
    validator = validator_class(EVENTS_SCHEMA)

    def validate_events_in_request_body(request: Any) -> None:
        events = request.json if isinstance(request.json, list) else [request.json]
        error = exceptions.best_match(validator.iter_errors(events))
        if error is None:
            return
        raise ErrorResponse(
            HTTPStatus.BAD_REQUEST,
            "BadRequest",
            f"Failed to validate the events format. "
            f"For more information about the format visit the docs. Error: {error}",
            help_url=_docs("/pages/http-api"),
        ) from error

    return validate_events_in_request_body


# --- action_response_validation ---------------------------------------------------------


def _action_response_validation(original: Any) -> Any:
    from jsonschema import exceptions, validators
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    accepts = event_type_validator(schema, validator_class)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        if accepts is not None and accepts(result):
            return True
        error = exceptions.best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    return _validate_action_result


def event_type_validator(schema: dict[str, Any], validator_class: Any) -> Any:
    """A quicker check that accepts only what `schema` (Rasa's action-response schema)
    accepts, or None when the schema is not of the shape this relies on.

    Each event in the response must match exactly one of 23 `oneOf` branches, and jsonschema
    tries every branch for every event (most of the validation's time). Every branch pins
    `event` to its own constant and the event itself is required, so an event can only ever
    match the branch named by its `event`: checking that branch alone (with the common
    properties) decides the same. Anything this does not accept goes through the full
    validation, which gives Rasa's error."""
    try:
        events = schema["properties"]["events"]
        item = events["items"]
        branches = item["oneOf"]
    except (KeyError, TypeError):
        return None
    common = {key: value for key, value in item.items() if key != "oneOf"}
    if "event" not in common.get("required", ()):
        return None
    by_event: dict[str, Any] = {}
    for branch in branches:
        const = branch.get("properties", {}).get("event", {}).get("const")
        if set(branch) - {"properties", "required"} or not isinstance(const, str) or (
            const in by_event
        ):
            return None
        by_event[const] = validator_class({"allOf": [common, branch]})
    outer = validator_class({
        **schema,
        "properties": {
            **schema["properties"],
            "events": {key: value for key, value in events.items() if key != "items"},
        },
    })

    def accepts(result: Any) -> bool:
        if not outer.is_valid(result):
            return False
        for event in result.get("events") or ():
            name = event.get("event") if isinstance(event, dict) else None
            check = by_event.get(name) if isinstance(name, str) else None
            if check is None or not check.is_valid(event):
                return False
        return True

    return accepts


# The body of a request to the action server: the conversation and the domain, on every
# action call; ujson writes the domain 2.9x and a conversation 1.6x faster than `json.dumps`.
request_json = fast_json.dumps


# an idle pooled connection is closed after this many seconds
POOLED_KEEPALIVE_SECONDS = 2.0


class _BorrowedSession:
    """`async with` over a shared session that does not close it on exit."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *exc: Any) -> None:
        return None


def _pooled_action_sessions(original: Any) -> Any:
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    def session(self: EndpointConfig) -> Any:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop: nothing to share a session on
            loop = None
        pool: dict[Any, aiohttp.ClientSession] = self.__dict__.setdefault(
            "_pooled_sessions", {}
        )
        for old in [k for k, s in pool.items() if k.is_closed() or s.closed]:
            del pool[old]
        shared = pool.get(loop) if loop is not None else None
        if shared is None:
            auth = None
            if self.basic_auth:
                auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
            shared = aiohttp.ClientSession(
                headers=self.headers,
                auth=auth,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=POOLED_KEEPALIVE_SECONDS),
                json_serialize=request_json,
            )
            if loop is None:
                return shared  # Rasa's behaviour: the caller's `async with` closes it
            pool[loop] = shared
        return _BorrowedSession(shared)

    return session


# at most this many messages in one run of the NLU graph
MAX_PARSE_BATCH = 16


class _ParseBatcher:
    """One worker thread parsing the messages of one processor in batches."""

    def __init__(self, processor: Any) -> None:
        import threading
        from concurrent.futures import ThreadPoolExecutor

        self._processor = processor
        self._lock = threading.Lock()
        self._pending: list[tuple[Any, Any, bool, asyncio.Future, asyncio.AbstractEventLoop]] = []
        self._draining = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlu-batch")
        self.runs = 0  # runs of the NLU graph, for tests and diagnostics
        self._regex_handler: tuple[Any, Any] | None = None

    async def parse(self, message: Any, tracker: Any, only_output_properties: bool) -> Any:
        payload = self._payload(message, only_output_properties)
        if payload is not None:
            return payload
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        with self._lock:
            self._pending.append((message, tracker, only_output_properties, future, loop))
            start = not self._draining
            self._draining = True
        if start:
            self._executor.submit(self._drain)
        return await future

    def _payload(self, message: Any, only_output: bool) -> dict[str, Any] | None:
        """What the NLU graph returns for a button payload, without running the pipeline."""
        from rasa.shared.constants import INTENT_MESSAGE_PREFIX
        from rasa.shared.nlu.constants import TEXT
        from rasa.shared.nlu.training_data.message import Message

        try:
            text = message.text
        except Exception:  # noqa: BLE001 - the pipeline reports it, as in Rasa
            return None
        if not isinstance(text, str) or not text.strip().startswith(INTENT_MESSAGE_PREFIX):
            return None
        if self._regex_handler is None:
            self._regex_handler = _regex_handler_for(self._processor)
        handler, domain = self._regex_handler
        if handler is None:
            return None
        given = Message(data={TEXT: text})
        (unpacked,) = handler.process([given], domain)
        if unpacked is given:  # not unpacked: the pipeline decides, as in Rasa
            return None
        return _parse_data(unpacked, only_output)

    def _drain(self) -> None:
        batch: list[Any] = []
        try:
            while True:
                with self._lock:
                    batch = self._pending[:MAX_PARSE_BATCH]
                    del self._pending[:MAX_PARSE_BATCH]
                    if not batch:
                        self._draining = False
                        return
                for flag in (True, False):
                    part = [item for item in batch if item[2] is flag]
                    if part:
                        self._run(part, flag)
        except BaseException as error:  # never leave a caller waiting for ever
            with self._lock:
                stranded = batch + self._pending
                self._pending = []
                self._draining = False
            for _, _, _, future, loop in stranded:
                _hand_over(loop, future, _Failure(error))
            raise

    def _run(self, batch: list[tuple[Any, Any, bool, Any, Any]], only_output: bool) -> None:
        try:
            results: list[Any] = self._parse_all([item[0] for item in batch], batch[0][1],
                                                 only_output)
        except Exception as error:  # noqa: BLE001 - one bad message must not fail the others
            if len(batch) == 1:
                results = [_Failure(error)]
            else:
                results = []
                for item in batch:
                    try:
                        results += self._parse_all([item[0]], item[1], only_output)
                    except Exception as own:  # noqa: BLE001 - handed to that message's caller
                        results.append(_Failure(own))
        for (_, _, _, future, loop), result in zip(batch, results, strict=True):
            _hand_over(loop, future, result)

    def _parse_all(self, messages: list[Any], tracker: Any, only_output: bool) -> list[Any]:
        self.runs += 1
        processor = self._processor
        if len(messages) == 1:  # Rasa's own code
            return [processor._parse_message_with_graph(messages[0], tracker, only_output)]
        from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER

        target = processor.model_metadata.nlu_target
        results = processor.graph_runner.run(
            inputs={PLACEHOLDER_MESSAGE: messages, PLACEHOLDER_TRACKER: tracker},
            targets=[target],
        )
        parsed = [_parse_data(message, only_output) for message in results[target]]
        if len(parsed) != len(messages):
            raise RuntimeError(f"NLU graph returned {len(parsed)} of {len(messages)} messages")
        return parsed


def _parse_data(message: Any, only_output: bool) -> dict[str, Any]:
    """What Rasa's `_parse_message_with_graph` returns for a parsed message."""
    from rasa.shared.nlu.constants import (
        ENTITIES,
        INTENT,
        INTENT_NAME_KEY,
        PREDICTED_CONFIDENCE_KEY,
        TEXT,
    )

    parse_data = {
        TEXT: "",
        INTENT: {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0},
        ENTITIES: [],
    }
    parse_data.update(message.as_dict(only_output_properties=only_output))
    return parse_data


def _regex_handler_for(processor: Any) -> tuple[Any, Any]:
    """Rasa's RegexMessageHandler and the domain the NLU graph gives it; (None, None) when
    the graph does not end in that handler."""
    from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler

    schema = processor.model_metadata.predict_schema
    node = schema.nodes.get(processor.model_metadata.nlu_target)
    if node is None or node.uses is not RegexMessageHandler or node.fn != "process":
        return None, None
    domain = None
    provider = node.needs.get("domain")
    if provider is not None:
        domain = processor.graph_runner.run(targets=[provider])[provider]
    return RegexMessageHandler(), domain


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def _hand_over(loop: asyncio.AbstractEventLoop, future: asyncio.Future, result: Any) -> None:
    try:
        loop.call_soon_threadsafe(_resolve, future, result)
    except RuntimeError:  # the caller's loop is closed: nobody is waiting
        pass


def _resolve(future: asyncio.Future, result: Any) -> None:
    if future.done():  # the caller went away (cancelled)
        return
    if isinstance(result, _Failure):
        future.set_exception(result.error)
    else:
        future.set_result(result)


def _nlu_reads_tracker(processor: Any) -> bool:
    from rasa.engine.constants import PLACEHOLDER_TRACKER

    schema = processor.model_metadata.predict_schema.minimal_graph_schema(
        [processor.model_metadata.nlu_target]
    )
    return any(PLACEHOLDER_TRACKER in node.needs.values() for node in schema.nodes.values())


def _batched_parsing(rasa_parse_message: Any) -> Any:
    import copy

    import structlog
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.trackers import DialogueStateTracker

    processor_log = logging.getLogger("rasa.core.processor")

    async def parse_message(
        self: MessageProcessor,
        message: Any,
        tracker: DialogueStateTracker | None = None,
        only_output_properties: bool = True,
    ) -> dict[str, Any]:
        batcher = self.__dict__.get("_shopdesk_parse_batcher")
        if batcher is None:
            if self.http_interpreter or _nlu_reads_tracker(self):
                batcher = False
            else:
                batcher = _ParseBatcher(self)
            self.__dict__["_shopdesk_parse_batcher"] = batcher
        if batcher is False:
            return await rasa_parse_message(self, message, tracker, only_output_properties)
        if tracker is None:
            tracker = DialogueStateTracker.from_events(message.sender_id, [])
        parse_data = await batcher.parse(message, tracker, only_output_properties)
        # the rest of Rasa's parse_message, on the loop
        self._update_full_retrieval_intent(parse_data)
        if processor_log.isEnabledFor(logging.DEBUG):
            structlog.get_logger().debug(
                "processor.message.parse",
                parse_data_text=copy.deepcopy(parse_data["text"]),
                parse_data_intent=parse_data["intent"],
                parse_data_entities=copy.deepcopy(parse_data["entities"]),
            )
        self._check_for_unseen_features(parse_data)
        return parse_data

    return parse_message


def _batched_sql_broker(per_event: Any) -> Any:
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import TrackerStore

    async def _stream_new_events(
        self: TrackerStore, event_broker: Any, new_events: list[Any], sender_id: str
    ) -> None:
        # Only Rasa's own SQL broker: anything else (or a subclass with its own publish)
        # keeps Rasa's one-publish-per-event behaviour.
        if type(event_broker) is not SQLEventBroker:
            await per_event(self, event_broker, new_events, sender_id)
            return
        rows = []
        for event in new_events:
            body = {"sender_id": sender_id}
            body.update(event.as_dict())
            rows.append(
                SQLEventBroker.SQLBrokerEvent(sender_id=body["sender_id"], data=json.dumps(body))
            )
        if not rows:
            return

        def write() -> None:
            with event_broker.session_scope() as session:
                session.add_all(rows)
                session.commit()

        if _off_the_loop(event_broker.engine):
            await asyncio.to_thread(write)
        else:
            write()

    return _stream_new_events


def _counting_sql_stream(original: Any) -> Any:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    async def stream_events(self: SQLTrackerStore, tracker: DialogueStateTracker) -> None:
        if self.event_broker is None:
            return
        # Rasa: new = tracker.events[len(retrieve(sender).events):], where retrieve reads
        # the events since the last session start; _additional_events slices at the count
        # of exactly those rows.
        with self.session_scope() as session:
            new_events = list(self._additional_events(session, tracker))
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

    return stream_events


def _off_the_loop(engine: Any) -> bool:
    """Queries on a server database go to a worker thread; SQLite stays on the loop."""
    return engine.dialect.name != "sqlite"


def _event_type_cache(original: Any) -> Any:
    known: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        found = known.get(type_name) if isinstance(type_name, str) else None
        if found is not None:
            return found
        resolved = original(type_name, default)
        if resolved is not None and resolved is not default:
            known[type_name] = resolved
        return resolved

    return resolve_by_type


# what the action server does not get of the domain
DOMAIN_KEYS_NOT_SENT = frozenset({"responses"})


def domain_for_action_server(domain: dict[str, Any]) -> dict[str, Any]:
    """The domain as sent to the action server: Rasa's, without the response templates."""
    return {k: v for k, v in domain.items() if k not in DOMAIN_KEYS_NOT_SENT}


def _lean_action_domain(original: Any) -> Any:
    from rasa.core.actions.action import RemoteAction

    # Rasa's `Domain.as_dict()` returns the same dict for the life of a model, so its lean
    # copy is made once per domain (a new model brings a new dict, hence a new copy).
    last: list[Any] = [None, None]  # [Rasa's domain dict, its lean copy]

    def _action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> dict[str, Any]:
        result = original(self, tracker, domain)
        full = result.get("domain")
        if isinstance(full, dict):
            if last[0] is not full:
                last[:] = [full, domain_for_action_server(full)]
            result["domain"] = last[1]
        return result

    return _action_call_format


def _quick_slot_copy(original: Any) -> Any:
    import copy

    from rasa.shared.core.slots import Slot

    if original is not None:
        raise RuntimeError("Slot has a __copy__ of its own: quick_slot_copy is not for it")

    def plain(cls: type) -> bool:
        """Whether `copy.copy` of a `cls` instance is "same class, same `__dict__`"."""
        return (
            cls.__reduce_ex__ is object.__reduce_ex__
            and cls.__reduce__ is object.__reduce__
            and cls.__getstate__ is object.__getstate__  # type: ignore[attr-defined]
            and not any("__slots__" in vars(k) for k in cls.__mro__)
        )

    plain_classes: dict[type, bool] = {}

    def __copy__(self: Slot) -> Slot:  # noqa: N807
        cls = type(self)
        is_plain = plain_classes.get(cls)
        if is_plain is None:
            is_plain = plain_classes[cls] = plain(cls)
        if not is_plain:  # what `copy.copy` does without a `__copy__`
            return copy._reconstruct(self, None, *self.__reduce_ex__(4))  # type: ignore[attr-defined]
        new = object.__new__(cls)
        new.__dict__.update(self.__dict__)
        return new

    return __copy__


def _quick_empty_domain_check(original: Any) -> Any:
    from rasa.shared.core.domain import Domain

    empty: list[dict[str, Any]] = []  # the empty domain's dictionary, built on first use

    def is_empty(self: Domain) -> bool:
        """Check whether the domain is empty."""
        if not empty:
            empty.append(Domain.empty().as_dict())
        return self.as_dict() == empty[0]

    return is_empty


class TrackerStoreUnavailable(RuntimeError):
    """The tracker store could not read or write a conversation; `__cause__` says why."""


def fail_the_turn(error: Exception) -> None:
    """FailSafeTrackerStore's error callback (`strict_tracker_store`): the error leaves the
    turn instead of the conversation going on in memory."""
    raise TrackerStoreUnavailable(f"the tracker store failed: {error}") from error


def _strict_tracker_store(original: Any) -> Any:
    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, TrackerStore
    from rasa.shared.core.domain import Domain

    def _create_tracker_store(store: TrackerStore | None, domain: Domain) -> TrackerStore:
        # Rasa's own body, with the wrapper's error callback set
        if store is not None:
            store.domain = domain
        else:
            store = InMemoryTrackerStore(domain)
        return FailSafeTrackerStore(store, on_tracker_store_error=fail_the_turn)

    return _create_tracker_store


def _sql_errors_not_exit(original: Any) -> Any:
    import contextlib

    import rasa.core.tracker_store as tracker_store

    @contextlib.contextmanager
    def session_scope(self: Any) -> Any:
        # Rasa's own body, with its `except ValueError` around the schema check alone.
        session = self.sessionmaker()
        try:
            try:
                tracker_store.ensure_schema_exists(session)
            except ValueError as e:
                tracker_store.rasa.shared.utils.cli.print_error_and_exit(
                    f"Requested PostgreSQL schema '{e}' was not found in the database. To "
                    f"continue, please create the schema by running 'CREATE DATABASE {e};' "
                    f"or unset the '{tracker_store.POSTGRESQL_SCHEMA}' environment variable "
                    f"in order to use the default schema. Exiting application."
                )
            yield session
        finally:
            session.close()

    return session_scope


PATCHES: dict[str, Patch] = {
    patch.name: patch
    for patch in (
        Patch("action_response_validation", "rasa.core.actions.action:RemoteAction",
              "_validate_action_result", _action_response_validation),
        Patch("batched_sql_broker", "rasa.core.tracker_store:TrackerStore",
              "_stream_new_events", _batched_sql_broker),
        Patch("counting_sql_stream", "rasa.core.tracker_store:SQLTrackerStore",
              "stream_events", _counting_sql_stream),
        Patch("pooled_action_sessions", "rasa.utils.endpoints:EndpointConfig", "session",
              _pooled_action_sessions),
        Patch("batched_parsing", "rasa.core.processor:MessageProcessor", "parse_message",
              _batched_parsing),
        Patch("event_type_cache", "rasa.shared.core.events:Event", "resolve_by_type",
              _event_type_cache),
        Patch("lean_action_domain", "rasa.core.actions.action:RemoteAction",
              "_action_call_format", _lean_action_domain),
        Patch("quick_slot_copy", "rasa.shared.core.slots:Slot", "__copy__", _quick_slot_copy),
        Patch("quick_empty_domain_check", "rasa.shared.core.domain:Domain", "is_empty",
              _quick_empty_domain_check),
        Patch("strict_tracker_store", "rasa.core.agent:Agent", "_create_tracker_store",
              _strict_tracker_store),
        Patch("sql_errors_not_exit", "rasa.core.tracker_store:SQLTrackerStore",
              "session_scope", _sql_errors_not_exit),
        Patch("compiled_event_validation", "rasa.server", "validate_events_in_request_body",
              _compiled_event_validation),
    )
}
