"""Shopdesk's chat channels: Rasa's REST and socket.io channels behind a guard.

Registered in `bot/credentials.yml` by module path. Before a message reaches the assistant
(and so the tracker store, the event broker and every log), each channel:

- refuses messages longer than `SHOPDESK_MAX_MESSAGE_CHARS` (1000) with a polite reply;
- limits each conversation to `SHOPDESK_RATE_LIMIT_MESSAGES` (30) messages per
  `SHOPDESK_RATE_LIMIT_WINDOW_SECONDS` (60), with a polite "slow down" reply;
- masks card numbers, security codes, passwords and IBANs, and tells the shopper not to share
  them;
- socket.io: binds each session to the browser it was handed to (a signed session token);
- puts the client's IP address into the message metadata as `client_ip` (from
  X-Forwarded-For only when the peer is in `SHOPDESK_TRUSTED_PROXIES`);
- answers a malformed request (not JSON, missing or mistyped fields, a sender id with
  control characters or lone surrogates, metadata nested too deep or too big) with 400 and
  a JSON error instead of failing; NUL and lone surrogates in text are cleaned;
- handles a message once per client message id (`metadata.message_id`: a retry gets the
  same replies, bot/turns.py) and answers a backing-store outage with 503, `Retry-After`
  and `"retryable": true` (socket.io: a `shopdesk_retry` event), never an empty reply.
- (socket.io) puts an id on every message out and answers `sync_request` with the stored
  conversation (bot/chat_transcript.py), so the widget shows each message once; with a
  shared Redis (`REDIS_HOST`, the production profile), messages from the HTTP API reach the
  widget on whichever instance holds it (bot/chat_fanout.py).

`GET /webhooks/rest/ready` is the server's readiness check (bot/readiness.py).

Settings are read once, when Rasa creates the channels at start-up; that is also when this
process's log output starts being masked (`common.logs`).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_patches, readiness
from bot.chat_fanout import ChatFanout, FanoutOutput
from bot.chat_transcript import TranscriptOutput, register_transcript_sync
from bot.guard import ChannelGuard, GuardSettings, SessionTokens, Verdict
from bot.rasa_patches import WRITTEN_FOR, version_mismatches
from bot.turns import OUTAGE_BODY, RETRY_AFTER_SECONDS, handle_turn, is_outage, message_id
from common.logs import install_log_masking

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
UNREADABLE_REPLY = "Sorry, I couldn't read that message. Please try again."


def _guard() -> ChannelGuard:
    install_log_masking()
    return ChannelGuard(GuardSettings.from_env())


# The socket.io event that tells the widget to send the same message again after
# `retry_after` seconds (the stores were unreachable; nothing of the message was kept).
RETRY_EVENT = "shopdesk_retry"


def _bad_request(reason: str) -> HTTPResponse:
    return response.json({"error": "bad_request", "message": reason}, status=400)


class GuardedRestInput(RestInput):
    """Rasa's REST channel (`/webhooks/rest/webhook`) with the guard in front."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(guard=_guard())

    def __init__(self, guard: ChannelGuard | None = None) -> None:
        self.guard = guard or _guard()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        module = inspect.getmodule(self)
        webhook = Blueprint(
            f"custom_webhook_{type(self).__name__}", module.__name__ if module else None
        )

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            checks = await readiness.check(request.app.ctx.agent)
            ok = readiness.is_ready(checks)
            return response.json(
                {"status": "ready" if ok else "unavailable", "checks": checks},
                status=200 if ok else 503,
            )

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError, RecursionError):
                return _bad_request("the body must be a JSON object")
            problem = _rest_problem(body)
            if problem:
                return _bad_request(problem)
            sender_id = str(body["sender"])
            verdict = self.guard.check(
                sender_id=sender_id,
                text=body["message"],
                metadata=body.get("metadata"),
                client_ip=self.guard.client_ip(
                    peer=request.ip, forwarded_for=request.headers.get("x-forwarded-for")
                ),
            )
            if verdict.problem is not None:
                return _bad_request(verdict.problem)
            replies = [{"recipient_id": sender_id, "text": text} for text in verdict.replies]
            if not verdict.accepted:
                return response.json(replies)
            collector = CollectingOutputChannel()
            message = UserMessage(
                verdict.text,
                collector,
                sender_id,
                input_channel=self.name(),
                metadata=verdict.metadata,
            )
            try:
                await handle_turn(request.app.ctx.agent, message)
            except asyncio.CancelledError:
                logger.error("rest channel: handling a message timed out (sender %s)", sender_id)
            except Exception as exc:
                if is_outage(exc):
                    logger.warning("rest channel: conversation store unavailable (%s: %s); "
                                   "answered 503", type(exc).__name__, exc)
                    return _unavailable()
                logger.exception("rest channel: handling a message failed (sender %s)", sender_id)
            return response.json(replies + collector.messages)

        return webhook


def _unavailable() -> HTTPResponse:
    return response.json(
        OUTAGE_BODY, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
    )


def _rest_problem(body: object) -> str | None:
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    sender = body.get("sender")
    if isinstance(sender, bool) or not isinstance(sender, str | int) or str(sender) == "":
        return '"sender" is required (a non-empty string)'
    if not isinstance(body.get("message"), str):
        return '"message" is required (a string)'
    if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
        return '"metadata" must be a JSON object'
    return None


class GuardedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel (the widget's) with the guard in front.

    Rasa's own handlers are kept; the message handler is wrapped so that a message is
    checked (and masked) before Rasa sees it, and the connect handler records the client's
    address for the metadata. Rasa's `session_request` handler is replaced: it let any
    client join any session id it named (and read that conversation's replies); here a
    session is joined only with the signed token the server handed out with it, and a
    connection may send messages only into the session it joined.
    """

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        channel = cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            credentials.get("session_persistence", False),
            credentials.get("socketio_path", "/socket.io"),
            credentials.get("jwt_key"),
            credentials.get("jwt_method", "HS256"),
            credentials.get("metadata_key", "metadata"),
        )
        channel.guard = _guard()
        return channel

    guard: ChannelGuard
    fanout: ChatFanout | None = None

    def get_output_channel(self) -> TranscriptOutput | None:
        """What Rasa's HTTP API sends to with `output_channel=socketio` (the handoff
        service's messages): with a shared Redis, through the fan-out to the instance that
        holds the widget (bot/chat_fanout.py). Every message out carries an id
        (bot/chat_transcript.py)."""
        if self.sio is None:
            return None
        if self.fanout is not None:
            return FanoutOutput(self.sio, self.bot_message_evt, self.fanout)
        return TranscriptOutput(self.sio, self.bot_message_evt)

    def _turn_output(self) -> TranscriptOutput | None:
        """A turn's replies go to the widget that sent the message, on this instance."""
        return TranscriptOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        if not hasattr(self, "guard"):
            self.guard = _guard()
        _require_socketio_internals()
        apps: list[Any] = []  # the Rasa server's app, known from the first connection

        async def handle(message: UserMessage) -> None:
            message.output_channel = self._turn_output() or message.output_channel
            try:
                if apps:
                    await handle_turn(apps[0].ctx.agent, message)
                else:
                    await on_new_message(message)
            except Exception as exc:
                if not is_outage(exc):
                    raise
                logger.warning("socketio channel: conversation store unavailable (%s: %s); "
                               "asked the client to retry", type(exc).__name__, exc)
                await self._ask_to_retry(message)

        blueprint = super().blueprint(handle)
        if rasa_patches.enabled("engineio_shutdown"):
            blueprint.listener("before_server_stop")(_stop_socketio_tasks)
        sio = self.sio
        assert sio is not None  # set by super().blueprint
        namespace = self.namespace or "/"
        if self.guard.settings.redis is not None:
            fanout = ChatFanout(self.guard.settings.redis, sio=sio, namespace=self.namespace,
                                event=self.bot_message_evt)
            self.fanout = fanout

            async def start_fanout(app: Any, loop: Any) -> None:
                fanout.start()

            async def stop_fanout(app: Any, loop: Any) -> None:
                await fanout.stop()

            blueprint.listener("after_server_start")(start_fanout)
            blueprint.listener("before_server_stop")(stop_fanout)
        # Rasa's handlers, read from python-socketio's table (checked version), then ours
        # registered in their place through its public `on`.
        handlers = sio.handlers[namespace]
        rasa_connect = handlers["connect"]
        rasa_disconnect = handlers["disconnect"]
        rasa_message = handlers[self.user_message_evt]
        addresses: dict[str, str] = {}
        register_transcript_sync(sio, namespace=self.namespace)
        # Which session each connection proved it may use (see `session_request`).
        joined: dict[str, str] = {}
        sessions = SessionTokens(self.guard.settings.session_key)

        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
            request = environ.get("sanic.request")
            if not apps and request is not None:
                apps.append(request.app)
            addresses[sid] = self.guard.client_ip(
                peer=getattr(request, "ip", None), forwarded_for=environ.get("HTTP_X_FORWARDED_FOR")
            )
            return bool(await rasa_connect(sid, environ, auth))

        async def disconnect(sid: str) -> None:
            addresses.pop(sid, None)
            joined.pop(sid, None)
            await rasa_disconnect(sid)

        async def session_request(sid: str, data: Any) -> None:
            """Rejoin a session only with the token handed out with it; otherwise (no id, a
            guessed or stolen id, a forged token) a new session starts."""
            data = data if isinstance(data, dict) else {}
            session_id, token = data.get("session_id"), data.get("session_token")
            if not sessions.joinable(session_id, token):
                if session_id is not None:
                    logger.info("socket.io: a join without a valid session token was refused")
                session_id, token = sessions.new_session()
            assert isinstance(session_id, str)
            previous = joined.get(sid)
            if previous is not None and previous != session_id:
                sio.leave_room(sid, previous, namespace=self.namespace)
            joined[sid] = session_id
            sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit(
                "session_confirm",
                {"session_id": session_id, "session_token": token},
                room=sid,
                namespace=self.namespace,
            )

        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message", ""), str):
                await sio.emit(
                    self.bot_message_evt, {"text": UNREADABLE_REPLY}, room=sid,
                    namespace=self.namespace,
                )
                return
            room = joined.get(sid) if self.session_persistence else sid
            if room is None or (self.session_persistence and data.get("session_id") != room):
                # Not this connection's session: nothing is read from it or written to it.
                await sio.emit(
                    self.bot_message_evt, {"text": UNREADABLE_REPLY}, room=sid,
                    namespace=self.namespace,
                )
                return
            verdict = self.guard.check(
                sender_id=room,
                text=data.get("message", ""),
                metadata=_socket_metadata(data.get(self.metadata_key)),
                client_ip=addresses.get(sid, "unknown"),
            )
            if verdict.problem is not None:
                await sio.emit(
                    self.bot_message_evt, {"text": UNREADABLE_REPLY}, room=sid,
                    namespace=self.namespace,
                )
                return
            await self._reply(sio, room, verdict)
            if verdict.accepted:
                await rasa_message(
                    sid, {**data, "message": verdict.text, self.metadata_key: verdict.metadata}
                )

        sio.on("connect", connect, namespace=namespace)
        sio.on("disconnect", disconnect, namespace=namespace)
        sio.on(self.user_message_evt, handle_message, namespace=namespace)
        if self.session_persistence:
            sio.on("session_request", session_request, namespace=namespace)
        return blueprint

    async def _ask_to_retry(self, message: UserMessage) -> None:
        sio = self.sio
        assert sio is not None
        await sio.emit(
            RETRY_EVENT,
            {**OUTAGE_BODY, "retry_after": RETRY_AFTER_SECONDS,
             "message_id": message_id(message.metadata)},
            room=message.sender_id,
            namespace=self.namespace,
        )

    async def _reply(self, sio: Any, room: str, verdict: Verdict) -> None:
        for text in verdict.replies:
            await sio.emit(
                self.bot_message_evt, {"text": text}, room=room, namespace=self.namespace
            )


def _require_socketio_internals() -> None:
    """The guard reads Rasa's handlers from python-socketio's handler table: only on the
    versions that was written for; on others Rasa refuses to start rather than open an
    unguarded channel."""
    mismatches = version_mismatches({"rasa": WRITTEN_FOR["rasa"],
                                     "python-socketio": WRITTEN_FOR["python-socketio"]})
    if mismatches:
        raise RuntimeError(
            "the socket.io channel's guard was written for other versions: "
            + "; ".join(mismatches)
        )


# python-engineio 4.5 runs tasks of its own (one pings the widgets' sessions, one per
# session sends pings) and offers no way to stop them; left pending when the server stops,
# asyncio logs "Task was destroyed but it is pending!" as an ERROR at every shutdown. They
# are cancelled before Sanic closes the loop (bot/rasa_patches.py's `engineio_shutdown`).
async def _stop_socketio_tasks(app: Any, loop: Any) -> None:
    tasks = [task for task in asyncio.all_tasks() if _runs_engineio_code(task)]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _runs_engineio_code(task: asyncio.Task[Any]) -> bool:
    frame = getattr(task.get_coro(), "cr_frame", None)
    module = frame.f_globals.get("__name__", "") if frame is not None else ""
    return module == "engineio" or module.startswith("engineio.")


def _socket_metadata(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            return {}
    return raw if isinstance(raw, dict) else {}
