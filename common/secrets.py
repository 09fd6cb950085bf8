"""Secrets every service checks the same way, and the file the embedded profile keeps them in.

`var/secrets.env` holds one `NAME=value` line per secret, with the same names as the
settings (`RASA_API_TOKEN`, `ACTION_SERVER_TOKEN`, ...). The launcher creates it once (mode
0600) with fresh random values and reads it on every start, so a restart keeps every
shopper's verification and an operator's script can read the tokens; a value given in the
environment wins over the file. Processes get the values through their environment, never
on a command line (`ps` shows command lines to every user of the machine).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

# A published demo value: anyone can mint identity tokens with it. Fine for `make run` on a
# laptop, never for a real store (set SHOPDESK_IDENTITY_SECRET to a long random string).
DEMO_IDENTITY_SECRET = "demo-identity-secret-change-me-please"


def derived_forwarding_secret(verification_secret: str) -> str:
    """The key that signs forwarded shopper keys, derived from the verification secret: the
    action server and the store, started one by one with the same environment, agree on it."""
    return hmac.new(
        verification_secret.encode(), b"shopdesk-store-forwarding", hashlib.sha256
    ).hexdigest()
# What the embedded profile generates on first start (and what an operator may set instead).
GENERATED_SECRETS = (
    "RASA_API_TOKEN",
    "ACTION_SERVER_TOKEN",
    "STORE_API_TOKEN",
    "SHOPDESK_VERIFICATION_SECRET",
    "SHOPDESK_IDENTITY_SECRET",
    "SHOPDESK_FORWARDING_SECRET",
    # The agents' login to the inbox (user `agent`, or HELPDESK_AGENT_USER).
    "HELPDESK_AGENT_PASSWORD",
)
_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")
PRIVATE_FILE_MODE = 0o600
# Files Shopdesk's processes create (SQLite databases, logs) are readable by their owner only.
PRIVATE_UMASK = 0o077
# What var/ holds that names shoppers: databases (with SQLite's side files) and logs.
_PRIVATE_PATTERNS = ("*.db", "*.db-*", "*.env", "log/*.log*", "reports/*")


class SecretsFileError(ValueError):
    """The secrets file is malformed; the message names the file and the line."""


def read_secrets_file(path: Path) -> dict[str, str]:
    """`NAME=value` lines (blank lines and `#` comments allowed); {} when there is no file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None or not match.group(2):
            raise SecretsFileError(f"{path}:{number}: expected NAME=value")
        values[match.group(1)] = match.group(2)
    return values


def load_or_create_secrets(path: Path, names: Iterable[str] = GENERATED_SECRETS) -> dict[str, str]:
    """The secrets in `path`, after adding a fresh random value for each missing name.

    The file is only ever written whole (a new file renamed over the old one) and is
    readable by its owner alone.
    """
    values = read_secrets_file(path)
    missing = [name for name in names if name not in values]
    if missing:
        values.update({name: secrets.token_urlsafe(32) for name in missing})
        _write_private(path, "".join(f"{name}={value}\n" for name, value in values.items()))
    elif path.exists() and stat.S_IMODE(path.stat().st_mode) != PRIVATE_FILE_MODE:
        path.chmod(PRIVATE_FILE_MODE)
    return values


def secrets_with_overrides(
    stored: Mapping[str, str], env: Mapping[str, str], names: Iterable[str] = GENERATED_SECRETS
) -> dict[str, str]:
    """Each secret from the environment when set there, else from the file."""
    return {name: env.get(name) or stored[name] for name in names}


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, PRIVATE_FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def make_private(directory: Path) -> list[Path]:
    """Tightens the state files in `directory` (var/) that others could read to 0600;
    returns those it changed (files made before the launcher set its umask)."""
    changed = []
    for pattern in _PRIVATE_PATTERNS:
        for path in directory.glob(pattern):
            if path.is_file() and stat.S_IMODE(path.stat().st_mode) & 0o077:
                path.chmod(PRIVATE_FILE_MODE)
                changed.append(path)
    return changed
