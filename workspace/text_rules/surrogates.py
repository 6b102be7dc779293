"""Consistent surrogates for PHI: stable per patient, unguessable without the profile's secret.

Every choice is an HMAC-SHA256 of the patient's key and the original text under a secret kept
in the profile, so the same name gets the same surrogate in every export of that patient's
notes, and nobody without the secret can map a surrogate back or predict it. Names are
replaced word by word ("Mrs O'Connell" after "Margaret O'Connell" keeps one surname);
dates are shifted by one offset per patient, in the format they were written in; numbers
keep their shape with other digits and letters. Replacements come from
``resources/text_rules/surrogates.json`` and the name lists of ``phi.json``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from workspace.text_rules.rule_files import read_rule_file, rule_lists

_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_DIGIT_OR_LETTER = re.compile(r"[0-9A-Za-z]")
_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_INDEX = (
    {m.lower(): i for i, m in enumerate(_MONTHS, 1)}
    | {m[:3].lower(): i for i, m in enumerate(_MONTHS, 1)}
    | {"sept": 9}
)
_MONTH_WORD = r"(?P<month>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?)"
_NOT_REPLACED = {"dr", "mr", "mrs", "ms", "miss", "prof", "md", "rn", "and", "of", "the"}


@dataclass(frozen=True)
class SurrogateTables:
    """The replacement lists."""

    first_names: tuple[str, ...]
    surnames: tuple[str, ...]
    places: tuple[str, ...]
    streets: tuple[str, ...]
    professions: tuple[str, ...]
    settings: dict[str, Any]


@cache
def tables() -> SurrogateTables:
    """The lists, read once."""
    names = rule_lists(read_rule_file("phi.json"), "phi.json")
    extra = read_rule_file("surrogates.json")
    return SurrogateTables(
        first_names=tuple(sorted(names["first_names"])),
        surnames=tuple(sorted(names["surnames"])),
        places=tuple(extra["places"]),
        streets=tuple(extra["streets"]),
        professions=tuple(extra["professions"]),
        settings=extra,
    )


class Surrogates:
    """Surrogates for one patient's notes."""

    def __init__(self, secret: bytes, patient: str) -> None:
        self._secret = secret
        self._patient = patient
        low, high = tables().settings["date_shift_days"]
        self.shift = timedelta(days=-(low + self._number("date-shift", high - low + 1)))

    def _number(self, text: str, modulo: int) -> int:
        """A number in ``0..modulo-1`` fixed by the secret, the patient and ``text``."""
        message = f"{self._patient}\x00{text}".encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big") % modulo

    def _pick(self, kind: str, original: str, choices: Sequence[str]) -> str:
        key = original.casefold()
        pick = choices[self._number(f"{kind}:{key}", len(choices))]
        if pick.casefold() == key:  # never the original itself
            pick = choices[(choices.index(pick) + 1) % len(choices)]
        return pick

    def replace(self, label: str, text: str, phi_type: str = "") -> str:
        """The surrogate of ``text``, a span labelled ``label``."""
        if label == "phi_name":
            return self.name(text)
        if label == "phi_date":
            return self.date(text)
        if label == "phi_age":
            return str(tables().settings["age_over_89"])
        if label == "phi_contact":
            return self.contact(text, phi_type)
        if label == "phi_location":
            return self.location(text)
        if label == "phi_profession":
            return self._pick("profession", text, tables().professions)
        return self.shape(text)

    def name(self, text: str) -> str:
        """Each name word replaced by a name word, in the same case ("O'CONNELL" stays caps)."""
        names = set(tables().first_names)

        def word(match: re.Match[str]) -> str:
            original = match[0]
            if original.casefold() in _NOT_REPLACED:
                return original
            if len(original) == 1:  # an initial
                return string.ascii_uppercase[self._number(f"initial:{original}", 26)]
            capitalised = original[0] + original[1:].lower()
            pool = tables().first_names if capitalised in names else tables().surnames
            return _same_case(self._pick("name", original, pool), original)

        return _NAME_WORD.sub(word, text)

    def shape(self, text: str) -> str:
        """Every digit and letter replaced by another of its kind, keeping case and layout."""

        def char(match: re.Match[str]) -> str:
            c = match[0]
            seed = self._number(f"shape:{text}:{match.start()}", 1 << 30)
            if c.isdigit():
                return str((int(c) + 1 + seed % 9) % 10)
            alphabet = string.ascii_uppercase if c.isupper() else string.ascii_lowercase
            return alphabet[(alphabet.index(c) + 1 + seed % 25) % 26]

        return _DIGIT_OR_LETTER.sub(char, text)

    def contact(self, text: str, phi_type: str) -> str:
        """An e-mail, URL or IP address of the reserved example ranges; digits of a phone."""
        settings = tables().settings
        token = f"{self._number('contact:' + text.casefold(), 16**6):06x}"
        if phi_type == "email" or "@" in text:
            return f"user{token}@{settings['email_domain']}"
        if phi_type == "url" or text.lower().startswith(("http", "www.")):
            return f"{settings['url_host']}/{token}"
        if phi_type == "ip" or re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", text):
            return f"{settings['ip_prefix']}{1 + self._number('ip:' + text, 254)}"
        return self.shape(text)

    def location(self, text: str) -> str:
        """A street number and name, a postcode's shape, or an invented place."""
        street = re.match(r"(?P<num>\d+)(?P<sep>\s+)(?P<rest>.+)", text)
        if street:
            words = street["rest"].split()
            name = self._pick("street", " ".join(words[:-1]) or text, tables().streets)
            return f"{self.shape(street['num'])}{street['sep']}{name} {words[-1]}"
        if any(c.isdigit() for c in text):
            return self.shape(text)
        return self._pick("place", text, tables().places)

    def date(self, text: str) -> str:
        """``text`` shifted by the patient's offset, written as it was ("[DATE]" if unread)."""
        for pattern, render in _DATE_FORMS:
            match = pattern.fullmatch(text.strip())
            if match:
                try:
                    return render(match, self.shift)
                except ValueError:
                    break
        return "[DATE]"


def _same_case(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like.islower():
        return word.lower()
    return word


def _year(text: str | None, fallback: int) -> int:
    if not text:
        return fallback
    year = int(text)
    return year + (2000 if year < 50 else 1900) if len(text) == 2 else year


def _write_year(year: int, like: str | None) -> str:
    return "" if like is None else (f"{year % 100:02d}" if len(like) == 2 else str(year))


def _number_like(value: int, padded: bool) -> str:
    return f"{value:02d}" if padded else str(value)


def _ordinal(day: int) -> str:
    if 10 <= day % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _reference_year(month: int, day: int) -> int:
    return 2000 if (month, day) == (2, 29) else 2001


def _numeric(match: re.Match[str], shift: timedelta) -> str:
    """m/d/y, d/m/y (when the first number cannot be a month), m/d."""
    a, b, sep, y = match["a"], match["b"], match["sep"], match["y"]
    day_first = int(a) > 12 or sep == "."
    padded = a.startswith("0") or b.startswith("0")
    month, day = (int(b), int(a)) if day_first else (int(a), int(b))
    year = _year(y, _reference_year(month, day))
    moved = date(year, month, day) + shift
    first, second = (moved.day, moved.month) if day_first else (moved.month, moved.day)
    text = f"{_number_like(first, padded)}{sep}{_number_like(second, padded)}"
    return text + (f"{sep}{_write_year(moved.year, y)}" if y else "")


def _iso(match: re.Match[str], shift: timedelta) -> str:
    moved = date(int(match["y"]), int(match["m"]), int(match["d"])) + shift
    sep = match["sep"]
    return f"{moved.year:04d}{sep}{moved.month:02d}{sep}{moved.day:02d}"


def _month_name(month: int, like: str) -> str:
    name = _MONTHS[month - 1]
    bare = like.rstrip(".")
    if bare.lower() != _MONTHS[_month_number(like) - 1].lower():  # written short
        name = "Sept" if bare.lower() == "sept" and month == 9 else name[:3]
        name += "." if like.endswith(".") else ""
    return _same_case(name, like)


def _month_number(word: str) -> int:
    key = word.rstrip(".").lower()
    return _MONTH_INDEX.get(key) or _MONTH_INDEX[key[:3]]


def _worded(match: re.Match[str], shift: timedelta) -> str:
    """Dates with a month name: "March 13", "3rd March 2021", "Tuesday, June 6, 2023"."""
    month = _month_number(match["month"])
    groups = match.groupdict()
    day_text = groups.get("day")
    day = int(day_text) if day_text else 15
    year = _year(groups.get("y"), _reference_year(month, day))
    moved = date(year, month, day) + shift
    if not day_text:  # a month alone ("in July") or a month and year
        out = match[0].replace(match["month"], _month_name(moved.month, match["month"]), 1)
        return out.replace(groups["y"], str(moved.year)) if groups.get("y") else out
    pieces = dict(groups)
    pieces["month"] = _month_name(moved.month, match["month"])
    pieces["day"] = _number_like(moved.day, day_text.startswith("0"))
    if groups.get("ord"):
        pieces["ord"] = _same_case(_ordinal(moved.day), groups["ord"])
    if groups.get("y"):
        pieces["y"] = _write_year(moved.year, groups["y"])
    if groups.get("weekday"):
        weekday = _WEEKDAYS[moved.weekday()]
        like = groups["weekday"]
        pieces["weekday"] = _same_case(weekday if len(like) > 3 else weekday[:3], like)
    return _fill(match, pieces)


def _fill(match: re.Match[str], pieces: dict[str, str | None]) -> str:
    """The matched text with each named group replaced by ``pieces``."""
    out, position = [], match.start()
    spans = sorted(
        (match.span(name), value)
        for name, value in pieces.items()
        if value is not None and match.group(name) is not None
    )
    for (start, end), value in spans:
        out.append(match.string[position:start])
        out.append(value)
        position = end
    out.append(match.string[position : match.end()])
    return "".join(out)


_D = r"(?P<day>\d{1,2})(?P<ord>st|nd|rd|th)?"
_WD = r"(?:(?P<weekday>[A-Z][a-z]{2,8}),?\s+)?"
_Y = r"(?P<y>\d{4})"
_DATE_FORMS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], timedelta], str]], ...] = (
    (re.compile(r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{2})(?P=sep)(?P<d>\d{2})"), _iso),
    (
        re.compile(r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?:(?P=sep)(?P<y>\d{4}|\d{2}))?"),
        _numeric,
    ),
    (re.compile(rf"{_WD}{_MONTH_WORD}\s+{_D}(?:,?\s+{_Y})?", re.IGNORECASE), _worded),
    (
        re.compile(rf"{_WD}{_D}(?:\s+of)?[\s-]*{_MONTH_WORD}(?:[\s,-]+{_Y})?", re.IGNORECASE),
        _worded,
    ),
    (re.compile(rf"{_MONTH_WORD}(?:,?\s+{_Y})?", re.IGNORECASE), _worded),
)
