"""Every GraphQL document the Shopify client sends is valid against Shopify's real Admin
schema (the introspection shipped in @shopify/dev-mcp), and selects no deprecated field.
(The variables are checked where the demo Shopify executes them: tests/integration/shopify.)"""

from __future__ import annotations

import copy
import gzip
import json

import pytest
from graphql import build_client_schema, parse, specified_rules, validate, validate_schema
from graphql.validation import NoDeprecatedCustomRule

from integrations.shopify.admin_schema import (
    admin_schema,
    reconcile_deprecations,
    schema_path,
    shipped_versions,
)
from integrations.shopify.documents import DOCUMENTS_DIR, all_documents
from integrations.shopify.settings import DEFAULT_API_VERSION

RULES = [*specified_rules, NoDeprecatedCustomRule]


@pytest.fixture(scope="module")
def schema():
    return admin_schema(DEFAULT_API_VERSION)


def test_the_default_api_version_ships_with_its_schema() -> None:
    assert DEFAULT_API_VERSION in shipped_versions()


def test_the_shipped_schema_is_a_valid_schema(schema) -> None:
    assert validate_schema(schema) == []
    assert schema.query_type.name == "QueryRoot"
    assert schema.mutation_type.name == "Mutation"


# The implementation fields Shopify deprecates while their interface's field is not.
RECONCILED = {
    ("ChannelDefinition", "id"), ("ChannelInformation", "id"),
    ("Customer", "hasTimelineComment"), ("DiscountAutomaticBxgy", "id"),
    ("MediaImage", "metafield"), ("MediaImage", "metafields"),
}


def _deprecated_fields(introspection: dict) -> set[tuple[str, str]]:
    return {
        (t["name"], f["name"])
        for t in introspection["__schema"]["types"]
        for f in t.get("fields") or []
        if f.get("isDeprecated")
    }


def test_the_loader_changes_only_the_deprecations_graphql_core_refuses() -> None:
    with gzip.open(schema_path(DEFAULT_API_VERSION), "rt", encoding="utf-8") as raw:
        loaded = json.load(raw)
    shipped = loaded.get("data", loaded)
    # As Shopify ships it, graphql-core refuses the schema for exactly these fields.
    refused = [e.message for e in validate_schema(build_client_schema(copy.deepcopy(shipped)))]
    assert len(refused) == len(RECONCILED)
    assert {m.split("implementation field ")[1].split(" must")[0] for m in refused} == {
        f"{type_}.{field}" for type_, field in RECONCILED
    }
    reconciled = copy.deepcopy(shipped)
    assert reconcile_deprecations(reconciled) == len(RECONCILED)
    assert _deprecated_fields(shipped) - _deprecated_fields(reconciled) == RECONCILED
    # Nothing else differs: with those six deprecated again, it is Shopify's schema.
    for type_ in reconciled["__schema"]["types"]:
        for field in type_.get("fields") or []:
            if (type_["name"], field["name"]) in RECONCILED:
                field["isDeprecated"] = True
                field["deprecationReason"] = next(
                    f["deprecationReason"]
                    for t in shipped["__schema"]["types"] if t["name"] == type_["name"]
                    for f in t["fields"] if f["name"] == field["name"]
                )
    assert reconciled == shipped
    assert validate_schema(build_client_schema(reconcile_and_copy(shipped))) == []


def reconcile_and_copy(introspection: dict) -> dict:
    copied = copy.deepcopy(introspection)
    reconcile_deprecations(copied)
    return copied


def test_every_operation_file_is_a_document() -> None:
    operation_files = {
        p.stem for p in DOCUMENTS_DIR.glob("*.graphql")
        if "query " in p.read_text() or "mutation " in p.read_text()
    }
    assert set(all_documents()) == operation_files
    assert {"order_summaries", "order_details", "returnable_fulfillments", "return_request",
            "return_create", "order_cancel", "job", "order_update_shipping_address",
            "health"} <= operation_files


@pytest.mark.parametrize("name", sorted(all_documents()))
def test_document_validates_against_the_admin_schema(schema, name: str) -> None:
    doc = all_documents()[name]
    errors = validate(schema, parse(doc.text), RULES)
    assert [e.message for e in errors] == []


def test_the_check_catches_a_field_shopify_does_not_have(schema) -> None:
    text = all_documents()["order_details"].text.replace("displayStatus", "displayState", 1)
    errors = validate(schema, parse(text), RULES)
    assert [e.message for e in errors] == [
        "Cannot query field 'displayState' on type 'Fulfillment'. "
        "Did you mean 'displayStatus'?"
    ]


def test_the_check_catches_a_deprecated_field(schema) -> None:
    text = all_documents()["order_details"].text.replace(
        "returnReasonNote\n", "returnReasonNote\n          returnReason\n", 1
    )
    messages = [e.message for e in validate(schema, parse(text), RULES)]
    assert len(messages) == 1 and "returnReason is deprecated" in messages[0]
