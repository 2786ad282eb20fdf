"""The real MT and TTS stages (Apertium, espeak-ng) and the text normaliser; ASR on silence."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import IMAGE_MODELS, MODEL_DIR, require_model, require_tools

from sts_service.audio import PcmFormat, decode_pcm, encode_pcm, rms_dbfs
from sts_service.config import Config, ConfigError
from sts_service.pipeline import FragmentContext, TranscriptionFrame, TranslationFrame
from sts_service.text import int_to_words, normalise_for_compare, ordinal_words, spell_numbers
from sts_service.translation import TranslationError, TranslationProcessor, make_provider

# ------------------------------------------------------------------ text


@pytest.mark.parametrize(
    "n,words",
    [
        (0, "zero"),
        (7, "seven"),
        (13, "thirteen"),
        (21, "twenty-one"),
        (30, "thirty"),
        (105, "one hundred five"),
        (1000, "one thousand"),
        (2024, "two thousand twenty-four"),
        (1_000_001, "one million one"),
    ],
)
def test_int_to_words(n, words):
    assert int_to_words(n) == words


def test_spell_numbers():
    assert spell_numbers("1, 2, 3, 4, 5, 6.") == "one, two, three, four, five, six."
    assert spell_numbers("21 22 23") == "twenty-one twenty-two twenty-three"
    assert spell_numbers("3.5 and 1,234") == "three point five and one thousand two hundred thirty-four"
    # A list Whisper wrote with dots (a counting fragment cut 0.2 s late): no decimal has two points.
    assert spell_numbers("19.20.21.22.23.24") == "nineteen, twenty, twenty-one, twenty-two, twenty-three, twenty-four"
    assert spell_numbers("at 1.5.") == "at one point five."
    assert spell_numbers("the 2nd and 21st") == "the second and twenty-first"
    assert spell_numbers("mp3 v2.0a") == "mp3 v2.0a"  # not standalone numbers
    assert ordinal_words(30) == "thirtieth"
    assert normalise_for_compare("One, 2, three-four!") == "one two three four"


# ------------------------------------------------------------------ config


def test_config_defaults_and_validation():
    c = Config.from_env({})
    assert (c.port, c.host, c.mode, c.asr_model, c.max_inflight, c.processing_timeout_s) == (
        3000,
        "0.0.0.0",
        "real",
        "base",
        3,
        30.0,
    )
    assert Config.from_env({"ASR_MODEL": "whisper-base"}).asr_model == "base"
    assert Config.from_env({"ASR_MODEL": "Whisper-Small"}).asr_model == "small"
    assert Config.from_env({"ASR_MODEL": "tiny.en"}).asr_model == "tiny.en"
    assert Config.from_env({}).asr_silence_gate is True
    assert Config.from_env({"ASR_SILENCE_GATE": "0"}).asr_silence_gate is False
    assert Config.from_env({"ASR_SILENCE_GATE": "on"}).asr_silence_gate is True
    for bad in (
        {"PORT": "x"},
        {"MAX_INFLIGHT": "0"},
        {"STS_MODE": "fake"},
        {"DEVICE": "cuda"},
        {"TRANSLATION_PROVIDER": "deepl"},
        {"ASR_MODEL": "../etc"},
        {"ASR_SILENCE_GATE": "maybe"},
    ):
        with pytest.raises(ConfigError):
            Config.from_env(bad)


def test_config_fault_delay():
    assert Config.from_env({}).fault_delay_ms == 0
    assert Config.from_env({"STS_FAULT_DELAY_MS": "35000", "STS_FAULTS_ENABLED": "1"}).fault_delay_ms == 35000
    for bad in ("-1", "soon", "600001", "1.5"):
        with pytest.raises(ConfigError, match="STS_FAULT_DELAY_MS"):
            Config.from_env({"STS_FAULT_DELAY_MS": bad, "STS_FAULTS_ENABLED": "1"})


# ------------------------------------------------------------------ translation


FMT16 = PcmFormat(16000, 1, "s16le")


def _ctx(frames: int = 16000, fmt: PcmFormat = FMT16) -> FragmentContext:
    return FragmentContext("s", "f", 0, fmt, "en", "es", frames)


def test_apertium_translates_numbers_to_spanish_words():
    require_tools("apertium")
    mt = make_provider("apertium")
    assert ("en", "es") in mt.pairs()
    out = mt.translate("One, two, three, four, five, six.", "en", "es")
    assert normalise_for_compare(out) == "uno dos tres cuatro cinco seis"
    proc = TranslationProcessor(mt)
    frame = proc.process_sync(TranscriptionFrame("1, 2, 3.", "en", 0.0, []), _ctx())
    assert normalise_for_compare(frame.text) == "uno dos tres"  # digits spelled out before MT
    assert mt.translate("", "en", "es") == ""


def test_apertium_unknown_pair_fails_clearly():
    require_tools("apertium")
    with pytest.raises(TranslationError, match="no fr->de mode"):
        make_provider("apertium").translate("bonjour", "fr", "de")


def test_google_without_credentials_fails_clearly():
    with pytest.raises(TranslationError, match="GOOGLE_TRANSLATE_API_KEY"):
        make_provider("google", env={})


def test_google_configured_without_credentials_makes_loading_fail():
    from sts_service.engine import Engine

    eng = Engine(Config(translation_provider="google", warmup=False))
    with pytest.raises(TranslationError):
        eng.load()
    assert eng.state == "error" and "GOOGLE_TRANSLATE_API_KEY" in eng.error
    eng.shutdown()


# ------------------------------------------------------------------ TTS


@pytest.mark.parametrize("fmt", [PcmFormat(48000, 2, "s16le"), PcmFormat(16000, 1, "f32le")])
def test_tts_spanish_speech_time_fitted_exactly(fmt):
    require_tools("espeak-ng", "sox")
    from sts_service.tts import TtsProcessor
    from sts_service.tts import make_provider as make_tts

    proc = TtsProcessor(make_tts("espeak-ng", "es", 160), max_tempo=2.5, min_tempo=0.85)
    frames = 6 * fmt.sample_rate
    ctx = _ctx(frames, fmt)
    out = proc.process_sync(TranslationFrame("one", "Uno, dos, tres, cuatro, cinco, seis.", 0.0), ctx)
    assert len(out.pcm) == frames * fmt.bytes_per_frame  # exactly the fragment's length
    x = decode_pcm(out.pcm, fmt)
    assert rms_dbfs(x) > -35  # there is speech
    assert ctx.info["tts"]["spoken"] and not ctx.info["tts"]["truncated"]


def test_tts_long_text_is_sped_up_to_fit():
    require_tools("espeak-ng", "sox")
    from sts_service.tts import TtsProcessor
    from sts_service.tts import make_provider as make_tts

    fmt = PcmFormat(48000, 1, "s16le")
    proc = TtsProcessor(make_tts("espeak-ng", "es", 160), max_tempo=2.5, min_tempo=0.85)
    ctx = _ctx(2 * 48000, fmt)
    text = "Uno, dos, tres, cuatro, cinco, seis, siete, ocho."  # ~4 s of speech into 2 s
    out = proc.process_sync(TranslationFrame("x", text, 0.0), ctx)
    assert len(out.pcm) == 2 * 48000 * 2
    assert ctx.info["tts"]["tempo"] > 1.2


def test_tts_silence_in_silence_out():
    require_tools("espeak-ng")
    from sts_service.tts import TtsProcessor
    from sts_service.tts import make_provider as make_tts

    fmt = PcmFormat(48000, 2, "s16le")
    proc = TtsProcessor(make_tts("espeak-ng", "es", 160), max_tempo=2.5, min_tempo=0.85)
    out = proc.process_sync(TranslationFrame("", "", None), _ctx(48000, fmt))
    assert out.pcm == bytes(48000 * 4)


def test_tts_unknown_provider_or_voice_fails_clearly():
    require_tools("espeak-ng")
    from sts_service.tts import TtsError
    from sts_service.tts import make_provider as make_tts

    with pytest.raises(TtsError, match="coqui"):
        make_tts("coqui", "es", 160)
    with pytest.raises(TtsError, match="no voice"):
        make_tts("espeak-ng", "xx-nope", 160)


# ------------------------------------------------------------------ ASR (needs weights)


@pytest.mark.real_model
@pytest.mark.parametrize("name", IMAGE_MODELS)
def test_asr_silence_gives_empty_transcript(name):
    """With the energy gate on (the default): silence and very low noise give no words."""
    from sts_service.asr import AsrProcessor, WhisperAsr
    from sts_service.pipeline import InputAudioFrame

    require_model(name)
    asr = WhisperAsr(str(MODEL_DIR), name)
    fmt = PcmFormat(48000, 1, "s16le")
    for x in (
        np.zeros((6 * 48000, 1), np.float32),
        np.random.default_rng(0).normal(0, 0.0005, (6 * 48000, 1)).astype(np.float32),
    ):
        frame = AsrProcessor(asr).process_sync(InputAudioFrame(encode_pcm(x, fmt), x), _ctx(len(x), fmt))
        assert len(normalise_for_compare(frame.text).split()) <= 2, frame.text


def test_missing_model_fails_clearly(tmp_path):
    from sts_service.asr import ModelNotFound, installed_models, model_path

    with pytest.raises(ModelNotFound, match="no Whisper 'small' model") as exc:
        model_path(str(tmp_path), "small")
    assert f"Installed in {tmp_path}: none." in str(exc.value)
    assert f"at {tmp_path}/<name>" in str(exc.value) and "set ASR_MODEL=<name>" in str(exc.value)
    for name in ("base", "tiny.en"):  # what counts as installed: a directory holding a model.bin
        (tmp_path / name).mkdir()
        (tmp_path / name / "model.bin").write_bytes(b"")
    (tmp_path / "empty").mkdir()
    assert installed_models(str(tmp_path)) == ["base", "tiny.en"]
    with pytest.raises(ModelNotFound, match=f"Installed in {tmp_path}: base, tiny.en"):
        model_path(str(tmp_path), "small")
