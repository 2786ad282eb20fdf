"""MT stage behind a provider interface.

- `apertium`: Apertium rule-based MT, offline (Debian apertium + apertium-eng-spa, mode eng-spa).
- `google`: the spec's provider. Needs GOOGLE_TRANSLATE_API_KEY (Cloud Translation v2 REST) and
  network access; without credentials the service refuses to start with a clear message.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from .pipeline import FragmentContext, FrameProcessor, TranscriptionFrame, TranslationFrame
from .text import spell_numbers

log = logging.getLogger("sts.translation")


class TranslationError(RuntimeError):
    pass


class TranslationProvider:
    name = "base"

    def pairs(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def translate(self, text: str, source: str, target: str) -> str:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        return {"provider": self.name}

    def display(self) -> str:
        return self.name


_ISO3 = {"en": "eng", "es": "spa", "ca": "cat", "fr": "fra", "pt": "por", "it": "ita", "de": "deu"}


def _base(lang: str) -> str:
    return lang.split("-")[0].lower()


class ApertiumProvider(TranslationProvider):
    name = "apertium"

    def __init__(self, binary: str | None = None, timeout_s: float = 20.0):
        self.binary = binary or shutil.which("apertium")
        if not self.binary:
            raise TranslationError("apertium is not installed (Debian packages apertium, apertium-eng-spa)")
        self.timeout_s = timeout_s
        self._modes = self._list_modes()
        if "eng-spa" not in self._modes:
            raise TranslationError(
                f"apertium mode eng-spa is not installed (have: {', '.join(sorted(self._modes)) or 'none'}); "
                "install the Debian package apertium-eng-spa"
            )
        self._version = self._package_version()

    def _list_modes(self) -> set[str]:
        try:
            out = subprocess.run([self.binary, "-l"], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TranslationError(f"cannot run apertium: {exc}") from exc
        return {line.strip() for line in out.stdout.splitlines() if line.strip()}

    @staticmethod
    def _package_version() -> dict[str, str]:
        versions = {}
        for pkg in ("apertium", "apertium-eng-spa"):
            try:
                out = subprocess.run(
                    ["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True, timeout=5
                )
                if out.returncode == 0:
                    versions[pkg] = out.stdout.strip()
            except (OSError, subprocess.TimeoutExpired):
                pass
        return versions

    def mode_for(self, source: str, target: str) -> str:
        src, tgt = _ISO3.get(_base(source)), _ISO3.get(_base(target))
        mode = f"{src}-{tgt}"
        if src is None or tgt is None or mode not in self._modes:
            raise TranslationError(f"apertium has no {source}->{target} mode")
        return mode

    def pairs(self) -> list[tuple[str, str]]:
        inv = {v: k for k, v in _ISO3.items()}
        out = []
        for mode in sorted(self._modes):
            parts = mode.split("-")
            if len(parts) == 2 and parts[0] in inv and parts[1] in inv:
                out.append((inv[parts[0]], inv[parts[1]]))
        return out

    def translate(self, text: str, source: str, target: str) -> str:
        if not text.strip():
            return ""
        mode = self.mode_for(source, target)
        try:
            proc = subprocess.run(
                [self.binary, "-u", "-f", "txt", mode],
                input=text,
                capture_output=True,
                text=True,
                timeout=self.timeout_s,
            )
        except subprocess.TimeoutExpired as exc:
            raise TranslationError(f"apertium {mode} timed out after {self.timeout_s} s") from exc
        if proc.returncode != 0:
            raise TranslationError(f"apertium {mode} failed ({proc.returncode}): {proc.stderr.strip()[:300]}")
        # -u drops the unknown-word marks; also drop the #/@ marks of generation errors.
        out = re.sub(r"[#@](?=\w)", "", proc.stdout)
        return re.sub(r"\s+", " ", out).strip()

    def describe(self) -> dict[str, Any]:
        return {"provider": "apertium", "modes": sorted(self._modes), "packages": self._version}

    def display(self) -> str:
        return "apertium eng-spa"


class GoogleProvider(TranslationProvider):
    """Cloud Translation v2 over REST with an API key. Needs network access."""

    name = "google"
    ENDPOINT = "https://translation.googleapis.com/language/translate/v2"

    def __init__(self, env: Mapping[str, str]):
        self.key = env.get("GOOGLE_TRANSLATE_API_KEY", "").strip()
        if not self.key:
            raise TranslationError(
                "TRANSLATION_PROVIDER=google needs credentials: set GOOGLE_TRANSLATE_API_KEY "
                "(and network access to the Cloud Translation API); use TRANSLATION_PROVIDER=apertium offline"
            )

    def pairs(self) -> list[tuple[str, str]]:
        return [("en", "es")]

    def translate(self, text: str, source: str, target: str) -> str:
        if not text.strip():
            return ""
        body = urllib.parse.urlencode(
            {"q": text, "source": _base(source), "target": _base(target), "format": "text", "key": self.key}
        ).encode()
        try:
            with urllib.request.urlopen(self.ENDPOINT, data=body, timeout=15) as resp:
                data = json.loads(resp.read())
        except Exception as exc:  # network errors, HTTP errors
            raise TranslationError(f"google translate request failed: {exc}") from exc
        try:
            return data["data"]["translations"][0]["translatedText"]
        except (KeyError, IndexError, TypeError) as exc:
            raise TranslationError(f"unexpected google translate answer: {str(data)[:200]}") from exc

    def display(self) -> str:
        return "google translate v2"


def make_provider(name: str, env: Mapping[str, str] | None = None) -> TranslationProvider:
    env = os.environ if env is None else env
    if name == "apertium":
        return ApertiumProvider()
    if name == "google":
        return GoogleProvider(env)
    raise TranslationError(f"unknown translation provider {name!r}")


class TranslationProcessor(FrameProcessor):
    stage = "translation"
    accepts = (TranscriptionFrame,)

    def __init__(self, provider: TranslationProvider, executor=None, spell_out_numbers: bool = True):
        super().__init__(executor)
        self.provider = provider
        self.spell_out_numbers = spell_out_numbers

    def process_sync(self, frame: TranscriptionFrame, ctx: FragmentContext) -> TranslationFrame:
        text = frame.text.strip()
        if self.spell_out_numbers and ctx.source_language.split("-")[0] == "en":
            # Whisper writes "1, 2, 3"; MT engines pass digits through, the dub needs words.
            text = spell_numbers(text)
        translated = self.provider.translate(text, ctx.source_language, ctx.target_language) if text else ""
        return TranslationFrame(frame.text, translated, frame.speech_start_s)
