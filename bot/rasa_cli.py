"""The Rasa entry point: Shopdesk's patches to Rasa (bot/rasa_patches.py), then Rasa's own
command line. `python -m bot.rasa_cli run ...` is `rasa run ...` with the patches
SHOPDESK_RASA_PATCHES selects (all by default).

The launcher, training, `make validate`, the deployment manifests and the tests start Rasa
this way, with the Rasa environment's python: a copied checkout runs its own environment
(no script with an absolute shebang in between).
"""

from __future__ import annotations

import sys


def main() -> None:
    from bot import rasa_patches

    try:
        rasa_patches.install()
    except rasa_patches.PatchSettingError as exc:
        raise SystemExit(f"configuration error: {exc}") from None
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
