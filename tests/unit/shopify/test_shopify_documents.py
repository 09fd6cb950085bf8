"""Every GraphQL document the Shopify client sends is valid against Shopify's real Admin
schema (the introspection shipped in @shopify/dev-mcp), and uses no deprecated field."""

from __future__ import annotations

import pytest
from graphql import parse, specified_rules, validate, validate_schema
from graphql.validation import NoDeprecatedCustomRule

from integrations.shopify.admin_schema import admin_schema, shipped_versions
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
