"""A fake Zendesk Support API: users create_or_update, tickets create/show/update/list by
external_id, ticket comments. Checks API-token basic auth like Zendesk."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply


@dataclass
class FakeTicket:
    id: int
    subject: str
    requester_id: int
    external_id: str | None
    tags: list[str]
    priority: str | None
    status: str
    custom_fields: list[dict[str, Any]]
    comments: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "subject": self.subject,
            "requester_id": self.requester_id,
            "external_id": self.external_id,
            "tags": self.tags,
            "priority": self.priority,
            "status": self.status,
            "custom_fields": self.custom_fields,
        }


class FakeZendesk(FakeServer):
    def __init__(self, *, email: str = "bot@example.com", token: str = "zd-token") -> None:
        super().__init__()
        self.expected_auth = "Basic " + base64.b64encode(f"{email}/token:{token}".encode()).decode()
        self.users: dict[int, dict[str, Any]] = {}
        self.tickets: dict[int, FakeTicket] = {}
        self._ids = iter(range(1001, 10**6))
        self.idempotency: dict[str, int] = {}  # Idempotency-Key -> ticket id

    def solve(self, ticket_id: int) -> None:
        with self.lock:
            self.tickets[ticket_id].status = "solved"

    def handle(self, request: Recorded) -> Reply:
        if request.headers.get("authorization") != self.expected_auth:
            return Reply(401, {"error": "Couldn't authenticate you"})
        path, method = request.path, request.method
        if method == "POST" and path == "/api/v2/users/create_or_update.json":
            return self._create_or_update_user(request.body["user"])
        if method == "GET" and path == "/api/v2/tickets.json":
            wanted = (request.query.get("external_id") or [None])[0]
            found = [t.to_json() for t in self.tickets.values() if t.external_id == wanted]
            return Reply(
                200,
                {
                    "tickets": found,
                    "count": len(found),
                    "next_page": None,
                    "meta": {"has_more": False},
                },
            )
        if method == "POST" and path == "/api/v2/tickets.json":
            key = request.headers.get("idempotency-key")
            if key and key in self.idempotency:  # Zendesk replays the first response
                ticket = self.tickets[self.idempotency[key]]
                return Reply(
                    201,
                    {"ticket": ticket.to_json(), "audit": {"id": 0, "events": []}},
                    {"x-idempotency-lookup": "hit"},
                )
            reply = self._create_ticket(request.body["ticket"])
            if key and reply.status == 201:
                self.idempotency[key] = reply.body["ticket"]["id"]
            return reply
        match = re.fullmatch(r"/api/v2/tickets/(\d+)(/comments)?\.json", path)
        if match:
            ticket = self.tickets.get(int(match[1]))
            if ticket is None:
                return Reply(404, {"error": "RecordNotFound", "description": "Not found"})
            if match[2] and method == "GET":
                return Reply(
                    200,
                    {
                        "comments": ticket.comments,
                        "count": len(ticket.comments),
                        "next_page": None,
                        "meta": {"has_more": False},
                    },
                )
            if method == "GET":
                return Reply(200, {"ticket": ticket.to_json()})
            if method == "PUT":
                return self._update_ticket(ticket, request.body["ticket"])
        return Reply(404, {"error": "InvalidEndpoint"})

    def _create_or_update_user(self, user: dict[str, Any]) -> Reply:
        email = (user.get("email") or "").lower()
        if not email:
            return Reply(422, {"error": "RecordInvalid", "details": {"email": "missing"}})
        for existing in self.users.values():
            if existing["email"] == email:
                existing.update({k: v for k, v in user.items() if k != "email"})
                return Reply(200, {"user": existing})
        new = {
            "id": next(self._ids),
            "email": email,
            "name": user.get("name"),
            "role": "end-user",
        }
        self.users[new["id"]] = new
        return Reply(201, {"user": new})

    def _create_ticket(self, data: dict[str, Any]) -> Reply:
        if data.get("requester_id") not in self.users:
            return Reply(422, {"error": "RecordInvalid", "details": {"requester": "invalid"}})
        ticket = FakeTicket(
            id=next(self._ids),
            subject=data.get("subject", ""),
            requester_id=data["requester_id"],
            external_id=data.get("external_id"),
            tags=list(data.get("tags") or []),
            priority=data.get("priority"),
            status="new",
            custom_fields=list(data.get("custom_fields") or []),
        )
        comment = data.get("comment") or {}
        ticket.comments.append(self._comment(comment, author_id=data["requester_id"]))
        self.tickets[ticket.id] = ticket
        return Reply(
            201,
            {
                "ticket": ticket.to_json(),
                "audit": {"id": next(self._ids), "events": []},
            },
        )

    def _update_ticket(self, ticket: FakeTicket, data: dict[str, Any]) -> Reply:
        if ticket.status == "closed":
            return Reply(422, {"error": "RecordInvalid", "description": "closed ticket"})
        if "comment" in data:
            ticket.comments.append(self._comment(data["comment"], author_id=None))
            if ticket.status == "solved":
                ticket.status = "open"
        if "status" in data:
            ticket.status = data["status"]
        return Reply(
            200,
            {
                "ticket": ticket.to_json(),
                "audit": {"id": next(self._ids), "events": []},
            },
        )

    def _comment(self, comment: dict[str, Any], *, author_id: int | None) -> dict[str, Any]:
        return {
            "id": next(self._ids),
            "body": comment.get("body", ""),
            "public": comment.get("public", True),
            "author_id": comment.get("author_id", author_id),
        }
