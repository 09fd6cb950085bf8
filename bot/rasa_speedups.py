"""Speed fixes for Rasa 3.6 inside the Rasa server, found by profiling (docs/performance.md).

1. Rasa checks every action server response against a JSON schema with
   `jsonschema.validate`, which re-validates the *schema itself* (`check_schema`) on every
   call. With the pinned jsonschema 4.17 that took 27% of the Rasa server's CPU under load
   (py-spy), more than NLU. Here the schema is checked once and one validator is reused:
   the same responses are accepted and refused, with the same error and message. A
   response is first checked event by event against only the schema branch its event
   type names (`event_type_validator`): it accepts exactly what the full schema accepts,
   ~10x quicker; anything it does not accept gets the full validation and Rasa's error.
2. The SQL event broker (production profile) commits each new event of a turn in its own
   transaction (~10 per turn: 16% of the CPU). Here a turn's events are written in one
   transaction: the same rows in the same order, all or none.
3. Before publishing a turn's new events, the SQL tracker store re-read and rebuilt the
   whole conversation from the database only to count its events (10-15% of the CPU, and
   a synchronous query that blocks the server's event loop). Here it counts them with the
   query its own `save` uses for the same purpose: the same events are published.
4. Rasa's SQL tracker store and SQL broker run their queries synchronously inside the
   server's one event loop, so while one conversation waits for PostgreSQL every other
   conversation on that instance waits too. On a server database (not SQLite, whose
   single writer gains nothing and would see "database is locked") the tracker store's
   reads and writes and the broker's insert run in worker threads, so the loop serves
   other conversations meanwhile. One conversation's turns stay serial: the lock store
   holds its lock across the whole turn, save included. The same rows are written in
   the same order; a turn's new events are counted once instead of twice.
5. Every call to the action server (1-3 a turn) opened a new aiohttp session, so a new TCP
   connection, and closed it (6.7% of the CPU). Here each endpoint keeps one session per
   event loop and reuses its connections; an idle connection is dropped after 2 s, well
   before the action server or the balancer closes it (Sanic 120 s, HAProxy 10 s), so a
   request never lands on a connection the other side is closing. Same headers, auth and
   timeout as Rasa's own session. The request body is written with ujson (`request_json`):
   the same JSON value, 1.6x quicker for a conversation and 2.9x for the domain Rasa sends
   with each call.
6. Rasa parses each message (NLU) synchronously on the server's one event loop, one message
   per run of the NLU graph: while MiniLM embeds one message (the largest share of the CPU)
   every other conversation on that instance waits, and under load each message reads the
   encoder's ~88 MB of weights on its own. Here messages are parsed on one worker thread
   that takes every message waiting when it starts a run and parses them in one run of the
   same graph (group commit: a message arriving at an idle server runs at once, alone;
   under load, messages that queued during a run share the next). The NLU components
   already take lists of messages; the encoder pads a batch with an attention mask, so each
   message's intent, entities and confidences are the same as parsed alone (tested). The
   loop meanwhile serves other conversations (numpy releases the GIL while it multiplies).
   Not for a model whose NLU graph reads the tracker (none of Rasa's NLU components do),
   nor with an HTTP interpreter: those keep Rasa's behaviour.
   A button's payload (`/intent{"entity": "value"}`) is not run through the pipeline: Rasa
   ran every component on it and then replaced the whole result with what its
   RegexMessageHandler unpacks from the payload, so the handler alone (Rasa's, with the
   model's domain) gives the same parse. A payload the handler does not unpack (an unknown
   intent, bad syntax) goes through the pipeline as before.
7. Rebuilding a conversation from stored events looks up each event's class by its type
   name (`Event.resolve_by_type`), and Rasa walks the whole tree of `Event` subclasses
   (with an `inspect.isabstract` check per class) for every event: ~3% of the CPU. Here
   the class found for a type name is remembered (`Event` classes do not change once the
   server runs); an unknown name still goes to Rasa's code (its default or its error).

8. Every call to the action server carries the whole domain (~27 kB for Shopdesk's), and
   two thirds of it are the response templates, which only the Rasa server renders:
   rasa-sdk reads a domain's `slots` and `forms` only (form validation), and no Shopdesk
   action reads the domain otherwise. Here the domain sent to the action server leaves out
   `responses` (everything else as Rasa sends it; `domain_for_action_server`): Rasa writes
   and the action server reads 18 kB less per call.

9. Every conversation state Rasa builds (each policy's featurisation replays the tracker;
   forms travel back in time) starts with a copy of every slot, by `copy.copy`, which goes
   through the generic pickle protocol: ~4.6 us a slot, 31 slots, several times a
   prediction (~4% of the CPU under load). Here `Slot.__copy__` makes the same shallow copy
   directly (a new instance of the same class with the same attributes), ~3.8x quicker; a
   slot class with its own copy or pickle hooks keeps the generic way.

10. For every message Rasa checks the parse against the domain
   (`MessageProcessor._check_for_unseen_features`), which first asks `Domain.is_empty()`,
   and that builds a whole new empty `Domain` (`Domain.from_dict({})`) to compare
   dictionaries with: ~0.7 ms a message, ~2% of the Rasa server's samples in a profile of
   the slowest turn. Here the empty domain's dictionary is built once, on the first call,
   and every call compares with it: the same answer (tested), as `Domain.as_dict()` is
   what Rasa compares too.

Installed when the model's first component is imported (`bot.nlu.spacy_offline`), the
earliest point our code runs inside `rasa run`, `rasa shell` and `rasa test`. (It lives
outside bot/nlu/ so that changing it does not change the model's fingerprint: it changes
how Rasa runs, not what the model learned.)
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from common import fast_json

_installed = False


def install() -> bool:
    """Installs the ten fixes above (once per process); False outside the Rasa engine."""
    global _installed
    if _installed:
        return True
    try:
        from jsonschema import exceptions, validators
        from rasa.core.actions.action import RemoteAction
        from rasa.shared.constants import DOCS_BASE_URL
    except ImportError:  # not inside the Rasa engine's environment
        return False

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

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    _install_batched_sql_broker()
    _install_counting_sql_stream()
    _install_threaded_sql_tracker_store()
    _install_pooled_endpoint_sessions()
    _install_batched_parsing()
    _install_event_type_cache()
    _install_lean_action_domain()
    _install_quick_slot_copy()
    _install_quick_empty_domain_check()
    _installed = True
    return True


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


# an idle pooled connection is closed after this many seconds (see fix 5)
POOLED_KEEPALIVE_SECONDS = 2.0


class _BorrowedSession:
    """`async with` over a shared session that does not close it on exit."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *exc: Any) -> None:
        return None


def _install_pooled_endpoint_sessions() -> None:
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    if EndpointConfig.session.__module__ == __name__:
        return

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

    EndpointConfig.session = session  # type: ignore[method-assign]


# at most this many messages in one run of the NLU graph (see fix 6)
MAX_PARSE_BATCH = 16


class _ParseBatcher:
    """One worker thread parsing the messages of one processor in batches (fix 6)."""

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


def _install_batched_parsing() -> None:
    import copy
    import logging

    import structlog
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.trackers import DialogueStateTracker

    if MessageProcessor.parse_message.__module__ == __name__:
        return
    rasa_parse_message = MessageProcessor.parse_message
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

    MessageProcessor.parse_message = parse_message  # type: ignore[method-assign]


def _install_batched_sql_broker() -> None:
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import TrackerStore

    per_event = TrackerStore._stream_new_events

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

    TrackerStore._stream_new_events = _stream_new_events  # type: ignore[method-assign]


def _install_counting_sql_stream() -> None:
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

    SQLTrackerStore.stream_events = stream_events  # type: ignore[method-assign]


def _off_the_loop(engine: Any) -> bool:
    """Queries on a server database go to a worker thread; SQLite stays on the loop."""
    return engine.dialect.name != "sqlite"


def _install_threaded_sql_tracker_store() -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    rasa_retrieve = SQLTrackerStore._retrieve
    rasa_save = SQLTrackerStore.save

    def retrieve_blocking(
        self: SQLTrackerStore, sender_id: str, all_sessions: bool
    ) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            rows = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=all_sessions
            ).all()
            events = [json.loads(row.data) for row in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def _retrieve(
        self: SQLTrackerStore, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        if not _off_the_loop(self.engine):
            return await rasa_retrieve(self, sender_id, fetch_events_from_all_sessions)
        return await asyncio.to_thread(
            retrieve_blocking, self, sender_id, fetch_events_from_all_sessions
        )

    def new_events_blocking(self: SQLTrackerStore, tracker: DialogueStateTracker) -> list[Any]:
        with self.session_scope() as session:
            return list(self._additional_events(session, tracker))

    def insert_blocking(self: SQLTrackerStore, sender_id: str, events: list[Any]) -> None:
        # What Rasa's save() writes for each new event.
        with self.session_scope() as session:
            for event in events:
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {})
                        .get("intent", {})
                        .get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()

    async def save(self: SQLTrackerStore, tracker: DialogueStateTracker) -> None:
        if not _off_the_loop(self.engine):
            await rasa_save(self, tracker)
            return
        new_events = await asyncio.to_thread(new_events_blocking, self, tracker)
        if self.event_broker is not None:  # published first, as Rasa does
            await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)
        if new_events:
            await asyncio.to_thread(insert_blocking, self, tracker.sender_id, new_events)

    SQLTrackerStore._retrieve = _retrieve  # type: ignore[method-assign]
    SQLTrackerStore.save = save  # type: ignore[method-assign]


def _install_event_type_cache() -> None:
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    known: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        found = known.get(type_name) if isinstance(type_name, str) else None
        if found is not None:
            return found
        resolved = original(type_name, default)
        if resolved is not None and resolved is not default:
            known[type_name] = resolved
        return resolved

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]


# what the action server does not get of the domain (see fix 8)
DOMAIN_KEYS_NOT_SENT = frozenset({"responses"})


def domain_for_action_server(domain: dict[str, Any]) -> dict[str, Any]:
    """The domain as sent to the action server: Rasa's, without the response templates."""
    return {k: v for k, v in domain.items() if k not in DOMAIN_KEYS_NOT_SENT}


def _install_lean_action_domain() -> None:
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction._action_call_format
    if getattr(original, "__module__", None) == __name__:
        return
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

    RemoteAction._action_call_format = _action_call_format  # type: ignore[method-assign]


def _install_quick_slot_copy() -> None:
    import copy

    from rasa.shared.core.slots import Slot

    if "__copy__" in Slot.__dict__:
        return

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

    Slot.__copy__ = __copy__  # type: ignore[attr-defined]


def _install_quick_empty_domain_check() -> None:
    from rasa.shared.core.domain import Domain

    if getattr(Domain.is_empty, "__module__", None) == __name__:
        return
    empty: list[dict[str, Any]] = []  # the empty domain's dictionary, built on first use

    def is_empty(self: Domain) -> bool:
        """Check whether the domain is empty."""
        if not empty:
            empty.append(Domain.empty().as_dict())
        return self.as_dict() == empty[0]

    Domain.is_empty = is_empty  # type: ignore[method-assign]
