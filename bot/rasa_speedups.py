"""A speed fix for Rasa 3.6 inside the Rasa server, found by profiling (docs/performance.md).

Rasa checks every action server response against a JSON schema with `jsonschema.validate`,
which re-validates the *schema itself* (`check_schema`) on every call. With the pinned
jsonschema 4.17 that took 27% of the Rasa server's CPU under load (py-spy), more than
NLU. Here the schema is checked once and one validator is reused: the same responses are
accepted and refused, with the same error and message.

Installed when the model's first component is imported (`bot.nlu.spacy_offline`), the
earliest point our code runs inside `rasa run`, `rasa shell` and `rasa test`.
"""

from __future__ import annotations

from typing import Any

_installed = False


def install() -> bool:
    """Replaces `RemoteAction._validate_action_result`; True once installed."""
    global _installed
    if _installed:
        return True
    try:
        from jsonschema import exceptions, validators
        from rasa.core.actions.action import RemoteAction
        from rasa.shared.constants import DOCS_BASE_URL
    except ImportError:  # not inside the Rasa engine's environment
        return False

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error = exceptions.best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    _installed = True
    return True
