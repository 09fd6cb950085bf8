"""Starts Rasa's server with its secrets taken from the environment:
`python -m bot.rasa_server [rasa run options]` (run in the Rasa engine's environment).

`rasa run --auth-token T` would put the API token on the command line, which `ps` shows to
every user of the machine. This reads it from `RASA_API_TOKEN` (required: Rasa's HTTP API
reads and writes every conversation) and the browsers' origins allowed by CORS from
`SHOPDESK_ALLOWED_ORIGINS` (comma-separated; "*" is refused), and hands both to Rasa's own
command line parser inside this process, through `bot.rasa_cli` (Shopdesk's patches first).
"""

from __future__ import annotations

import os
import sys

# How long a thread that wants the GIL waits before the running one is asked to let go
# (Python's default: 5 ms). The Rasa server's event loop, its NLU worker thread and the
# second sentence encoder's thread share one GIL: every time the NLU thread comes back from
# ONNX Runtime or numpy it waits for the loop's Python code, up to this long. At 1 ms the
# load benchmark's p95 at 20 turns/s was 0.81, 0.94 and 0.98x the default's in three
# alternating pairs (`python -m tools.benchmarks.compare`, docs/performance.md).
SWITCH_INTERVAL_SECONDS = 0.001


class ServerSettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


def rasa_arguments(options: list[str], env: dict[str, str] | os._Environ[str]) -> list[str]:
    """The arguments of `rasa run`: `options` plus the token and the allowed origins."""
    token = (env.get("RASA_API_TOKEN") or "").strip()
    if not token:
        raise ServerSettingsError(
            "RASA_API_TOKEN is required: Rasa's HTTP API must not be open to anyone"
        )
    if any(o.split("=", 1)[0] in ("--auth-token", "-t", "--cors") for o in options):
        raise ServerSettingsError(
            "pass the token as RASA_API_TOKEN and the origins as SHOPDESK_ALLOWED_ORIGINS"
        )
    origins = [o.strip() for o in (env.get("SHOPDESK_ALLOWED_ORIGINS") or "").split(",")]
    origins = [o for o in origins if o]
    for origin in origins:
        if origin == "*" or not origin.startswith(("http://", "https://")):
            raise ServerSettingsError(
                "SHOPDESK_ALLOWED_ORIGINS must list the store's origins "
                f"(like https://shop.example.com), got {origin!r}"
            )
    # One argument, `--auth-token=T`: a generated token may start with "-", which argparse
    # would read as the next option after a separate "--auth-token".
    arguments = ["run", *options, f"--auth-token={token}"]
    return arguments + (["--cors", *origins] if origins else [])


def main() -> int:
    try:
        arguments = rasa_arguments(sys.argv[1:], os.environ)
    except ServerSettingsError as exc:
        print(f"rasa server: configuration error: {exc}", file=sys.stderr)
        return 2
    from bot import rasa_cli

    # Rasa's parser reads sys.argv; the process's visible command line is unchanged.
    sys.argv = ["rasa", *arguments]
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    rasa_cli.main()  # Shopdesk's patches to Rasa, then Rasa's own command line
    return 0


if __name__ == "__main__":
    sys.exit(main())
