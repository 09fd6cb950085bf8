"""The action server's HTTP app: rasa-sdk's, behind a token, with hostile input turned away
politely.

Every route but `/health` needs `Authorization: Bearer <ACTION_SERVER_TOKEN>` (compared in
constant time), which Rasa sends from its endpoints file: rasa-sdk itself checks no caller,
and a forged call could otherwise run any action on any tracker it made up.

rasa-sdk answers a body that is not JSON, or JSON of the wrong shape, with a 500 that
echoes the request and the exception text. Here such requests get a 400 naming the problem
before any action runs, and an action that fails unexpectedly on a well-formed call gets
the shopper an apology with a way to a person (logged with its traceback) instead of a 500.
"""

from __future__ import annotations

import hmac
import logging
import warnings
import zlib
from collections.abc import Mapping
from typing import Any

from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import Request, Sanic, response
from sanic.exceptions import SanicException
from sanic.handlers import ErrorHandler
from sanic.response import HTTPResponse

from common import fast_json

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhook"
HEALTH_PATH = "/health"
# Rasa sends the whole tracker (every event of the conversation): generous, but bounded.
MAX_BODY_BYTES = 64 * 1024 * 1024
APOLOGY = {"response": "utter_something_went_wrong"}

_OPTIONAL_TEXT = (str, type(None))


def call_problem(call: Any) -> str | None:
    """Why a decoded webhook body is not an action call Rasa could have sent, or None."""
    if not isinstance(call, Mapping):
        return "the body must be a JSON object"
    name = call.get("next_action")
    if not isinstance(name, str) or not 0 < len(name) <= 200:
        return "next_action must be an action name"
    if not isinstance(call.get("version"), _OPTIONAL_TEXT):
        return "version must be a string"
    if not isinstance(call.get("domain"), (Mapping, type(None))):
        return "domain must be an object"
    tracker = call.get("tracker")
    if not isinstance(tracker, Mapping):
        return "tracker must be an object"
    if not isinstance(tracker.get("sender_id"), str):
        return "tracker.sender_id must be a string"
    for key, kind in (("slots", Mapping), ("events", list), ("active_loop", Mapping)):
        if key in tracker and not isinstance(tracker[key], (kind, type(None))):
            return f"tracker.{key} has the wrong type"
    for key in ("latest_action_name", "followup_action", "latest_input_channel"):
        if not isinstance(tracker.get(key), _OPTIONAL_TEXT):
            return f"tracker.{key} must be a string"
    if not all(isinstance(event, Mapping) for event in tracker.get("events") or []):
        return "tracker.events must be objects"
    latest = tracker.get("latest_message")
    if latest is None:
        return None
    if not isinstance(latest, Mapping):
        return "tracker.latest_message must be an object"
    for key, kind in (("metadata", Mapping), ("intent", Mapping), ("entities", list)):
        if not isinstance(latest.get(key), (kind, type(None))):
            return f"tracker.latest_message.{key} has the wrong type"
    if not isinstance(latest.get("text"), _OPTIONAL_TEXT):
        return "tracker.latest_message.text must be a string"
    if not all(isinstance(entity, Mapping) for entity in latest.get("entities") or []):
        return "tracker.latest_message.entities must be objects"
    return None


def decode_call(body: bytes, *, content_encoding: str | None) -> tuple[Any, str | None]:
    """(decoded call, problem); the problem is None when the body is usable."""
    if len(body) > MAX_BODY_BYTES:
        return None, "the body is too large"
    if content_encoding == "deflate":
        try:
            decompressor = zlib.decompressobj()
            body = decompressor.decompress(body, MAX_BODY_BYTES + 1)
        except zlib.error:
            return None, "the body is not valid deflate data"
        if len(body) > MAX_BODY_BYTES or decompressor.unconsumed_tail:
            return None, "the body is too large"
    try:
        call = fast_json.loads(body)
    except (ValueError, RecursionError):
        return None, "the body is not valid JSON"
    return call, call_problem(call)


VERSION_WARNING = "Your versions of rasa and rasa_sdk might not be compatible"


def authorized(header: str | None, *, token: str) -> bool:
    """True when `header` is `Bearer <token>` (constant-time comparison)."""
    expected = f"Bearer {token}".encode()
    return hmac.compare_digest((header or "").encode("utf-8", "replace"), expected)


def create_app(
    action_executor: ActionExecutor,
    *,
    token: str,
    cors_origins: str | list[str] | None = None,
) -> Sanic:
    """rasa-sdk's app plus the caller check, the input guard and the polite error handler.

    Module-level so Sanic's AppLoader can rebuild it in each worker process.
    """
    if not token:
        raise ValueError("the action server needs a token")
    # rasa-sdk 3.21 with Rasa 3.6 is this project's deliberate, tested pairing (README,
    # "Python versions"): rasa-sdk's "might not be compatible" warning on calls is noise.
    warnings.filterwarnings("ignore", message=VERSION_WARNING, category=UserWarning)
    # No tracing backend: rasa-sdk would otherwise look for endpoints.yml in the working
    # directory and log an ERROR that it is missing, at every start.
    app = create_app_for_serve(action_executor, cors_origins=cors_origins, endpoints="")
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES

    @app.on_request(priority=100)
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path == HEALTH_PATH or authorized(
            request.headers.get("Authorization"), token=token
        ):
            return None
        return response.json(
            {"error": "a valid bearer token is required"},
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.on_request
    async def reject_malformed_calls(request: Request) -> HTTPResponse | None:
        if request.path != WEBHOOK_PATH or request.method != "POST":
            return None
        encoding = request.headers.get("Content-Encoding")
        call, problem = decode_call(request.body, content_encoding=encoding)
        if problem is None:
            if encoding != "deflate":
                # rasa-sdk reads `request.json`: hand it this parse instead of a second one
                # of the whole tracker.
                request.parsed_json = call
            return None
        logger.info("rejected a malformed action call: %s", problem)
        return response.json({"error": problem}, status=400)

    async def on_error(request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, SanicException) and exception.status_code < 500:
            return response.json({"error": str(exception)}, status=exception.status_code)
        logger.error("action call failed on %s", request.path, exc_info=exception)
        if request.path == WEBHOOK_PATH:
            # Rasa shows this to the shopper: an apology and a way to a person.
            return response.json({"events": [], "responses": [dict(APOLOGY)]}, status=200)
        return response.json({"error": "internal error"}, status=500)

    # In place of rasa-sdk's catch-all, its only one (Sanic refuses a second for a key): a
    # fresh error handler, through Sanic's public API.
    app.error_handler = ErrorHandler()
    app.error_handler.add(Exception, on_error)
    return app
