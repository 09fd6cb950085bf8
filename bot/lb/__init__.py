"""Shopdesk's load balancer: one HAProxy configuration template for every deployment.

`render()` fills `haproxy.cfg.in` with where to listen and which servers to balance; the
launcher renders it for processes on this machine, and `deploy/` holds the same template
rendered for docker-compose and Kubernetes service names (a unit test keeps them equal):

    python -m bot.lb --rasa-bind :5005 --actions-bind :5055 \\
        --rasa rasa-1:5005 --rasa rasa-2:5005 --actions actions-1:5055 ... > haproxy.cfg
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from string import Template

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "haproxy.cfg.in"
ERRORS_DIR = HERE / "errors"
DEBIAN_HAPROXY = Path("/usr/sbin/haproxy")


class BalancerMissing(RuntimeError):
    """HAProxy is not installed (`make lb` installs Debian's package)."""


def haproxy_binary() -> Path:
    found = shutil.which("haproxy")
    if found:
        return Path(found)
    if DEBIAN_HAPROXY.exists():
        return DEBIAN_HAPROXY
    raise BalancerMissing("HAProxy is not installed: run `make lb` (apt-get install haproxy)")


def _servers(
    prefix: str, addresses: Sequence[str], *, cookies: bool = False, indent: str = "    "
) -> str:
    if not addresses:
        raise ValueError(f"at least one {prefix} server is needed")
    lines = []
    for number, address in enumerate(addresses, start=1):
        name = f"{prefix}-{number}"
        line = f"{indent}server {name} {address} check"
        if cookies:
            line += f" cookie {name}"
        lines.append(line)
    return "\n".join(lines)


# Beyond one machine (deploy/): the only front end the internet reaches. The chat channels
# (REST, socket.io) and the widget's script from the store; Rasa's HTTP API, the readiness
# check and the action servers stay on the cluster network (the `rasa` front end).
_PUBLIC_FRONTEND = """
# Shoppers from the internet: only /webhooks/* (not the readiness check), /socket.io/ and
# the widget's script (/static/ on the store); anything else is a 404 here.
frontend public
    bind ${public_bind}
    option httpclose  # as the rasa front end: a dead instance is a 502, never silence
    http-request return status 200 content-type text/plain string alive if { path /lb-live }
    http-request set-header X-Forwarded-For %[src]
    acl chat path_beg /webhooks/
    acl socketio path_beg /socket.io/
    acl widget path_beg /static/
    http-request deny deny_status 404 if { path /webhooks/rest/ready }
    http-request deny deny_status 404 if !chat !socketio !widget
    use_backend rasa_socketio if socketio
    use_backend widget_assets if widget
    default_backend rasa_rest

backend widget_assets
    option httpchk GET /health
    http-check expect status 200
    server store-1 ${store_server} check
"""


def render(
    *,
    rasa_bind: str,
    actions_bind: str,
    rasa_servers: Sequence[str],
    action_servers: Sequence[str],
    errors_dir: Path | str = ERRORS_DIR,
    public_bind: str | None = None,
    store_server: str | None = None,
) -> str:
    """The HAProxy configuration: `*_bind` as HAProxy's `bind` (e.g. `127.0.0.1:5005`),
    servers as `host:port`. With `public_bind` (and the store's `host:port`) it adds the
    internet-facing front end of deploy/."""
    public = ""
    if public_bind:
        if not store_server:
            raise ValueError("the public front end needs the store's address (store_server)")
        public = Template(_PUBLIC_FRONTEND).substitute(
            public_bind=public_bind, store_server=store_server
        )
    return Template(TEMPLATE.read_text()).substitute(
        public_frontend=public,
        rasa_bind=rasa_bind,
        actions_bind=actions_bind,
        errors_dir=str(errors_dir),
        rasa_count=str(len(rasa_servers)),
        actions_count=str(len(action_servers)),
        rasa_rest_servers=_servers("rasa", rasa_servers),
        rasa_socketio_servers=_servers("rasa", rasa_servers, cookies=True),
        action_servers=_servers("actions", action_servers),
    )
