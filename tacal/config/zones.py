"""Time-zone names as people write them, and what to say when one is not an IANA name.

A zone must be an IANA name (``"America/Los_Angeles"``) because that is what calendars carry
(``TZID``) and what follows daylight saving time. People write ``"PST"``, ``"Pacific Standard
Time"`` (the Windows name Outlook shows), ``"america/los_angeles"`` or ``"New York"``; this
module turns each of those into the message that names the zone they meant:

- a case-insensitive exact match is accepted and spelt the IANA way (:func:`canonical_zone`);
- abbreviations (``PST``, ``CET``, ``IST`` ...) and the common Windows names (from CLDR's
  ``windowsZones.xml``, territory ``001``) are mapped to their IANA zone in the message;
- city names (``"New York"``) and typos (``"America/New_Yrok"``) get a did-you-mean;
- the legacy names that the zone database still accepts (``EST``, ``CET``, ``PST8PDT`` ...) are
  valid but get a warning: ``EST`` is a fixed UTC-5 with no daylight saving time, which puts a
  New York team's meetings an hour off all summer.

Nothing here looks outside the zone database (no paths).
"""

from __future__ import annotations

import difflib
import functools
import re
from zoneinfo import available_timezones

from tacal.config.values import valid_zone

#: Abbreviations (and informal names) people write instead of a zone: the zone meant first,
#: then the other zones the same abbreviation stands for.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "pst": ("America/Los_Angeles",),
    "pdt": ("America/Los_Angeles",),
    "pt": ("America/Los_Angeles",),
    "pacific": ("America/Los_Angeles",),
    "pacific time": ("America/Los_Angeles",),
    "mst": ("America/Denver", "America/Phoenix"),
    "mdt": ("America/Denver",),
    "mt": ("America/Denver",),
    "mountain time": ("America/Denver",),
    "cst": ("America/Chicago", "Asia/Shanghai"),
    "cdt": ("America/Chicago",),
    "ct": ("America/Chicago",),
    "central time": ("America/Chicago",),
    "est": ("America/New_York",),
    "edt": ("America/New_York",),
    "et": ("America/New_York",),
    "eastern": ("America/New_York",),
    "eastern time": ("America/New_York",),
    "akst": ("America/Anchorage",),
    "akdt": ("America/Anchorage",),
    "hst": ("Pacific/Honolulu",),
    "ast": ("America/Halifax", "Asia/Riyadh"),
    "adt": ("America/Halifax",),
    "nst": ("America/St_Johns",),
    "ndt": ("America/St_Johns",),
    "brt": ("America/Sao_Paulo",),
    "art": ("America/Argentina/Buenos_Aires",),
    "bst": ("Europe/London",),
    "wet": ("Europe/Lisbon",),
    "west": ("Europe/Lisbon",),
    "cet": ("Europe/Berlin", "Europe/Paris"),
    "cest": ("Europe/Berlin", "Europe/Paris"),
    "met": ("Europe/Berlin",),
    "eet": ("Europe/Athens", "Europe/Helsinki"),
    "eest": ("Europe/Athens", "Europe/Helsinki"),
    "msk": ("Europe/Moscow",),
    "sast": ("Africa/Johannesburg",),
    "cat": ("Africa/Maputo",),
    "eat": ("Africa/Nairobi",),
    "wat": ("Africa/Lagos",),
    "gst": ("Asia/Dubai",),
    "pkt": ("Asia/Karachi",),
    "ist": ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"),
    "ict": ("Asia/Bangkok",),
    "wib": ("Asia/Jakarta",),
    "sgt": ("Asia/Singapore",),
    "hkt": ("Asia/Hong_Kong",),
    "pht": ("Asia/Manila",),
    "myt": ("Asia/Kuala_Lumpur",),
    "jst": ("Asia/Tokyo",),
    "kst": ("Asia/Seoul",),
    "awst": ("Australia/Perth",),
    "acst": ("Australia/Adelaide",),
    "acdt": ("Australia/Adelaide",),
    "aest": ("Australia/Sydney", "Australia/Brisbane"),
    "aedt": ("Australia/Sydney",),
    "nzst": ("Pacific/Auckland",),
    "nzdt": ("Pacific/Auckland",),
}

#: The common Windows zone names (what Outlook and Exchange show) and their IANA zone, from
#: CLDR's windowsZones.xml (territory "001"), with today's IANA spelling of each.
WINDOWS: dict[str, str] = {
    "Dateline Standard Time": "Etc/GMT+12",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "Alaskan Standard Time": "America/Anchorage",
    "Pacific Standard Time": "America/Los_Angeles",
    "Pacific Standard Time (Mexico)": "America/Tijuana",
    "US Mountain Standard Time": "America/Phoenix",
    "Mountain Standard Time": "America/Denver",
    "Mountain Standard Time (Mexico)": "America/Mazatlan",
    "Central America Standard Time": "America/Guatemala",
    "Central Standard Time": "America/Chicago",
    "Central Standard Time (Mexico)": "America/Mexico_City",
    "Canada Central Standard Time": "America/Regina",
    "SA Pacific Standard Time": "America/Bogota",
    "Eastern Standard Time": "America/New_York",
    "Eastern Standard Time (Mexico)": "America/Cancun",
    "US Eastern Standard Time": "America/Indiana/Indianapolis",
    "Atlantic Standard Time": "America/Halifax",
    "SA Western Standard Time": "America/La_Paz",
    "Pacific SA Standard Time": "America/Santiago",
    "Newfoundland Standard Time": "America/St_Johns",
    "E. South America Standard Time": "America/Sao_Paulo",
    "Argentina Standard Time": "America/Argentina/Buenos_Aires",
    "Greenland Standard Time": "America/Nuuk",
    "UTC": "Etc/UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "W. Europe Standard Time": "Europe/Berlin",
    "Central Europe Standard Time": "Europe/Budapest",
    "Romance Standard Time": "Europe/Paris",
    "Central European Standard Time": "Europe/Warsaw",
    "W. Central Africa Standard Time": "Africa/Lagos",
    "GTB Standard Time": "Europe/Bucharest",
    "Middle East Standard Time": "Asia/Beirut",
    "Egypt Standard Time": "Africa/Cairo",
    "E. Europe Standard Time": "Europe/Chisinau",
    "South Africa Standard Time": "Africa/Johannesburg",
    "FLE Standard Time": "Europe/Kyiv",
    "Israel Standard Time": "Asia/Jerusalem",
    "Turkey Standard Time": "Europe/Istanbul",
    "Arab Standard Time": "Asia/Riyadh",
    "Russian Standard Time": "Europe/Moscow",
    "E. Africa Standard Time": "Africa/Nairobi",
    "Iran Standard Time": "Asia/Tehran",
    "Arabian Standard Time": "Asia/Dubai",
    "Pakistan Standard Time": "Asia/Karachi",
    "India Standard Time": "Asia/Kolkata",
    "Sri Lanka Standard Time": "Asia/Colombo",
    "Nepal Standard Time": "Asia/Kathmandu",
    "Bangladesh Standard Time": "Asia/Dhaka",
    "SE Asia Standard Time": "Asia/Bangkok",
    "China Standard Time": "Asia/Shanghai",
    "Singapore Standard Time": "Asia/Singapore",
    "W. Australia Standard Time": "Australia/Perth",
    "Taipei Standard Time": "Asia/Taipei",
    "Tokyo Standard Time": "Asia/Tokyo",
    "Korea Standard Time": "Asia/Seoul",
    "Cen. Australia Standard Time": "Australia/Adelaide",
    "AUS Central Standard Time": "Australia/Darwin",
    "E. Australia Standard Time": "Australia/Brisbane",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "Tasmania Standard Time": "Australia/Hobart",
    "New Zealand Standard Time": "Pacific/Auckland",
}

#: Big cities that are not themselves zone names.
CITIES: dict[str, str] = {
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "atlanta": "America/New_York",
    "miami": "America/New_York",
    "dallas": "America/Chicago",
    "austin": "America/Chicago",
    "houston": "America/Chicago",
    "munich": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "mumbai": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "beijing": "Asia/Shanghai",
}

#: Names the zone database still accepts that are not a place: a fixed offset, or rules no
#: longer tied to any city. What to use instead.
LEGACY: dict[str, str] = {
    "EST": "America/New_York",
    "MST": "America/Denver",
    "HST": "Pacific/Honolulu",
    "EST5EDT": "America/New_York",
    "CST6CDT": "America/Chicago",
    "MST7MDT": "America/Denver",
    "PST8PDT": "America/Los_Angeles",
    "CET": "Europe/Berlin",
    "MET": "Europe/Berlin",
    "EET": "Europe/Athens",
    "WET": "Europe/Lisbon",
}
_FIXED = {"EST", "MST", "HST"}
_NOT_ZONES = {"localtime", "posixrules", "Factory"}
_OFFSET_RE = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


@functools.cache
def _zones() -> dict[str, str]:
    """Lowercased name -> IANA spelling, for every zone in the database."""
    return {z.lower(): z for z in available_timezones() if z not in _NOT_ZONES}


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip()).lower()


def canonical_zone(name: object) -> str | None:
    """The IANA spelling of ``name`` (matched case-insensitively), or None when it is none."""
    if not isinstance(name, str):
        return None
    if valid_zone(name):
        return name
    if not name or name.startswith("/") or ".." in name:
        return None
    return _zones().get(name.strip().lower())


def _meant(name: str) -> tuple[str, tuple[str, ...]] | None:
    """(why it is not a zone, zones meant) for an abbreviation, Windows or city name."""
    key = _key(name)
    if key in ABBREVIATIONS:
        return "a time zone abbreviation", ABBREVIATIONS[key]
    windows = {k.lower(): v for k, v in WINDOWS.items()}
    # "(UTC-08:00) Pacific Time (US & Canada)", as Outlook shows it
    bare = re.sub(r"\s*\(us & canada\)$", "", re.sub(r"^\(utc[^)]*\)\s*", "", key))
    if bare in ABBREVIATIONS:
        return "a time zone display name", ABBREVIATIONS[bare]
    if bare in windows:
        return "a Windows time zone name", (windows[bare],)
    if bare in CITIES:
        return "a city", (CITIES[bare],)
    by_city: dict[str, list[str]] = {}
    for zone in _zones().values():
        city = zone.rsplit("/", 1)[-1].replace("_", " ").lower()
        by_city.setdefault(city, []).append(zone)
    places = sorted(by_city.get(bare, []), key=lambda z: (z.count("/"), z))
    if "/" not in bare and places:
        return "a city", (places[0],)
    return None


def zone_problem(name: object, example: str = "America/New_York") -> str:
    """Why ``name`` is not a zone, naming the zone probably meant."""
    if not isinstance(name, str):
        return f'{name!r} is not an IANA time zone; write a name such as "{example}"'
    found = _meant(name)
    if found:
        why, zones = found
        also = ""
        if len(zones) > 1:
            others = " or ".join(f'"{z}"' for z in zones[1:])
            also = f" ({name.strip().upper()} can also mean {others})"
        return f'{name!r} is {why}, not an IANA time zone; did you mean "{zones[0]}"?{also}'
    offset = _OFFSET_RE.match(name.strip())
    if offset and (name.strip()[0] in "+-" or name.strip()[:3].lower() in ("utc", "gmt")):
        sign, hours, minutes = offset.groups()
        fixed = ""
        if not minutes or minutes == "00":
            etc = f"Etc/GMT{'-' if sign == '+' else '+'}{int(hours)}"
            if canonical_zone(etc):
                fixed = (
                    f'; "{etc}" is a fixed UTC{sign}{int(hours)} all year (its sign is inverted)'
                )
        return (
            f"{name!r} is a UTC offset, not an IANA time zone; use the zone of a city, such "
            f'as "{example}", which follows daylight saving time{fixed}'
        )
    spaced = _key(name).replace(" ", "_")
    close = difflib.get_close_matches(spaced, list(_zones()), n=1, cutoff=0.8)
    if close:
        return f'{name!r} is not an IANA time zone; did you mean "{_zones()[close[0]]}"?'
    return f'{name!r} is not an IANA time zone; use a name such as "{example}"'


def legacy_zone_note(zone: str) -> str | None:
    """A warning for a valid but legacy name such as ``EST``; None for a real place."""
    instead = LEGACY.get(zone)
    if instead is None:
        return None
    what = (
        "a fixed offset with no daylight saving time"
        if zone in _FIXED
        else "a legacy name for a set of rules, not a place"
    )
    return f'{zone!r} is {what}; use the zone of a city, such as "{instead}"'


__all__ = [
    "ABBREVIATIONS",
    "LEGACY",
    "WINDOWS",
    "canonical_zone",
    "legacy_zone_note",
    "zone_problem",
]
