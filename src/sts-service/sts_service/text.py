"""Text normalisation between ASR and MT.

Whisper writes spoken numbers as digits ("1, 2, 3"); Apertium passes digits through unchanged, so
the dub would keep them as digits. Spelling English numbers out ("one, two, three") before MT lets
the MT engine translate them into target-language words."""

from __future__ import annotations

import re
import unicodedata

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = [(10**9, "billion"), (10**6, "million"), (1000, "thousand")]
_ORD = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def int_to_words(n: int) -> str:
    """English cardinal for 0 <= n < 10**12 ("twenty-one", "one hundred five")."""
    if n < 0:
        return "minus " + int_to_words(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("-" + _ONES[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return _ONES[hundreds] + " hundred" + (" " + int_to_words(rest) if rest else "")
    for value, name in _SCALES:
        if n >= value:
            major, rest = divmod(n, value)
            return int_to_words(major) + " " + name + (" " + int_to_words(rest) if rest else "")
    raise ValueError(n)  # pragma: no cover


def ordinal_words(n: int) -> str:
    words = int_to_words(n)
    head, sep, last = words.rpartition(" ") if " " in words else ("", "", words)
    pre, dash, unit = last.rpartition("-")
    if unit in _ORD:
        unit = _ORD[unit]
    elif unit.endswith("y"):
        unit = unit[:-1] + "ieth"
    else:
        unit = unit + "th"
    last = pre + dash + unit
    return head + sep + last


_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(st|nd|rd|th)?(?![\w]|\.\w)")


# Three or more numbers joined by dots ("19.20.21.22"): no decimal has two points, so Whisper is
# writing a list it heard without pauses (seen on a counting fragment that started 0.2 s late).
_DOTTED_LIST = re.compile(r"(?<![\w.])\d+(?:\.\d+){2,}(?![\w]|\.\d)")


def spell_numbers(text: str) -> str:
    """Replace digit numbers by English words: "1, 2, 3." -> "one, two, three."."""
    text = _DOTTED_LIST.sub(lambda m: ", ".join(m.group(0).split(".")), text)

    def repl(m: re.Match[str]) -> str:
        whole = int(m.group(1).replace(",", ""))
        if whole >= 10**12:
            return m.group(0)
        if m.group(3):
            return ordinal_words(whole)
        out = int_to_words(whole)
        if m.group(2):
            out += " point " + " ".join(_ONES[int(d)] for d in m.group(2))
        return out

    return _NUMBER.sub(repl, text)


def normalise_for_compare(text: str) -> str:
    """The one comparison rule of transcripts (docs/protocol/vectors/normalise.json, shared with
    dubctl's WER): numbers written as digits spelled out in English, lower case (NFC, accents
    kept), apostrophes dropped ("don't" -> "dont"), every other non-letter, non-digit character
    (hyphens, underscores, punctuation) a word break, words joined by single spaces."""
    text = spell_numbers(text)
    text = unicodedata.normalize("NFC", text.lower())
    text = re.sub(r"['\u2019]", "", text)
    text = re.sub(r"[^\w\s]|_", " ", text)
    return " ".join(text.split())
