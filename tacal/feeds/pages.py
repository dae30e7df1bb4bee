"""Feed URLs and the HTML subscribe pages.

The public root ``index.html`` never names private feeds (their titles carry people and
customer names); each private feed gets its own subscribe page at ``<token>/index.html``
instead. Every page links a feed in one click for each kind of calendar app: ``webcal://``
(Apple Calendar, Outlook on the desktop), Google Calendar's add-by-URL link, Outlook on the
web's add-from-web link (work and personal accounts), and the plain URL with a copy button.
The pages themselves are rendered by :mod:`tacal.views`.
"""

from __future__ import annotations

import html
from urllib.parse import quote

from tacal.feeds.catalogue import Feed
from tacal.feeds.tokens import TokenStore
from tacal.model import Config
from tacal.views.grid import PersonGrid
from tacal.views.pages import Subscribe, subscribe_page


def feed_path(feed: Feed, tokens: TokenStore) -> str:
    """The feed's path relative to the base URL: ``team.ics`` or ``<token>/<id>.ics``."""
    return f"{tokens.tokens[feed.id]}/{feed.filename}" if feed.private else feed.filename


def feed_url(base_url: str, feed: Feed, tokens: TokenStore) -> str:
    return f"{base_url.rstrip('/')}/{feed_path(feed, tokens)}"


def page_url(base_url: str, feed: Feed, tokens: TokenStore) -> str:
    """The feed's subscribe page: ``<token>/index.html`` for a private feed, else the index."""
    if not feed.private:
        return f"{base_url.rstrip('/')}/index.html"
    return f"{base_url.rstrip('/')}/{tokens.tokens[feed.id]}/index.html"


def webcal_url(url: str) -> str:
    """``webcal://``: the scheme that makes Apple Calendar and Outlook offer to subscribe."""
    return "webcal://" + url.split("://", 1)[1]


def google_url(url: str) -> str:
    """Google Calendar's "add by URL" link for the feed."""
    return "https://calendar.google.com/calendar/r?cid=" + quote(webcal_url(url), safe="")


def outlook_url(url: str, name: str, *, personal: bool = False) -> str:
    """Outlook on the web's "add from web" link (work or school accounts on outlook.office.com,
    personal ones on outlook.live.com): it takes the https address, not webcal://."""
    host = "outlook.live.com" if personal else "outlook.office.com"
    return (
        f"https://{host}/calendar/0/addfromweb?url={quote(url, safe='')}"
        f"&name={quote(name, safe='')}"
    )


def subscribe_links(feed: Feed, url: str) -> Subscribe:
    """Every way to add ``feed`` (at ``url``) in one click, and the plain URL."""
    return Subscribe(
        feed.title,
        url,
        webcal_url(url),
        google_url(url),
        outlook_url(url, feed.title),
        outlook_url(url, feed.title, personal=True),
    )


def index_page(config: Config, public: list[tuple[Feed, str]], private_count: int) -> bytes:
    """The root page: links for public feeds only; private feeds are counted, not named."""
    note = "" if public else "<p>No public calendars.</p>\n"
    if private_count:
        note += _private_note(config, private_count)
    page = subscribe_page(
        f"{config.team.name} calendars", [subscribe_links(f, url) for f, url in public], note=note
    )
    return page.encode("utf-8")


def _private_note(config: Config, count: int) -> str:
    """How to get your own (private) calendar: whom to ask, by name and address when the team
    has an organizer, and how they send everyone's link at once."""
    e = html.escape
    calendars = "1 private calendar is" if count == 1 else f"{count} private calendars are"
    ref = config.team.organizer
    person = config.people.get(ref) if ref else None
    if ref:
        # a name, not an address, on a page that may be public (a bare email is the organizer
        # every event names anyway)
        who = (
            e(person.name) if person else f'<a class="contact" href="mailto:{e(ref)}">{e(ref)}</a>'
        )
        ask = f"If you have not received yours, ask {who}, who manages these calendars."
    else:
        ask = (
            "If you have not received yours, ask the person who manages this team's "
            "<code>tacal.toml</code>."
        )
    return (
        f"<p>{calendars} not listed here: your own calendar (the meetings you attend) and "
        "each account's calendar have their own secret link, sent only to the people who "
        f"need it, with a page to subscribe from. {ask}</p>\n"
        "<p><small>For whoever manages the calendars: <code>tacal feeds list --format "
        "csv</code> gives every person's name, email and link, ready for a mail merge."
        "</small></p>"
    )


def feed_page(feed: Feed, url: str, grid: PersonGrid | None = None) -> bytes:
    """The subscribe page of one private feed, at that feed's secret path only; a person's
    page shows their next two weeks (``grid``)."""
    note = "<p>This link is personal: anyone who has it can read this calendar.</p>"
    return subscribe_page(feed.title, [subscribe_links(feed, url)], grid=grid, note=note).encode(
        "utf-8"
    )
