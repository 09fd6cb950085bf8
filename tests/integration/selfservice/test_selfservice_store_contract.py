"""What the self-service actions rely on, checked against the real store service over HTTP
with a non-default policy (what tests/integration/store does not cover):

- the policy lives in one place: a shorter return window and a lower unit limit change
  `GET /api/v1/policy`, the store's rules, and what the assistant says, together;
- every refusal the actions map to a reply arrives through `StoreClient` as a typed
  `StoreRefusal` with its rule code (returns, cancellation, address change, reused keys).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import bootstrap
from actions.policy import ActionReturnPolicy
from actions.returns import ActionStartReturn
from actions.settings import ActionSettings
from actions.verification import make_proof
from integrations.store import Address, ReturnLine, StoreClient, StoreRefusal
from tests.support.stack import SEEDED_STORE_TOKEN, seeded_store

WINDOW_DAYS = 6  # 10002 (delivered 5 days ago) still in; 10005 (8 days ago) out
MAX_UNITS = 2
SECRET = "selfservice-contract-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {
        "STORE_RETURN_WINDOW_DAYS": str(WINDOW_DAYS),
        "STORE_MAX_UNITS_PER_RETURN": str(MAX_UNITS),
    }
    with seeded_store(tmp_path_factory.mktemp("selfservice-contract"), env=env) as url:
        yield url


@pytest.fixture
def client(store_url: str) -> StoreClient:
    return StoreClient(base_url=store_url, api_token=SEEDED_STORE_TOKEN)


async def refusal_code(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(StoreRefusal) as refused:
        await call
    return refused.value.code


# --- one policy, for the rules and for the answers -------------------------------------


async def test_the_policy_endpoint_serves_the_configured_values(client: StoreClient) -> None:
    async with client:
        policy = await client.get_policy()
    assert (policy.return_window_days, policy.max_units_per_return) == (WINDOW_DAYS, MAX_UNITS)


async def test_the_rules_enforce_the_same_window(client: StoreClient) -> None:
    async with client:
        inside = await client.return_eligibility(order_number="10002", email="ben@example.com")
        outside = await client.return_eligibility(order_number="10005", email="eve@example.com")
        code = await refusal_code(
            client.create_return(
                order_number="10005",
                email="eve@example.com",
                lines=[ReturnLine(100052, 1)],
                reason="changed_mind",
                idempotency_key="contract-window",
            )
        )
    assert inside.return_window_days == outside.return_window_days == WINDOW_DAYS
    assert {line.line_id for line in inside.lines if line.eligible} == {100021, 100022}
    assert {line.refusal_code for line in outside.lines} == {
        "already_returned",
        "return_window_expired",
    }
    assert code == "return_window_expired"


async def test_the_rules_enforce_the_same_unit_limit(client: StoreClient) -> None:
    async with client:
        code = await refusal_code(
            client.create_return(
                order_number="10002",
                email="ben@example.com",
                lines=[ReturnLine(100021, 2), ReturnLine(100022, 1)],
                reason="wrong_size",
                idempotency_key="contract-units",
            )
        )
    assert code == "quantity_exceeded"


def _verified_tracker(order_number: str, email: str) -> Tracker:
    sender = f"contract-{order_number}"
    proof = make_proof(
        secret=SECRET.encode(), sender_id=sender, order_number=order_number, email=email
    )
    return Tracker(
        sender_id=sender,
        slots={
            "order_number": order_number,
            "verified_order_number": order_number,
            "verified_email": email,
            "verification_proof": proof,
        },
        latest_message={"intent": {"name": "start_return"}, "entities": [], "metadata": {}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )


async def test_the_assistant_says_what_the_rules_enforce(store_url: str) -> None:
    bootstrap.configure(
        ActionSettings.from_env(
            {"STORE_URL": store_url, "STORE_API_TOKEN": SEEDED_STORE_TOKEN,
             "SHOPDESK_VERIFICATION_SECRET": SECRET}
        )
    )
    answer = CollectingDispatcher()
    await ActionReturnPolicy().run(answer, _verified_tracker("10005", "eve@example.com"), {})
    refusal = CollectingDispatcher()
    await ActionStartReturn().run(refusal, _verified_tracker("10005", "eve@example.com"), {})

    assert answer.messages[0]["window_days"] == WINDOW_DAYS
    assert answer.messages[0]["max_units"] == MAX_UNITS
    assert refusal.messages[0]["response"] == "utter_return_refused_window_expired"
    assert refusal.messages[0]["window_days"] == WINDOW_DAYS


# --- every refusal the actions handle, typed, through the client ------------------------


@pytest.mark.parametrize(
    ("order_number", "email", "line_id", "code"),
    [
        ("10023", "jo@example.com", 100231, "not_delivered"),
        ("10003", "cara@example.com", 100031, "return_window_expired"),
        ("10010", "jo@example.com", 100102, "final_sale"),
        ("10004", "dev@example.com", 100041, "already_returned"),
        ("10006", "finn@example.com", 100061, "order_cancelled"),
    ],
)
async def test_return_refusals_are_typed(
    client: StoreClient, order_number: str, email: str, line_id: int, code: str
) -> None:
    async with client:
        got = await refusal_code(
            client.create_return(
                order_number=order_number,
                email=email,
                lines=[ReturnLine(line_id, 1)],
                reason="changed_mind",
                idempotency_key=f"contract-{code}",
            )
        )
    assert got == code


async def test_a_key_reused_for_another_return_is_refused(client: StoreClient) -> None:
    async with client:
        first = await client.create_return(
            order_number="10009",
            email="ivy@example.com",
            lines=[ReturnLine(100092, 1)],
            reason="damaged",
            idempotency_key="contract-reuse",
        )
        again = await client.create_return(
            order_number="10009",
            email="ivy@example.com",
            lines=[ReturnLine(100092, 1)],
            reason="damaged",
            idempotency_key="contract-reuse",
        )
        code = await refusal_code(
            client.create_return(
                order_number="10009",
                email="ivy@example.com",
                lines=[ReturnLine(100091, 1)],
                reason="damaged",
                idempotency_key="contract-reuse",
            )
        )
    assert first == again
    assert code == "idempotency_key_reused"


async def test_cancel_and_address_refusals_are_typed(client: StoreClient) -> None:
    address = Address(
        name="Gus Novak", line1="1 New Street", city="Cardiff", postcode="CF10 1AA", country="GB"
    )
    async with client:
        cancel_shipped = await refusal_code(
            client.cancel_order(
                order_number="10007", email="gus@example.com", idempotency_key="contract-c1"
            )
        )
        address_shipped = await refusal_code(
            client.change_shipping_address(
                order_number="10007",
                email="gus@example.com",
                address=address,
                idempotency_key="contract-a1",
            )
        )
        address_cancelled = await refusal_code(
            client.change_shipping_address(
                order_number="10006",
                email="finn@example.com",
                address=address,
                idempotency_key="contract-a2",
            )
        )
    assert (cancel_shipped, address_shipped, address_cancelled) == (
        "already_shipped",
        "already_shipped",
        "order_cancelled",
    )


async def test_cancelling_a_cancelled_order_changes_nothing(client: StoreClient) -> None:
    async with client:
        before = await client.lookup_order(order_number="10006", email="finn@example.com")
        after = await client.cancel_order(
            order_number="10006", email="finn@example.com", idempotency_key="contract-c2"
        )
    assert after.status == "cancelled"
    assert after.refunds == before.refunds
