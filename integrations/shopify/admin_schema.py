"""Shopify's Admin GraphQL schema, as Shopify publishes it, loaded with graphql-core.

`schema/admin_<version>.json.gz` is the introspection result that Shopify ships in the npm
package `@shopify/dev-mcp` (ISC licence, `schema/LICENSE`). The test suite validates every
document the client sends against it, and the demo Shopify executes queries with it.
"""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path
from typing import Any

from graphql import GraphQLSchema, build_client_schema

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"


class SchemaNotShipped(LookupError):
    """No copy of the Admin schema for that API version ships with Shopdesk."""


def schema_path(version: str) -> Path:
    return SCHEMA_DIR / f"admin_{version}.json.gz"


def shipped_versions() -> tuple[str, ...]:
    """The API versions whose Admin schema ships with Shopdesk."""
    return tuple(
        sorted(p.name.removeprefix("admin_").removesuffix(".json.gz")
               for p in SCHEMA_DIR.glob("admin_*.json.gz"))
    )


def reconcile_deprecations(introspection: dict[str, Any]) -> int:
    """Un-deprecates the implementation fields whose interface field is not deprecated.

    graphql-core 3.3 refuses such a schema (a newer spec rule); Shopify's has a few (e.g.
    `ChannelDefinition.id`, deprecated while `Node.id` is not). Deprecation does not change
    what a field returns or whether a document is valid. Returns how many were changed.
    """
    types = {t["name"]: t for t in introspection["__schema"]["types"]}
    changed = 0
    for type_ in types.values():
        for interface in type_.get("interfaces") or []:
            kept = {
                f["name"]
                for f in types[interface["name"]].get("fields") or []
                if not f.get("isDeprecated")
            }
            for field in type_.get("fields") or []:
                if field["name"] in kept and field.get("isDeprecated"):
                    field["isDeprecated"] = False
                    field["deprecationReason"] = None
                    changed += 1
    return changed


@functools.cache
def admin_schema(version: str) -> GraphQLSchema:
    """The Admin schema of `version` (loaded once per process, ~1 s)."""
    path = schema_path(version)
    if not path.is_file():
        raise SchemaNotShipped(
            f"no Admin schema for API version {version!r} ships with Shopdesk "
            f"(shipped: {', '.join(shipped_versions()) or 'none'})"
        )
    with gzip.open(path, "rt", encoding="utf-8") as raw:
        loaded = json.load(raw)
    introspection = loaded.get("data", loaded)
    reconcile_deprecations(introspection)
    return build_client_schema(introspection)
