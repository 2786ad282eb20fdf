"""30 s of a real human voice: recorded Asterisk prompts (Allison Smith, CC BY-SA 3.0).

Nine whole-sentence telephone prompts from Debian's asterisk-core-sounds-en-wav 1.6.1-1 (8 kHz mono
WAV), two per 6 s segment (one long one in the last). Each prompt is resampled to 48 kHz, trimmed at
its first/last sample with |x| > TH and placed: the first prompt of a segment starts 0.30 s into it,
the next one 0.40 s after the previous one ends. No prompt may start or end within 0.15 s of a
segment boundary. The files are pinned by SHA-256 and the texts by the package's transcript file."""

from __future__ import annotations

import array
import gzip
import hashlib
import os
import re
import subprocess
import sys
import wave
from typing import Any

from .pcm import RATE, TH, E, dbfs, decode_48k, measure, place, r6, rms, trim, write_wav
from .sidecar import GENERATOR, SEGMENT_S, audio_info, video_info, write_json

HV_PACKAGE, HV_VERSION = "asterisk-core-sounds-en-wav", "1.6.1-1"
HV_PROMPTS = [  # (segment, prompt name, SHA-256 of <name>.wav, its line in core-sounds-en.txt)
    (
        0,
        "vm-nobodyavail",
        "bd4c4db613df7ceb63a114033c1452a698f428417961098d9ab1770d648f7b40",
        "Nobody is available to take your call at the moment",
    ),
    (
        0,
        "please-try-call-later",
        "55d9e86e226261359ba341826c9b267618a5acfa2bda47accfad6f374cd5c200",
        "Please try your call again later.",
    ),
    (
        1,
        "privacy-prompt",
        "e648d7529d3884045fc5f28b1e5d57d8666ef02b809854b09e8d4b4b55e9843e",
        "Please enter your phone number, starting with the area code.",
    ),
    (
        1,
        "number-not-answering",
        "ee09ea68241f4a7f06de515a0b1baee26f086af79708492b2ee6591928be470b",
        "The number is not answering.",
    ),
    (
        2,
        "feature-not-avail-line",
        "580f5c96d59736e954604206cce5621d6796e915feb3b0485b0b7cacb01bebb6",
        "That feature is not available on this line.",
    ),
    (
        2,
        "info-about-last-call",
        "6291060028f7061b8fa8b313707bad2375e2d097b72351b99b256381e35f7111",
        "Information about your last call.",
    ),
    (
        3,
        "vm-msgsaved",
        "b09071bf2a9e53fb80eea1511d690f5f1f78b76e7f5c014f4a1206d3aeb4fb58",
        "Your message has been saved.",
    ),
    (
        3,
        "demo-echodone",
        "a786fece8fb1d8a30babbd0b50ec0a4d9afa40a9d8c2d10b6938ab71e96880a9",
        "The echo test has been completed.",
    ),
    (
        4,
        "queue-youarenext",
        "c062839a5d10a7b2b8f8d5e7f814eb6dc7963b03b515bf99f2e07480a6acd4c4",
        "Your call is now first in line and will be answered by the next available representative.",
    ),
]
HV_FIRST = round(0.30 * RATE)  # first prompt of a segment starts here (from the segment start)
HV_GAP = round(0.40 * RATE)  # silence between two prompts of a segment
HV_MARGIN = round(0.15 * RATE)  # nothing sounds this close to a 6 s boundary
HV_ATTRIBUTION = (
    "Voice prompts recorded by Allison Smith (http://www.theivrvoice.com) for Asterisk, "
    "copyright 2003-2010 Allison Smith, financial contributions by Digium, Inc., licensed "
    "CC-BY-SA-3.0. The original work has been modified: resampled from 8 kHz to 48 kHz, "
    "trimmed, arranged on a 30 s timeline, AAC-encoded and synchronised with a test picture. "
    "This fixture, a derivative work, is licensed under CC BY-SA 3.0 Unported "
    "(https://creativecommons.org/licenses/by-sa/3.0/), as section 4(b) of that licence allows."
)

# A prompt on the timeline: (segment, name, text, source sample rate, 48 kHz clip).
Clip = tuple[int, str, str, int, array.array]


def words_of(text: str) -> list[str]:
    """Lower-case words, punctuation removed (hyphens and apostrophes inside a word stay)."""
    return [w.strip("'-") for w in re.findall(r"[\w'-]+", text.lower()) if w.strip("'-")]


def apertium_es(text: str) -> tuple[str, list[str]]:
    out = subprocess.run(
        ["apertium", "-u", "-f", "txt", "eng-spa"], input=text.encode(), check=True, capture_output=True
    ).stdout.decode()
    return out.strip(), words_of(re.sub(r"[*#@]", "", out))


def load_clips() -> list[Clip]:
    """The pinned prompts, checked against their SHA-256 and transcript line, trimmed at 48 kHz."""
    with gzip.open(E["FX_HUMAN_TEXT"], "rt", encoding="utf-8") as f:
        lines = dict(line.rstrip("\n").split(": ", 1) for line in f if ": " in line and not line.startswith(";"))
    clips = []
    for seg, name, sha, text in HV_PROMPTS:
        path = os.path.join(E["FX_HUMAN_DIR"], name + ".wav")
        with open(path, "rb") as f:
            got = hashlib.sha256(f.read()).hexdigest()
        if got != sha:
            sys.exit(f"{path}: SHA-256 {got}, expected {sha} ({HV_PACKAGE} {HV_VERSION})")
        if lines.get(name, "").strip() != text:
            sys.exit(f"{E['FX_HUMAN_TEXT']}: {name} reads {lines.get(name)!r}, expected {text!r}")
        with wave.open(path, "rb") as w:
            src_rate = w.getframerate()
        clips.append((seg, name, text, src_rate, trim(decode_48k(path), name)))
    return clips


def arrange(clips: list[Clip]) -> list[int]:
    """Where each prompt's first loud sample goes on the timeline."""
    at_list, cursor, prev_seg = [], 0, None
    for seg, name, _, _, clip in clips:
        lo, hi = seg * SEGMENT_S * RATE, (seg + 1) * SEGMENT_S * RATE
        at = lo + HV_FIRST if seg != prev_seg else cursor + HV_GAP
        if at < lo + HV_MARGIN or at + len(clip) > hi - HV_MARGIN:
            sys.exit(f"prompt {name} ({len(clip) / RATE:.3f} s) does not fit in segment {seg} with the margins")
        at_list.append(at)
        cursor, prev_seg = at + len(clip), seg
    return at_list


def _split_words(ws: list[str], first: int, end: int, n0: int) -> list[dict[str, Any]]:
    """Word times inside a recording are not measured: the prompt's span is split by characters."""
    line = " ".join(ws)
    out = []
    pos = 0
    for w in ws:
        c0, c1 = pos, pos + len(w)
        pos = c1 + 1
        s0 = first + (end - first) * c0 // len(line)
        s1 = first + (end - first) * c1 // len(line)
        out.append(
            {
                "n": n0 + len(out) + 1,
                "word": w,
                "start_s": r6(s0 / RATE),
                "end_s": r6(s1 / RATE),
                "start_sample": s0,
                "end_sample": s1,
            }
        )
    return out


def measure_prompts(human: array.array, clips: list[Clip], at_list: list[int]) -> tuple[list, list, list]:
    """Each prompt's measured span, its words (estimated times) and its Spanish."""
    prompts: list[dict[str, Any]] = []
    words: list[dict[str, Any]] = []
    es_all: list[str] = []
    for k, ((seg, name, text, src_rate, clip), at) in enumerate(zip(clips, at_list, strict=True), start=1):
        m = measure(human, at - HV_GAP // 2, at + len(clip) + HV_GAP // 2)  # never reaches another prompt
        if m is None:
            sys.exit(f"no sound found for prompt {name}")
        first, end = m[0], m[1] + 1
        ws = words_of(text)
        es_raw, es = apertium_es(text)
        words += _split_words(ws, first, end, len(words))
        es_all += es
        prompts.append(
            {
                "n": k,
                "segment": seg,
                "file": os.path.join(E["FX_HUMAN_DIR"], name + ".wav"),
                "sha256": HV_PROMPTS[k - 1][2],
                "source_sample_rate": src_rate,
                "text": text,
                "words": " ".join(ws),
                "first_word": words[-len(ws)]["n"],
                "last_word": words[-1]["n"],
                "start_s": r6(first / RATE),
                "end_s": r6(end / RATE),
                "start_sample": first,
                "end_sample": end,
                "duration_s": r6((end - first) / RATE),
                "apertium": es_raw,
                "expected_translation_es": " ".join(es),
            }
        )
    return prompts, words, es_all


def segment_table(human: array.array, prompts: list[dict[str, Any]], long_s: int) -> tuple[list, list]:
    """The 6 s segments (texts, Spanish) and each one's RMS; checks the margins at the boundaries."""
    segs, seg_rms = [], []
    for i in range(long_s // SEGMENT_S):
        lo, hi = i * SEGMENT_S * RATE, (i + 1) * SEGMENT_S * RATE
        inside = [p for p in prompts if lo <= p["start_sample"] < hi]
        if not inside:
            sys.exit(f"segment {i} has no speech")
        for p in inside:
            if p["start_sample"] < lo + HV_MARGIN or p["end_sample"] > hi - HV_MARGIN:
                sys.exit(f"prompt {p['n']} is within 0.15 s of a segment boundary")
        seg_rms.append(dbfs(rms(human, [(lo, hi)])))
        segs.append(
            {
                "index": i,
                "start_s": float(lo // RATE),
                "end_s": float(hi // RATE),
                "text": " ".join(p["words"] for p in inside),
                "expected_translation_es": " ".join(p["expected_translation_es"] for p in inside),
            }
        )
    return segs, seg_rms


RECORDING_METHOD = (
    "each prompt resampled to 48 kHz by ffmpeg (aresample), leading/trailing "
    f"samples with |x| <= {TH} trimmed, placed 0.30 s into its 6 s segment (a second "
    "prompt 0.40 s after the first ends); each prompt's start_s/end_s re-measured on the "
    f"final PCM (first/last sample with |x| > {TH}). Word times inside a prompt are NOT "
    "measured: the prompt's measured span is split among its words in proportion to "
    "their characters (a space counts as one character), so words[].start_s/end_s are "
    "estimates; only a prompt's first word start and last word end are measured"
)


def _source(prompts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "package": HV_PACKAGE,
        "version": HV_VERSION,
        "transcripts": {"package": "asterisk-core-sounds-en", "version": HV_VERSION, "file": E["FX_HUMAN_TEXT"]},
        "files": [p["file"] for p in prompts],
        "recorded_by": "Allison Smith",
        "copyright": "2003-2010, Allison Smith",
        "licence": "CC-BY-SA-3.0",
        "licence_url": "https://creativecommons.org/licenses/by-sa/3.0/",
        "licence_file": "/usr/share/doc/asterisk-core-sounds-en-wav/copyright (the full text)",
        "attribution": HV_ATTRIBUTION,
    }


def _sidecar(long_s: int, clips: list[Clip], prompts: list, words: list, es: list, segs: list, seg_rms: list) -> dict:
    rates = sorted({c[3] for c in clips})
    video = video_info(long_s)
    video["picture"] = video["picture"].replace(
        "i.e. when a counting word starts", "(the counting fixtures' onset marker; unrelated to this speech)"
    )
    return {
        "fixture": "30s-human-voice.mp4",
        "description": (
            "A real human voice: nine recorded English telephone prompts (Allison Smith, Asterisk core "
            "sounds), whole sentences, whole prompts in each 6 s segment, over a test pattern with a "
            "running clock"
        ),
        "duration_s": float(long_s),
        "language": "en",
        "sample_rate": RATE,
        "channels": 1,
        "video": video,
        "audio": audio_info(long_s, "speech"),
        "voice": "real human recording",
        "source": _source(prompts),
        "recording": {
            "source_sample_rate": rates[0] if len(rates) == 1 else rates,
            "source_format": "WAV, 16-bit PCM, mono",
            "method": RECORDING_METHOD,
            "segment_rms_dbfs": seg_rms,
            "translation": "apertium -u -f txt eng-spa on each prompt's text, lower-cased, punctuation removed",
        },
        "words": words,
        "segment_duration_s": float(SEGMENT_S),
        "segments_6s": segs,
        "transcript": " ".join(w["word"] for w in words),
        "expected_translation_es": es,
        "expected_translation_es_text": " ".join(es),
        "prompts": prompts,
        "generator": GENERATOR,
    }


def human_voice(work: str, long_s: int) -> tuple[list[dict[str, Any]], list]:
    """Writes WORK/human30.wav and WORK/30s-human-voice.json; returns the prompts and segment RMS."""
    clips = load_clips()
    at_list = arrange(clips)
    human = place([(name, clip) for _, name, _, _, clip in clips], long_s, at_list)
    write_wav(os.path.join(work, "human30.wav"), human)
    prompts, words, es = measure_prompts(human, clips, at_list)
    if measure(human, 0, prompts[0]["start_sample"]) is not None:
        sys.exit("sound before the first prompt")
    segs, seg_rms = segment_table(human, prompts, long_s)
    write_json(os.path.join(work, "30s-human-voice.json"), _sidecar(long_s, clips, prompts, words, es, segs, seg_rms))
    return prompts, seg_rms
