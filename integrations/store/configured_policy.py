"""The store policy as the store owner configures it, defined in exactly one place and the
same for every backend: the reference store enforces and serves it (``GET /api/v1/policy``),
the action server hands it to the Shopify adapter. Shopdesk's rules
(``integrations.store.rules``) read it, so what the bot tells a shopper and what the store
enforces cannot disagree. Defaults live here; a YAML file (``STORE_POLICY_FILE``) and then
single env vars may override them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml


class PolicyError(ValueError):
    """A policy setting is missing or malformed; the message names the setting."""


@dataclass(frozen=True)
class ShippingMethod:
    code: str
    name: str
    cost: Decimal
    min_days: int
    max_days: int


@dataclass(frozen=True)
class StorePolicy:
    currency: str = "GBP"
    return_window_days: int = 30
    # Most units one return (RMA) may contain; a guard against bulk-return abuse.
    max_units_per_return: int = 10
    final_sale_returnable: bool = False
    refund_processing_days: int = 5
    free_shipping_threshold: Decimal = Decimal("75.00")
    shipping_countries: tuple[str, ...] = ("GB",)
    return_reasons: tuple[str, ...] = (
        "wrong_size",
        "damaged",
        "not_as_described",
        "changed_mind",
        "arrived_late",
        "other",
    )
    shipping_methods: tuple[ShippingMethod, ...] = field(
        default_factory=lambda: (
            ShippingMethod("standard", "Standard delivery", Decimal("3.95"), 3, 5),
            ShippingMethod("express", "Express delivery", Decimal("7.95"), 1, 2),
            ShippingMethod("next_day", "Next-day delivery (order by 2pm)", Decimal("12.95"), 1, 1),
        )
    )

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "return_window_days": self.return_window_days,
            "max_units_per_return": self.max_units_per_return,
            "final_sale_returnable": self.final_sale_returnable,
            "refund_processing_days": self.refund_processing_days,
            "free_shipping_threshold": str(self.free_shipping_threshold),
            "shipping_countries": list(self.shipping_countries),
            "return_reasons": list(self.return_reasons),
            "shipping_methods": [
                {
                    "code": m.code,
                    "name": m.name,
                    "cost": str(m.cost),
                    "min_days": m.min_days,
                    "max_days": m.max_days,
                }
                for m in self.shipping_methods
            ],
        }


def _int(value: Any, name: str, *, minimum: int = 0) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise PolicyError(f"{name} must be an integer, got {value!r}") from None
    if number < minimum:
        raise PolicyError(f"{name} must be >= {minimum}, got {number}")
    return number


def _money(value: Any, name: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise PolicyError(f"{name} must be a decimal amount, got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise PolicyError(f"{name} must be a non-negative amount, got {value!r}")
    return amount.quantize(Decimal("0.01"))


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise PolicyError(f"{name} must be a boolean, got {value!r}")


def policy_from_mapping(data: Mapping[str, Any], *, base: StorePolicy | None = None) -> StorePolicy:
    """Apply a (YAML-shaped) mapping of overrides to ``base`` (defaults when omitted)."""
    policy = base or StorePolicy()
    known = set(StorePolicy.__dataclass_fields__)
    unknown = set(data) - known
    if unknown:
        raise PolicyError(f"unknown policy setting(s): {', '.join(sorted(unknown))}")
    changes: dict[str, Any] = {}
    if "currency" in data:
        changes["currency"] = str(data["currency"]).strip().upper()
    for name in ("return_window_days", "max_units_per_return", "refund_processing_days"):
        if name in data:
            changes[name] = _int(
                data[name], name, minimum=1 if name == "max_units_per_return" else 0
            )
    if "final_sale_returnable" in data:
        changes["final_sale_returnable"] = _bool(
            data["final_sale_returnable"], "final_sale_returnable"
        )
    if "free_shipping_threshold" in data:
        changes["free_shipping_threshold"] = _money(
            data["free_shipping_threshold"], "free_shipping_threshold"
        )
    if "shipping_countries" in data:
        countries = data["shipping_countries"]
        if not isinstance(countries, list) or not countries:
            raise PolicyError("shipping_countries must be a non-empty list")
        changes["shipping_countries"] = tuple(str(c).strip().upper() for c in countries)
    if "return_reasons" in data:
        reasons = data["return_reasons"]
        if not isinstance(reasons, list) or not reasons:
            raise PolicyError("return_reasons must be a non-empty list")
        changes["return_reasons"] = tuple(str(r).strip() for r in reasons)
    if "shipping_methods" in data:
        methods = data["shipping_methods"]
        if not isinstance(methods, list) or not methods:
            raise PolicyError("shipping_methods must be a non-empty list")
        parsed = []
        for i, m in enumerate(methods):
            prefix = f"shipping_methods[{i}]"
            if not isinstance(m, Mapping):
                raise PolicyError(f"{prefix} must be a mapping")
            try:
                parsed.append(
                    ShippingMethod(
                        code=str(m["code"]),
                        name=str(m["name"]),
                        cost=_money(m["cost"], f"{prefix}.cost"),
                        min_days=_int(m["min_days"], f"{prefix}.min_days"),
                        max_days=_int(m["max_days"], f"{prefix}.max_days"),
                    )
                )
            except KeyError as missing:
                raise PolicyError(f"{prefix} is missing {missing}") from None
        changes["shipping_methods"] = tuple(parsed)
    return replace(policy, **changes)


# Single env vars that override one policy setting each (applied after the YAML file).
ENV_OVERRIDES = {
    "STORE_RETURN_WINDOW_DAYS": "return_window_days",
    "STORE_MAX_UNITS_PER_RETURN": "max_units_per_return",
    "STORE_REFUND_PROCESSING_DAYS": "refund_processing_days",
    "STORE_FREE_SHIPPING_THRESHOLD": "free_shipping_threshold",
    "STORE_CURRENCY": "currency",
}


def load_policy(env: Mapping[str, str]) -> StorePolicy:
    """Defaults, then the YAML file named by ``STORE_POLICY_FILE``, then env overrides."""
    policy = StorePolicy()
    path = env.get("STORE_POLICY_FILE", "").strip()
    if path:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise PolicyError(f"STORE_POLICY_FILE: cannot read {path}: {exc}") from None
        except yaml.YAMLError as exc:
            raise PolicyError(f"STORE_POLICY_FILE: invalid YAML in {path}: {exc}") from None
        if not isinstance(data, Mapping):
            raise PolicyError("STORE_POLICY_FILE must contain a mapping")
        policy = policy_from_mapping(data, base=policy)
    overrides = {
        setting: env[var] for var, setting in ENV_OVERRIDES.items() if env.get(var, "").strip()
    }
    try:
        return policy_from_mapping(overrides, base=policy)
    except PolicyError as exc:
        var = next((v for v, s in ENV_OVERRIDES.items() if s in str(exc)), None)
        raise PolicyError(f"{var}: {exc}" if var else str(exc)) from None
