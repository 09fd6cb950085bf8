"""Fault tests of the production profile scaled out: two Rasa instances and two action
servers behind HAProxy, two outbox workers, PostgreSQL and Redis, a fake Zendesk, started
and supervised by the launcher's own code (tests/support/cluster.py).

One cluster for the module (starting it is the expensive part), on a PostgreSQL and a Redis
server of its own (free ports, temporary folders) that the outage tests stop and start
again; the test that kills a Rasa instance runs last. Needs PostgreSQL's and Redis's server
binaries and HAProxy (`make lb`); in CI their absence is a failure, elsewhere a skip.
"""

from __future__ import annotations

import http.client
import json
import re
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot import lb
from bot.stack import ClusterPorts, Scale
from handoff.chat import REPLY, ChatMessage
from handoff.rasa_api import RasaClient
from tests.conftest import require_service
from tests.fakes.server import Fault
from tests.fakes.zendesk import FakeZendesk
from tests.support.cluster import ProductionCluster, production_cluster, redis_command
from tests.support.polling_client import PollingClient
from tests.support.rest_client import RetryingClient
from tests.support.servers import OwnPostgres, OwnRedis, postgres_available, redis_available
from tests.support.slow_proxy import SlowProxy
from tests.support.stack import buttons, free_port, texts

pytestmark = pytest.mark.e2e

SCALE = Scale(rasa_instances=2, action_servers=2, outbox_workers=2)
REDIS_DB = 11
ZD_EMAIL, ZD_TOKEN = "bot@example.com", "zd-faults-token"
STORE_APOLOGY = "can't reach our order system"


def _haproxy_installed() -> bool:
    try:
        lb.haproxy_binary()
        return True
    except lb.BalancerMissing:
        return False


@pytest.fixture(scope="module")
def zendesk() -> Iterator[FakeZendesk]:
    fake = FakeZendesk(email=ZD_EMAIL, token=ZD_TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def store_proxy() -> Iterator[SlowProxy]:
    proxy = SlowProxy("http://127.0.0.1:1").start()  # upstream set once the ports are known
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    require_service(postgres_available(), "PostgreSQL's server binaries (initdb, pg_ctl)")
    server = OwnPostgres().start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def own_redis() -> Iterator[OwnRedis]:
    require_service(redis_available(), "redis-server")
    server = OwnRedis().start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory,
    zendesk: FakeZendesk,
    store_proxy: SlowProxy,
    own_postgres: OwnPostgres,
    own_redis: OwnRedis,
) -> Iterator[ProductionCluster]:
    require_service(_haproxy_installed(), "HAProxy (make lb)")
    ports = ClusterPorts.allocate(SCALE, free_port)
    store_proxy.upstream_port = ports.store
    workdir: Path = tmp_path_factory.mktemp("faults")
    with production_cluster(
        workdir,
        scale=SCALE,
        redis_db=REDIS_DB,
        ports=ports,
        pg_port=own_postgres.port,
        redis_port=own_redis.port,
        # The action servers reach the store through the proxy that can make it slow.
        extra_env={"STORE_URL": store_proxy.url},
        handoff_env={
            "ZENDESK_SUBDOMAIN": "127",  # zenpy builds https://{subdomain}.{domain}
            "ZENDESK_DOMAIN": f"0.0.1:{zendesk.port}",
            "ZENPY_FORCE_SCHEME": "http",
            "ZENDESK_EMAIL": ZD_EMAIL,
            "ZENDESK_TOKEN": ZD_TOKEN,
            "HANDOFF_MAX_BACKOFF_SECONDS": "1",
        },
    ) as running:
        yield running


def shopper(tag: str) -> str:
    return f"fault-{tag}-{uuid.uuid4().hex[:10]}"


def _in_parallel(jobs: list[Callable[[], Any]]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return [f.result() for f in [pool.submit(job) for job in jobs]]


def _tracker_user_texts(cluster: ProductionCluster, sender: str) -> list[str]:
    """What the client can see through the balancer (Rasa's HTTP API, with the token)."""
    url = f"{cluster.url}/conversations/{sender}/tracker?token={cluster.token}"
    with urllib.request.urlopen(url, timeout=30) as response:
        tracker = json.loads(response.read())
    return [e["text"] for e in tracker["events"] if e.get("event") == "user"]


def _assert_turns_not_interleaved(events: list[dict[str, Any]]) -> None:
    """Each shopper message starts a turn that ends with action_listen before the next."""
    listening = True
    for event in events:
        if event.get("event") == "user":
            assert listening, "a message was taken while another turn was running"
            listening = False
        elif event.get("event") == "action" and event.get("name") == "action_listen":
            listening = True


# -- the tests ---------------------------------------------------------------------------


def test_same_conversation_on_both_instances_is_serialised_by_the_lock_store(
    cluster: ProductionCluster,
) -> None:
    me = shopper("lock")
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    messages = [f"hello, this is {word}" for word in words]
    instances = cluster.cluster.rasa_instance_urls
    start = threading.Barrier(len(messages))

    def send(i: int) -> tuple[int, Any]:
        start.wait()
        return cluster.post(instances[i % len(instances)], me, messages[i], timeout=60)

    results = _in_parallel([lambda i=i: send(i) for i in range(len(messages))])

    assert all(status == 200 and body for status, body in results), results
    stored = cluster.user_texts(me)
    assert sorted(stored) == sorted(messages), "lost or duplicated messages"
    _assert_turns_not_interleaved(cluster.events(me))


def test_instances_see_the_shoppers_address_not_the_balancers_nor_a_forged_one(
    cluster: ProductionCluster,
) -> None:
    me = shopper("addr")
    # The shopper connects from 127.0.0.2 (the balancer is 127.0.0.1) and forges the header.
    connection = http.client.HTTPConnection(
        "127.0.0.1", cluster.cluster.ports.rasa, timeout=60, source_address=("127.0.0.2", 0)
    )
    try:
        connection.request(
            "POST",
            "/webhooks/rest/webhook",
            body=json.dumps({"sender": me, "message": "hi"}),
            headers={"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.7"},
        )
        assert connection.getresponse().status == 200
    finally:
        connection.close()
    stored = next(e for e in cluster.events(me) if e.get("event") == "user")
    assert stored["metadata"]["client_ip"] == "127.0.0.2"


def test_widget_sessions_stick_to_one_instance_by_cookie(cluster: ProductionCluster) -> None:
    """socket.io over long-polling keeps its session in one Rasa process. Each request here
    comes from another source address, so only the balancer's cookie can keep a session on
    its instance; a request on the wrong instance would be refused (unknown session)."""
    sources = [f"127.0.0.{n}" for n in range(2, 12)]
    clients = [PollingClient(port=cluster.cluster.ports.rasa) for _ in range(4)]
    for number, client in enumerate(clients):
        client.connect(source=sources[number])
        assert "SHOPDESK_RASA" in client.cookies
        client.emit("session_request", {}, source=sources[number + 1])
        # The server mints the session (and its token); a name of the client's own is refused.
        (confirmed,) = client.wait_for("session_confirm", source=sources[number + 2])
        session = confirmed["session_id"]
        client.emit("user_uttered", {"message": "where is order 10023? it's jo@example.com",
                                     "session_id": session}, source=sources[number + 3])
        replies = client.wait_for("bot_uttered", source=sources[number + 4])
        assert any("UPS" in (reply.get("text") or "") for reply in replies), replies
    assert {c.cookies["SHOPDESK_RASA"] for c in clients} <= {"rasa-1", "rasa-2"}


def test_slow_then_down_store_degrades_and_recovers_without_restart(
    cluster: ProductionCluster, store_proxy: SlowProxy
) -> None:
    question = "where is order 10023? it's jo@example.com"

    def ask_many(tag: str) -> list[tuple[float, list[dict[str, Any]]]]:
        def one(_: int) -> tuple[float, list[dict[str, Any]]]:
            started = time.monotonic()
            status, body = cluster.post(cluster.url, shopper(tag), question)
            assert status == 200, (status, body)
            return time.monotonic() - started, body

        return _in_parallel([lambda i=i: one(i) for i in range(8)])

    def assert_apology(results: list[tuple[float, list[dict[str, Any]]]]) -> None:
        for elapsed, reply in results:
            assert STORE_APOLOGY in texts(reply), texts(reply)
            assert "/human_agent" in buttons(reply)
            assert "Traceback" not in texts(reply) and "Error" not in texts(reply)
            assert elapsed < 8.0, f"apology took {elapsed:.1f} s"

    store_proxy.delay = 4.0  # beyond STORE_TIMEOUT_SECONDS (2.5)
    try:
        assert_apology(ask_many("slow"))
    finally:
        store_proxy.delay = 0.0
    cluster.cluster.kill("store", signal.SIGKILL)
    try:
        assert_apology(ask_many("down"))
    finally:
        cluster.cluster.restart("store", timeout=60)

    recovered = ask_many("back")
    assert all("UPS" in texts(reply) for _, reply in recovered), recovered
    assert cluster.cluster.stack.first_exited() is None  # nothing crashed


def test_two_outbox_workers_deliver_every_escalation_once_despite_zendesk_faults(
    cluster: ProductionCluster, zendesk: FakeZendesk
) -> None:
    # Faults while the escalations arrive: server errors, rate limits with Retry-After, and
    # two tickets created whose responses never come back (the client times out and retries).
    zendesk.fail_for(6.0, method="POST", path_contains="/tickets.json", status=500)
    zendesk.add_fault(
        Fault(method="POST", path_contains="/users/", status=429, retry_after=1, times=4)
    )
    zendesk.add_fault(  # after the 500s: created, then stalls past the client's 10 s timeout
        Fault(method="POST", path_contains="/tickets.json", stall_after_handling=11, times=1)
    )
    # A slow Zendesk (0.5 s per requester lookup): a worker busy delivering one row leaves
    # the next rows to the other worker.
    zendesk.fail_for(120.0, method="POST", path_contains="/users/", delay=0.5)
    senders = [shopper("escalate") for _ in range(10)]

    def escalate(me: str) -> str:
        status, asked = cluster.post(
            cluster.url, me, "the courier threw my parcel over the fence and i want to complain"
        )
        assert status == 200 and "which email address" in texts(asked).lower(), asked
        status, done = cluster.post(cluster.url, me, f"{me}@example.com")
        reference = re.search(r"\bSD-[A-Z0-9]{6}\b", texts(done))
        assert status == 200 and reference, done
        return reference.group(0)

    references = _in_parallel([lambda me=me: escalate(me) for me in senders])

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _pending_deliveries(cluster) > 0:
        time.sleep(0.5)
    assert _pending_deliveries(cluster) == 0, "escalations still undelivered after 60 s"
    with zendesk.lock:
        tickets = [t.external_id for t in zendesk.tickets.values()]
    ours = [t for t in tickets if t and any(f":{me}:" in t for me in senders)]
    assert sorted(ours) == sorted(f"shopdesk:{me}:1" for me in senders), tickets
    assert len(zendesk.calls("POST", "/tickets.json")) > len(senders)  # faults were hit
    # Each escalation was completed by exactly one of the two outbox workers (which one is
    # not a guarantee: one worker may rightly take every row).
    opened = {
        name: [line for line in cluster.cluster.process(name).log_path.read_text().splitlines()
               if ": ticket " in line and any(f"handoff {r}:" in line for r in references)]
        for name in ("handoff-1", "handoff-2")
    }
    lines = [line for worker in opened.values() for line in worker]
    assert sorted(r for r in references for line in lines if f"handoff {r}:" in line) == sorted(
        references), opened
    with zendesk.lock:
        zendesk.faults.clear()
    print(f"\ntickets opened per outbox worker: "
          f"{ {name: len(lines) for name, lines in opened.items()} }")


def _pending_deliveries(cluster: ProductionCluster) -> int:
    with psycopg.connect(**cluster.pg, dbname=cluster.databases["handoff"]) as conn:
        row = conn.execute(
            "SELECT count(*) FROM handoff_outbox WHERE kind = 'escalation' AND status <> 'done'"
        ).fetchone()
    return int(row[0]) if row else -1


def _ask_until_answered(
    cluster: ProductionCluster, sender: str, text: str, message_id: str
) -> tuple[list[dict[str, Any]], int]:
    """Resends one message (same id) until it is answered, as the widget does; the reply and
    how many attempts were refused. Bounded: 60 s."""
    deadline = time.monotonic() + 60
    refused = 0
    while time.monotonic() < deadline:
        status, body = cluster.post(cluster.url, sender, text, timeout=30,
                                    metadata={"message_id": message_id})
        if status == 200:
            return body, refused
        assert status == 503 and isinstance(body, dict) and body["retryable"], (status, body)
        refused += 1
        time.sleep(0.5)
    raise AssertionError(f"{text!r} not answered within 60 s of the store coming back")


def _during_outage(cluster: ProductionCluster, sender: str) -> list[tuple[int, Any, dict]]:
    return [
        cluster.exchange(cluster.url, sender, "10023", timeout=30,
                         metadata={"message_id": f"outage-{n}"})
        for n in range(6)
    ]


def _assert_refused_loudly(results: list[tuple[int, Any, dict]]) -> None:
    for status, body, headers in results:
        assert status == 503, (status, body)  # never a 200 with an empty reply
        assert headers.get("retry-after") == "1", headers
        assert isinstance(body, dict) and body.get("retryable") is True, body


def _assert_conversation_kept(
    cluster: ProductionCluster, me: str, what: str
) -> None:
    """The shopper's retry after the outage continues the conversation where it was: the
    bot asked for the order number before, so "10023" now gets the question for the email
    (a bot that forgot would ask for the order number again)."""
    reply, refused = _ask_until_answered(cluster, me, "10023", f"after-{what}")
    assert "email" in texts(reply).lower(), texts(reply)
    assert cluster.user_texts(me) == ["where is my order?", "10023"]  # nothing else stored
    print(f"\n{what} outage: 6 of 6 messages answered 503 + Retry-After + retryable; "
          f"back after {refused} more refused attempt(s) once it returned")


@pytest.mark.parametrize("store", ["Redis", "PostgreSQL"])
def test_a_store_down_is_a_retryable_503_never_a_conversation_in_memory(
    store: str, cluster: ProductionCluster, own_redis: OwnRedis, own_postgres: OwnPostgres
) -> None:
    """Redis (the conversation locks) or PostgreSQL (the conversations) stopped: every
    message is refused loudly and nothing is stored; once it is back the conversation goes
    on where it was, without a restart."""
    server = own_redis if store == "Redis" else own_postgres
    me = shopper(store.lower())
    status, asked = cluster.post(cluster.url, me, "where is my order?")
    assert status == 200 and "order number" in texts(asked).lower(), asked
    server.stop()
    try:
        results = _during_outage(cluster, me)
    finally:
        server.start()
    _assert_refused_loudly(results)
    _assert_conversation_kept(cluster, me, store)


def test_readiness_follows_the_stores_and_is_not_public(
    cluster: ProductionCluster, own_redis: OwnRedis
) -> None:
    instance = cluster.cluster.rasa_instance_urls[0]

    def ready() -> tuple[int, dict[str, Any]]:
        try:
            with urllib.request.urlopen(f"{instance}/webhooks/rest/ready", timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    assert ready() == (200, {"status": "ready",
                             "checks": {"tracker_store": "ok", "lock_store": "ok"}})
    own_redis.stop()
    try:
        status, body = ready()
    finally:
        own_redis.start()
    assert status == 503 and body["checks"]["tracker_store"] == "ok", body
    assert body["checks"]["lock_store"] != "ok", body
    with pytest.raises(urllib.error.HTTPError) as through_balancer:
        urllib.request.urlopen(f"{cluster.url}/webhooks/rest/ready", timeout=10)
    assert through_balancer.value.code == 404


def test_a_resent_message_is_handled_once_and_answered_the_same(
    cluster: ProductionCluster,
) -> None:
    me = shopper("resend")
    first = cluster.post(cluster.url, me, "where is order 10023? it's jo@example.com",
                         metadata={"message_id": "m-1"})
    again = cluster.post(cluster.url, me, "where is order 10023? it's jo@example.com",
                         metadata={"message_id": "m-1"})
    assert first[0] == again[0] == 200 and "UPS" in texts(first[1])
    assert [r.get("text") for r in again[1]] == [r.get("text") for r in first[1]]
    assert cluster.user_texts(me) == ["where is order 10023? it's jo@example.com"]


def test_widget_messages_are_handled_once_and_retried_after_an_outage(
    cluster: ProductionCluster, own_redis: OwnRedis
) -> None:
    """The widget's side (socket.io, straight to one instance): a message resent with its
    message id gets the same replies and is stored once; with Redis down the instance asks
    the widget to send it again (`shopdesk_retry`, the message id, `retry_after`), and the
    resend is handled once Redis is back."""
    instance_port = cluster.cluster.ports.rasa_instances[0]
    widget = PollingClient(port=instance_port)
    widget.connect(source="127.0.0.1")
    widget.emit("session_request", {}, source="127.0.0.1")
    (confirmed,) = widget.wait_for("session_confirm", source="127.0.0.1")
    me = confirmed["session_id"]  # minted by the server, with its token

    def say(text: str, message_id: str) -> None:
        widget.emit("user_uttered", {"message": text, "session_id": me,
                                     "customData": {"message_id": message_id}},
                    source="127.0.0.1")

    say("where is order 10023? it's jo@example.com", "w-1")
    first = widget.wait_for("bot_uttered", source="127.0.0.1")
    say("where is order 10023? it's jo@example.com", "w-1")
    again = widget.wait_for("bot_uttered", source="127.0.0.1")
    assert any("UPS" in (r.get("text") or "") for r in first), first
    assert any("UPS" in (r.get("text") or "") for r in again), again  # answered again

    own_redis.stop()
    try:
        say("what is your return policy?", "w-2")
        (retry,) = widget.wait_for("shopdesk_retry", source="127.0.0.1")
    finally:
        own_redis.start()
    assert retry["message_id"] == "w-2" and retry["retryable"] is True, retry
    assert retry["retry_after"] >= 1, retry
    say("what is your return policy?", "w-2")
    assert widget.wait_for("bot_uttered", source="127.0.0.1")
    # the widget hears the replies while the turn runs; its events are stored when it ends
    _wait_until_turns_stored(cluster, me, turns=2)
    assert cluster.user_texts(me) == [  # each message once: the resends ran nothing twice
        "where is order 10023? it's jo@example.com", "what is your return policy?"
    ]


def test_an_agents_reply_reaches_the_widget_held_by_the_other_instance(
    cluster: ProductionCluster, own_redis: OwnRedis
) -> None:
    """The handoff service appends an agent's reply through Rasa's HTTP API at whichever
    instance the balancer picks (handoff/chat.py); sent to the instance the widget is not
    connected to, it reaches the open widget through the Redis fan-out (bot/chat_fanout.py),
    without the widget asking for a re-sync. Runs after the Redis outages above: both
    instances have subscribed again."""
    channel = f"shopdesk:chat:{cluster.env['REDIS_DB']}:/"

    def subscribers() -> int:
        reply = redis_command("PUBSUB", "NUMSUB", channel, port=own_redis.port)
        return int(reply.rstrip().rsplit(b":", 1)[-1])

    deadline = time.monotonic() + 30
    while subscribers() < 2:
        assert time.monotonic() < deadline, "the instances did not subscribe within 30 s"
        time.sleep(0.2)
    widget_port, other_port = cluster.cluster.ports.rasa_instances[:2]
    widget = PollingClient(port=widget_port)
    widget.connect(source="127.0.0.1")
    widget.emit("session_request", {}, source="127.0.0.1")
    (confirmed,) = widget.wait_for("session_confirm", source="127.0.0.1")
    me = confirmed["session_id"]
    widget.emit("user_uttered", {"message": "hello", "session_id": me,
                                 "customData": {"message_id": "fan-1"}}, source="127.0.0.1")
    assert widget.wait_for("bot_uttered", source="127.0.0.1")
    _wait_until_turns_stored(cluster, me, turns=1)

    reply = ChatMessage(
        id=424242, conversation_id=me, kind=REPLY, author="Sam",
        body="Sam here: your parcel left our warehouse this morning.", response=None,
        resume=False, status="pending", attempts=0, created_at=datetime.now(UTC),
        delivered_at=None,
    )
    with RasaClient(base_url=f"http://127.0.0.1:{other_port}", token=cluster.token) as rasa:
        rasa.append_events(me, reply.events(timestamp=time.time()), output_channel="socketio")
    shown = widget.wait_for("bot_uttered", source="127.0.0.1")
    assert [(m.get("id"), m.get("text"), m.get("author")) for m in shown] == [
        ("hm424242", reply.body, "Sam")
    ], shown


def _wait_until_turns_stored(cluster: ProductionCluster, sender: str, *, turns: int) -> None:
    """Returns once `turns` shopper messages are stored and the last turn has ended (the bot
    listens again). Bounded: 60 s."""

    def stored() -> bool:
        events = cluster.events(sender)
        users = [e for e in events if e.get("event") == "user"]
        listening = bool(events) and events[-1].get("name") == "action_listen"
        return len(users) >= turns and listening

    deadline = time.monotonic() + 60
    while not stored():
        assert time.monotonic() < deadline, f"{sender}: {turns} turns not stored within 60 s"
        time.sleep(0.2)


def test_killing_a_rasa_instance_mid_run_loses_and_duplicates_nothing(
    cluster: ProductionCluster,
) -> None:
    """A Rasa instance is SIGKILLed mid-run (as the OOM killer would): the launcher's
    supervisor restarts it while the other instance keeps serving; shoppers' clients retry
    with the same message id; every message is stored once, in order."""
    client = RetryingClient(cluster.cluster.ports.rasa)
    senders = [shopper("kill") for _ in range(10)]
    script = [
        "hi",
        "where is my order?",
        "10023",
        "jo@example.com",
        "what is your return policy?",
        "thanks",
    ]
    answered: dict[str, int] = {me: 0 for me in senders}
    halfway = threading.Event()

    def converse(me: str) -> None:
        for text in script:
            reply = client.say(me, text)
            assert reply, f"{me}: empty reply to {text!r}"
            answered[me] += 1
            if sum(answered.values()) >= len(senders) * 2:
                halfway.set()

    after_kill: list[int] = []
    killed: dict[str, Any] = {}

    def killer() -> None:
        assert halfway.wait(timeout=120)
        killed["pid"] = cluster.cluster.crash("rasa-2")
        killed["at"] = time.monotonic()
        # Before the health checks notice (2 x 1 s), round-robin still picks the dead
        # instance: refused connections must be resent to the live one, unseen by shoppers.
        for _ in range(6):
            status, _body = cluster.post(cluster.url, shopper("fresh"), "hi", timeout=30)
            after_kill.append(status)

    _in_parallel([*[lambda me=me: converse(me) for me in senders], killer])
    assert after_kill == [200] * 6, after_kill
    assert client.bare_closes == 0, (
        f"a keep-alive client got a connection closed unanswered: {client.errors}"
    )

    for me in senders:
        assert cluster.user_texts(me) == script, me  # each message once, in order
        _assert_turns_not_interleaved(cluster.events(me))

    # The launcher's supervisor starts the killed instance again; the balancer takes it back.
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not (
        cluster.supervisor.restarts.get("rasa-2") == 1 and _balancer_ready(cluster)
    ):
        time.sleep(0.5)
    assert cluster.supervisor.restarts.get("rasa-2") == 1, cluster.supervisor_log
    assert _balancer_ready(cluster), "the restarted instance did not rejoin the balancer"
    back_after = time.monotonic() - killed["at"]
    assert cluster.cluster.pids()["rasa-2"] != killed["pid"]
    assert cluster.supervisor.restarts == {"rasa-2": 1}, cluster.supervisor_log  # only it
    print(f"\nkilled rasa-2 mid-run: {len(senders) * len(script)} turns, all answered; "
          f"{len(client.errors)} retryable failures seen by clients {client.errors} "
          f"(resent with the same message id), {client.bare_closes} bare connection closes; "
          f"rasa-2 restarted by the supervisor and back in the balancer after "
          f"{back_after:.0f} s; supervisor: {cluster.supervisor_log}")


def _balancer_ready(cluster: ProductionCluster) -> bool:
    try:
        with urllib.request.urlopen(f"{cluster.url}/lb-ready", timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False
