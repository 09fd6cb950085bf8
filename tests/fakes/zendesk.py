"""A fake Zendesk Support API: users (search, create_or_update, show, me), tickets
(create/show/show_many/update/list by external_id), ticket comments with their authors.
Checks API-token basic auth like Zendesk; `agent_reply` and `solve` are what an agent does
in Zendesk's own interface."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply

API_USER_ID = 900  # the user the API token belongs to (Shopdesk's own comments)


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
    group_id: int | None = None
    brand_id: int | None = None
    assignee_id: int | None = None
    updated_at: str = ""
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
            "group_id": self.group_id,
            "brand_id": self.brand_id,
            "assignee_id": self.assignee_id,
            "updated_at": self.updated_at,
        }


class FakeZendesk(FakeServer):
    def __init__(self, *, email: str = "bot@example.com", token: str = "zd-token") -> None:
        super().__init__()
        self.expected_auth = "Basic " + base64.b64encode(f"{email}/token:{token}".encode()).decode()
        self.users: dict[int, dict[str, Any]] = {
            API_USER_ID: {"id": API_USER_ID, "email": email, "name": "Shopdesk", "role": "admin"}
        }
        self.tickets: dict[int, FakeTicket] = {}
        self._ids = iter(range(1001, 10**6))
        self._clock = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        self.idempotency: dict[str, int] = {}  # Idempotency-Key -> ticket id

    @property
    def end_users(self) -> dict[int, dict[str, Any]]:
        return {k: v for k, v in self.users.items() if k != API_USER_ID}

    # -- what agents do in Zendesk ------------------------------------------------------

    def solve(self, ticket_id: int) -> None:
        with self.lock:
            ticket = self.tickets[ticket_id]
            ticket.status = "solved"
            ticket.updated_at = self._tick()

    def add_agent(self, name: str, email: str, *, role: str = "agent") -> int:
        with self.lock:
            agent_id = next(self._ids)
            self.users[agent_id] = {"id": agent_id, "email": email, "name": name, "role": role}
            return agent_id

    def agent_reply(self, ticket_id: int, body: str, *, agent_id: int, public: bool = True) -> int:
        """An agent answers in Zendesk (a public comment unless `public=False`)."""
        with self.lock:
            ticket = self.tickets[ticket_id]
            comment = {"id": next(self._ids), "body": body, "public": public,
                       "author_id": agent_id}
            ticket.comments.append(comment)
            ticket.status = "open"
            ticket.updated_at = self._tick()
            return int(comment["id"])

    # -- the API --------------------------------------------------------------------------

    def handle(self, request: Recorded) -> Reply:
        if request.headers.get("authorization") != self.expected_auth:
            return Reply(401, {"error": "Couldn't authenticate you"})
        path, method = request.path, request.method
        if method == "POST" and path == "/api/v2/users/create_or_update.json":
            return self._create_or_update_user(request.body["user"])
        if method == "GET" and path == "/api/v2/users/search.json":
            query = (request.query.get("query") or [""])[0]
            email = query.removeprefix("email:").strip().lower()
            found = [u for u in self.users.values() if u["email"] == email]
            return Reply(200, {"users": found, "count": len(found), "next_page": None})
        if method == "GET" and path == "/api/v2/users/me.json":
            return Reply(200, {"user": self.users[API_USER_ID]})
        match = re.fullmatch(r"/api/v2/users/(\d+)\.json", path)
        if method == "GET" and match:
            user = self.users.get(int(match[1]))
            return Reply(200, {"user": user}) if user else Reply(404, {"error": "RecordNotFound"})
        if method == "GET" and path == "/api/v2/tickets/show_many.json":
            ids = [int(i) for i in (request.query.get("ids") or [""])[0].split(",") if i]
            found = [self.tickets[i].to_json() for i in ids if i in self.tickets]
            return Reply(200, {"tickets": found, "count": len(found), "next_page": None})
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

    def _tick(self) -> str:
        self._clock += timedelta(seconds=1)
        return self._clock.strftime("%Y-%m-%dT%H:%M:%SZ")

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
            group_id=data.get("group_id"),
            brand_id=data.get("brand_id"),
            updated_at=self._tick(),
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
            ticket.comments.append(self._comment(data["comment"], author_id=API_USER_ID))
            if ticket.status == "solved":
                ticket.status = "open"
        if "status" in data:
            ticket.status = data["status"]
        if "assignee_id" in data:
            ticket.assignee_id = data["assignee_id"]
        ticket.updated_at = self._tick()
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
