"""How large a subscribed calendar may be: Google Calendar ignores subscribed feeds larger
than about 1 MB (no error, the calendar just stays empty or stops updating), so every command
that writes a feed warns about one over :data:`GOOGLE_FEED_LIMIT`."""

from __future__ import annotations

#: bytes; Google Calendar ignores subscribed feeds over about 1 MB
GOOGLE_FEED_LIMIT = 1_000_000


def size_warning(what: str, size: int, split: str) -> str | None:
    """A warning when a feed of ``size`` bytes is over the limit, else None; ``split`` says
    how to get smaller feeds."""
    if size <= GOOGLE_FEED_LIMIT:
        return None
    return (
        f"warning: {what} is {size / 1_000_000:.1f} MB; Google Calendar ignores subscribed "
        f"calendars over about 1 MB: {split}"
    )


#: the advice for a team-wide calendar
SPLIT_TEAM = (
    "subscribe to the per-person (person-KEY) or per-account (account-SLUG) feeds of "
    "`tacal publish` or `tacal serve` instead (`tacal feeds list`)"
)
#: the advice for a calendar that is already one person's or one account's
SPLIT_FEED = "shorten its agendas, or subscribe to the per-account (account-SLUG) feeds"
