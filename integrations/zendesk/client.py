"""A small Zendesk client on top of zenpy.

zenpy sleeps inside the call when Zendesk answers 429; a delivery worker must not, so a
response hook on the requests session turns every 429 into `ZendeskRateLimited` carrying
`Retry-After` before zenpy sees it. All other failures become typed `ZendeskError`s.

A client may be given a request budget (`request_budget`, asked before every request): past
it, requests are not sent and `ZendeskBudgetSpent` is raised (the ticket poller's reads
must leave the account's rate limit to ticket creation).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import requests
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment, CustomField, Ticket, User
from zenpy.lib.exception import APIException, ZenpyException

from integrations.zendesk.errors import (
    ZendeskBudgetSpent,
    ZendeskError,
    ZendeskRateLimited,
    ZendeskRejected,
    ZendeskUnavailable,
)
from integrations.zendesk.models import ZendeskComment, ZendeskTicket, ZendeskUser

DEFAULT_TIMEOUT = 10.0


def _retry_after(response: requests.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None


def _raise_on_rate_limit(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    if response.status_code == 429:
        retry_after = _retry_after(response)
        raise ZendeskRateLimited(
            f"Zendesk HTTP 429 (Retry-After {retry_after}) on {response.request.method} "
            f"{response.request.path_url}",
            status=429,
            retry_after=retry_after,
        )


class _IdempotentSession(requests.Session):
    """Adds Zendesk's `Idempotency-Key` header to the POSTs made inside `idempotent(key)`.

    zenpy has no per-request headers; a thread-local keeps concurrent workers apart.
    """

    def __init__(self, budget: Callable[[], bool] | None = None) -> None:
        super().__init__()
        self._local = threading.local()
        self.budget = budget

    @contextmanager
    def idempotent(self, key: str) -> Iterator[None]:
        self._local.key = key
        try:
            yield
        finally:
            self._local.key = None

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:  # type: ignore[override]
        if self.budget is not None and not self.budget():
            raise ZendeskBudgetSpent(f"Zendesk request budget spent: {method} not sent")
        key = getattr(self._local, "key", None)
        if key and str(method).upper() == "POST":
            kwargs["headers"] = {**(kwargs.get("headers") or {}), "Idempotency-Key": key}
        return super().request(method, url, *args, **kwargs)


class ZendeskClient:
    """The subset of the Zendesk Support API Shopdesk uses."""

    def __init__(
        self,
        *,
        subdomain: str,
        email: str,
        token: str,
        domain: str = "zendesk.com",
        timeout: float = DEFAULT_TIMEOUT,
        session: _IdempotentSession | None = None,
        request_budget: Callable[[], bool] | None = None,
    ) -> None:
        session = session or _IdempotentSession(request_budget)
        self._session = session
        self._timeout = timeout
        session.hooks["response"].append(_raise_on_rate_limit)
        self.agent_base_url = f"https://{subdomain}.{domain}/agent/tickets"
        self._zenpy = Zenpy(
            subdomain=subdomain,
            domain=domain,
            email=email,
            token=token,
            session=session,
            timeout=timeout,
            disable_cache=True,
        )

    def find_user(self, *, email: str) -> ZendeskUser | None:
        """The user with exactly this email (users/search), or None."""
        with _errors("search users", self._timeout):
            found = list(self._zenpy.users.search(query=f"email:{email}"))
        wanted = email.lower()
        for user in found:
            if (getattr(user, "email", None) or "").lower() == wanted:
                return _user(user)
        return None

    def create_user(self, *, email: str, name: str) -> ZendeskUser:
        """A new end user (users/create_or_update: a user created meanwhile is matched by
        email, never duplicated)."""
        with _errors("create user", self._timeout):
            user = self._zenpy.users.create_or_update(User(email=email, name=name))
        return _user(user, email=email)

    def requester(self, *, email: str, name: str | None) -> ZendeskUser:
        """The end user for `email`: an existing one as they are (their name is theirs, never
        replaced), else a new one named `name` (or, with no name known, the email)."""
        return self.find_user(email=email) or self.create_user(email=email, name=name or email)

    def show_user(self, user_id: int) -> ZendeskUser:
        with _errors("show user", self._timeout):
            return _user(self._zenpy.users(id=user_id))

    def me(self) -> ZendeskUser:
        """The API user (Shopdesk's own comments are authored by it)."""
        with _errors("show users/me", self._timeout):
            return _user(self._zenpy.users.me())

    def tickets_by_external_id(self, external_id: str) -> list[ZendeskTicket]:
        with _errors("list tickets by external_id", self._timeout):
            found = list(self._zenpy.tickets(external_id=external_id))
        return [_ticket(t) for t in found]

    def create_ticket(
        self,
        *,
        subject: str,
        body: str,
        requester_id: int,
        external_id: str,
        tags: list[str],
        priority: str,
        custom_fields: dict[int, str],
        public: bool = False,
        group_id: int | None = None,
        brand_id: int | None = None,
    ) -> ZendeskTicket:
        ticket = Ticket(
            subject=subject,
            requester_id=requester_id,
            external_id=external_id,
            tags=tags,
            priority=priority,
            comment=Comment(body=body, public=public),
            custom_fields=[CustomField(id=k, value=v) for k, v in custom_fields.items()],
        )
        if group_id is not None:
            ticket.group_id = group_id
        if brand_id is not None:
            ticket.brand_id = brand_id
        # Zendesk does not enforce unique external_ids: a create that timed out may still be
        # running when the retry looks the ticket up. The Idempotency-Key makes the retried
        # POST return the first ticket instead of opening a second one.
        with _errors("create ticket", self._timeout), self._session.idempotent(external_id):
            audit = self._zenpy.tickets.create(ticket)
        return _ticket(audit.ticket)

    def show_ticket(self, ticket_id: int) -> ZendeskTicket:
        with _errors("show ticket", self._timeout):
            return _ticket(self._zenpy.tickets(id=ticket_id))

    def show_tickets(self, ticket_ids: list[int]) -> list[ZendeskTicket]:
        """Up to 100 tickets in one request (tickets/show_many)."""
        if not ticket_ids:
            return []
        with _errors("show many tickets", self._timeout):
            return [_ticket(t) for t in self._zenpy.tickets(ids=ticket_ids[:100])]

    def update_ticket(
        self,
        ticket_id: int,
        *,
        status: str | None = None,
        assignee_id: int | None = None,
        comment: str | None = None,
        public: bool = False,
    ) -> None:
        ticket = Ticket(id=ticket_id)
        if status is not None:
            ticket.status = status
        if assignee_id is not None:
            ticket.assignee_id = assignee_id
        if comment is not None:
            ticket.comment = Comment(body=comment, public=public)
        with _errors("update ticket", self._timeout):
            self._zenpy.tickets.update(ticket)

    def add_comment(
        self, ticket_id: int, *, body: str, public: bool, author_id: int | None = None
    ) -> None:
        comment = Comment(body=body, public=public)
        if author_id is not None:
            comment.author_id = author_id
        with _errors("add comment", self._timeout):
            self._zenpy.tickets.update(Ticket(id=ticket_id, comment=comment))

    def comment_bodies(self, ticket_id: int) -> list[str]:
        return [c.body for c in self.comments(ticket_id)]

    def comments(self, ticket_id: int) -> list[ZendeskComment]:
        with _errors("list comments", self._timeout):
            found = list(self._zenpy.tickets.comments(ticket=ticket_id))
        return [
            ZendeskComment(
                id=int(c.id),
                author_id=int(c.author_id) if getattr(c, "author_id", None) else None,
                public=bool(getattr(c, "public", True)),
                body=getattr(c, "body", None) or "",
            )
            for c in found
        ]

    def agent_url(self, ticket_id: int) -> str:
        return f"{self.agent_base_url}/{ticket_id}"


def _ticket(ticket: Any) -> ZendeskTicket:
    def optional_int(name: str) -> int | None:
        value = getattr(ticket, name, None)
        return int(value) if value else None

    updated = getattr(ticket, "updated_at", None)  # a change marker, compared as text
    return ZendeskTicket(
        id=int(ticket.id),
        status=getattr(ticket, "status", None) or "new",
        external_id=getattr(ticket, "external_id", None),
        requester_id=optional_int("requester_id"),
        assignee_id=optional_int("assignee_id"),
        updated_at=str(updated) if updated else None,
    )


def _user(user: Any, *, email: str | None = None) -> ZendeskUser:
    return ZendeskUser(
        id=int(user.id),
        email=getattr(user, "email", None) or email,
        name=getattr(user, "name", None),
        role=getattr(user, "role", None),
    )


@contextmanager
def _errors(operation: str, timeout: float) -> Iterator[None]:
    try:
        yield
    except ZendeskError:
        raise
    except requests.Timeout as exc:
        # The request may still complete at Zendesk: retry only after it surely has, so the
        # retry's idempotency check (external_id, comment marker) sees its effect.
        raise ZendeskUnavailable(
            f"Zendesk {operation}: timed out after {timeout}s", retry_after=2 * timeout
        ) from exc
    except requests.ConnectionError as exc:
        raise ZendeskUnavailable(f"Zendesk {operation}: {type(exc).__name__}: {exc}") from exc
    except (APIException, requests.HTTPError) as exc:
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        detail = f"Zendesk {operation}: HTTP {status}: {str(exc)[:500]}"
        if status is None or status >= 500:
            retry_after = _retry_after(response) if response is not None else None
            raise ZendeskUnavailable(detail, status=status, retry_after=retry_after) from exc
        raise ZendeskRejected(detail, status=status) from exc
    except (ZenpyException, ValueError) as exc:
        # A response zenpy could not read (e.g. an HTML error page from a proxy).
        raise ZendeskUnavailable(f"Zendesk {operation}: {type(exc).__name__}: {exc}") from exc
