"""python -m sts_service: run the STS server (configuration from the environment)."""

from __future__ import annotations

import asyncio
import logging
import sys

from . import logs
from .config import Config, ConfigError


def main() -> int:
    try:
        config = Config.from_env()
    except ConfigError as exc:
        logs.setup("INFO")
        logging.getLogger("sts").error("configuration error: %s", exc)
        return 2
    logs.setup(config.log_level)
    if config.mode == "real":
        # A Whisper model that is not installed stops the service here, before it listens, with the
        # list of installed models and how to mount another.
        from .asr import ModelNotFound, model_path

        try:
            model_path(config.asr_model_dir, config.asr_model)
        except ModelNotFound as exc:
            logging.getLogger("sts").error("configuration error: %s", exc)
            return 2
    from .server import serve

    try:
        return asyncio.run(serve(config))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
