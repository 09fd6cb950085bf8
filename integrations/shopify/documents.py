"""The GraphQL documents the client sends, one `.graphql` file per operation.

A file holds one operation (query or mutation) or only fragments; an operation is sent with
the fragments it spreads, taken from the fragment files. Every document is validated against
Shopify's real Admin schema in the test suite (tests/unit/shopify).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor

DOCUMENTS_DIR = Path(__file__).resolve().parent / "documents"


@dataclass(frozen=True)
class Document:
    """One operation as sent: its file's stem, its operation name and the full text."""

    name: str
    operation_name: str
    operation_type: str  # "query" or "mutation"
    text: str


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.names.add(node.name.value)


def _spread_names(
    node: DocumentNode | FragmentDefinitionNode | OperationDefinitionNode,
) -> set[str]:
    spreads = _Spreads()
    visit(node, spreads)
    return spreads.names


@functools.cache
def _fragments() -> dict[str, FragmentDefinitionNode]:
    found: dict[str, FragmentDefinitionNode] = {}
    for path in sorted(DOCUMENTS_DIR.glob("*.graphql")):
        for definition in parse(path.read_text(encoding="utf-8")).definitions:
            if isinstance(definition, FragmentDefinitionNode):
                if definition.name.value in found:
                    raise ValueError(f"fragment {definition.name.value} is defined twice")
                found[definition.name.value] = definition
    return found


def _with_fragments(operation: OperationDefinitionNode) -> str:
    fragments = _fragments()
    needed: list[str] = []
    pending = sorted(_spread_names(operation))
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        if name not in fragments:
            raise ValueError(f"operation {operation.name.value if operation.name else '?'} "
                             f"spreads unknown fragment {name}")
        needed.append(name)
        pending.extend(sorted(_spread_names(fragments[name])))
    parts = [print_ast(operation), *(print_ast(fragments[n]) for n in sorted(needed))]
    return "\n\n".join(parts) + "\n"


@functools.cache
def all_documents() -> dict[str, Document]:
    """Every operation document, by file stem."""
    documents: dict[str, Document] = {}
    for path in sorted(DOCUMENTS_DIR.glob("*.graphql")):
        parsed = parse(path.read_text(encoding="utf-8"))
        operations = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
        if not operations:
            continue  # a fragment file
        if len(operations) != 1 or operations[0].name is None:
            raise ValueError(f"{path.name}: expected exactly one named operation")
        operation = operations[0]
        assert operation.name is not None
        documents[path.stem] = Document(
            name=path.stem,
            operation_name=operation.name.value,
            operation_type=operation.operation.value,
            text=_with_fragments(operation),
        )
    return documents


def document(name: str) -> Document:
    """The operation in `documents/<name>.graphql`."""
    try:
        return all_documents()[name]
    except KeyError:
        raise KeyError(f"no GraphQL document {name!r} in {DOCUMENTS_DIR.name}/") from None
