"""The demo shop behind Shopify's real Admin schema: documents are parsed, validated and
executed by graphql-core against `integrations/shopify/schema/` — an invalid document gets
the errors Shopify would give. Resolvers exist only for the root fields the adapter uses;
everything below them is plain data read by graphql-core's default resolver.

Also here: which access scope each field needs, and the calculated query cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    execute_sync,
    get_named_type,
    is_leaf_type,
    parse,
    validate,
    value_from_ast_untyped,
)

from integrations.shopify.admin_schema import admin_schema
from store.shopify_demo.shop import DemoShop

# (type, field) -> the access scope Shopify requires to read or run it.
REQUIRED_SCOPES: dict[tuple[str, str], str] = {
    ("QueryRoot", "orders"): "read_orders",
    ("QueryRoot", "order"): "read_orders",
    ("QueryRoot", "returnableFulfillments"): "read_returns",
    ("Order", "returns"): "read_returns",
    ("LineItem", "product"): "read_products",
    ("Mutation", "returnRequest"): "write_returns",
    ("Mutation", "returnCreate"): "write_returns",
    ("Mutation", "orderCancel"): "write_orders",
    ("Mutation", "orderUpdate"): "write_orders",
}
MUTATION_COST = 10


@dataclass(frozen=True)
class Prepared:
    """A parsed and validated request: what it needs, what it costs, or why it failed."""

    document: DocumentNode | None
    errors: list[dict[str, Any]]
    cost: int
    scopes_used: frozenset[tuple[str, str]]


def _error(message: str, code: str | None = None, **extensions: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message}
    if code:
        error["extensions"] = {"code": code, **extensions}
    return error


def prepare(
    schema: GraphQLSchema,
    query: Any,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
) -> Prepared:
    if not isinstance(query, str) or not query.strip():
        return Prepared(None, [_error("Parameter Missing or Invalid", "BAD_REQUEST")], 0,
                        frozenset())
    try:
        document = parse(query)
    except GraphQLError as exc:
        return Prepared(None, [exc.formatted], 0, frozenset())
    problems = validate(schema, document)
    if problems:
        return Prepared(None, [p.formatted for p in problems], 0, frozenset())
    operation = _operation(document, operation_name)
    if operation is None:
        return Prepared(None, [_error("An operation name is required")], 0, frozenset())
    walker = _Walker(schema, document, variables or {})
    root = schema.mutation_type if operation.operation.value == "mutation" else schema.query_type
    assert isinstance(root, GraphQLObjectType)
    cost = walker.cost(operation.selection_set, root)
    if operation.operation.value == "mutation":
        cost += MUTATION_COST
    return Prepared(document, [], cost, frozenset(walker.used))


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        return next((o for o in operations if o.name and o.name.value == name), None)
    return operations[0] if len(operations) == 1 else None


class _Walker:
    """Calculated query cost, roughly as Shopify documents it: an object field costs 1, a
    scalar or enum 0, a field with `first: n` costs n times its selection (a connection 2
    more); and the (type, field) pairs selected, for the scope check."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.used: set[tuple[str, str]] = set()

    def cost(self, selection_set: SelectionSetNode | None, parent: Any) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field_cost(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.cost(selection.selection_set, target)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                target = self.schema.get_type(fragment.type_condition.name.value)
                total += self.cost(fragment.selection_set, target)
        return total

    def _field_cost(self, node: FieldNode, parent: Any) -> int:
        name = node.name.value
        if name == "__typename" or not hasattr(parent, "fields"):
            return 0
        self.used.add((parent.name, name))
        definition = parent.fields[name]
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        inner = self.cost(node.selection_set, named)
        first = self._argument(node, "first")
        if isinstance(first, int):
            connection = named.name.endswith("Connection")
            return (2 if connection else 0) + first * max(inner, 1)
        return 1 + inner

    def _argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                return value_from_ast_untyped(argument.value, self.variables)
        return None


# --- resolvers ---------------------------------------------------------------------------


def _shop(info: Any) -> DemoShop:
    return info.context["shop"]


def _orders(_: Any, info: Any, **args: Any) -> dict[str, Any]:
    newest_first = args.get("reverse") is True
    nodes = _shop(info).search(args.get("query"), first=args.get("first") or 50,
                               newest_first=newest_first)
    return {"nodes": nodes, "edges": [{"node": n, "cursor": n["id"]} for n in nodes]}


def _order(_: Any, info: Any, id: str) -> dict[str, Any] | None:  # noqa: A002 (the API's name)
    return _shop(info).orders.get(id)


def _returnable(_: Any, info: Any, orderId: str, **_args: Any) -> dict[str, Any]:  # noqa: N803
    return {"nodes": _shop(info).returnable_fulfillments(orderId)}


def _job(_: Any, info: Any, id: str) -> dict[str, Any] | None:  # noqa: A002
    return _shop(info).poll_job(id)


def _shop_field(_: Any, info: Any) -> dict[str, Any]:
    shop = _shop(info)
    return {"name": shop.name, "myshopifyDomain": shop.domain, "currencyCode": shop.currency,
            "orderNumberFormatPrefix": "#", "orderNumberFormatSuffix": ""}


def _installation(_: Any, info: Any) -> dict[str, Any]:
    scopes = sorted(info.context["scopes"])
    return {"accessScopes": [{"handle": s, "description": s} for s in scopes]}


def _return_request(_: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002
    created, errors = _shop(info).create_return(
        input["orderId"], input["returnLineItems"], requested=True
    )
    return {"return": created, "userErrors": [e.as_dict() for e in errors]}


def _return_create(_: Any, info: Any, returnInput: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
    created, errors = _shop(info).create_return(
        returnInput["orderId"], returnInput["returnLineItems"], requested=False
    )
    return {"return": created, "userErrors": [e.as_dict() for e in errors]}


def _order_cancel(_: Any, info: Any, orderId: str, **args: Any) -> dict[str, Any]:  # noqa: N803
    job, errors = _shop(info).cancel(orderId, staff_note=args.get("staffNote"))
    listed = [e.as_dict() for e in errors]
    return {"job": job, "orderCancelUserErrors": listed,
            "userErrors": [{"field": e["field"], "message": e["message"]} for e in listed]}


def _order_update(_: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002
    order, errors = _shop(info).update_order(input)
    return {"order": order, "userErrors": [
        {"field": e.field, "message": e.message} for e in errors
    ]}


_RESOLVERS = {
    ("QueryRoot", "orders"): _orders,
    ("QueryRoot", "order"): _order,
    ("QueryRoot", "returnableFulfillments"): _returnable,
    ("QueryRoot", "job"): _job,
    ("QueryRoot", "shop"): _shop_field,
    ("QueryRoot", "currentAppInstallation"): _installation,
    ("Mutation", "returnRequest"): _return_request,
    ("Mutation", "returnCreate"): _return_create,
    ("Mutation", "orderCancel"): _order_cancel,
    ("Mutation", "orderUpdate"): _order_update,
}


def demo_schema(version: str) -> GraphQLSchema:
    """The Admin schema of `version` with the demo's root resolvers (they read the shop from
    the execution context, so one schema serves any number of demo shops)."""
    schema = admin_schema(version)
    for (type_name, field_name), resolver in _RESOLVERS.items():
        type_ = schema.get_type(type_name)
        assert isinstance(type_, GraphQLObjectType)
        type_.fields[field_name].resolve = resolver
    return schema


def actual_cost(data: object) -> int:
    """What an answer cost, as Shopify counts it after the fact: one point per object it
    holds (the requested cost is refunded down to this)."""
    if isinstance(data, dict):
        return 1 + sum(actual_cost(v) for v in data.values())
    if isinstance(data, list):
        return sum(actual_cost(v) for v in data)
    return 0


def run(
    schema: GraphQLSchema,
    prepared: Prepared,
    *,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
    context: dict[str, Any],
) -> ExecutionResult:
    assert prepared.document is not None
    return execute_sync(
        schema,
        prepared.document,
        variable_values=dict(variables or {}),
        operation_name=operation_name,
        context_value=context,
    )
