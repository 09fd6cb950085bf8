"""Posting the agent inbox's forms as a browser does: the page first (it sets the CSRF
cookie and carries the token), then the form with its token."""

from __future__ import annotations

import re
from typing import Any, Protocol

_TOKEN = re.compile(r"name='csrf_token' value='([^']+)'")


class _Client(Protocol):
    def get(self, url: str, **kwargs: Any) -> Any: ...
    def post(self, url: str, **kwargs: Any) -> Any: ...


def form_token(page_html: str) -> str:
    found = _TOKEN.search(page_html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def post_form(
    client: _Client,
    *,
    page: str,
    action: str,
    fields: dict[str, str] | None = None,
    **kwargs: Any,
) -> Any:
    """GET `page` (cookie + token), then POST `action` with the token (and the form's other
    `fields`), as the form does."""
    token = form_token(client.get(page, **kwargs).text)
    return client.post(action, data={**(fields or {}), "csrf_token": token}, **kwargs)
