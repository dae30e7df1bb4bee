"""Feed URLs and the HTML subscribe pages.

The public root ``index.html`` never names private feeds (their titles carry people and
customer names); each private feed gets its own subscribe page at ``<token>/index.html``
instead. Every page links a feed three ways: ``webcal://`` (subscribe), Google Calendar's
add-by-URL link, and the plain ``.ics`` download.
"""

from __future__ import annotations

import html
from urllib.parse import quote

from tacal.feeds.catalogue import Feed
from tacal.feeds.tokens import TokenStore
from tacal.model import Config


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


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}}
li{{margin:.6rem 0}}a{{margin-right:1rem}}</style>
</head>
<body>
<h1>{title}</h1>
{body}
</body>
</html>
"""


def _links(feed: Feed, url: str) -> str:
    e = html.escape
    return (
        f"<li><strong>{e(feed.title)}</strong><br>"
        f'<a class="webcal" href="{e(webcal_url(url))}">Subscribe</a>'
        f'<a class="google" href="{e(google_url(url))}">Add to Google Calendar</a>'
        f'<a class="ics" href="{e(url)}">Download .ics</a></li>'
    )


def index_page(config: Config, public: list[tuple[Feed, str]], private_count: int) -> bytes:
    """The root page: links for public feeds only; private feeds are counted, not named."""
    items = "\n".join(_links(f, url) for f, url in public)
    body = f"<ul>\n{items}\n</ul>" if items else "<p>No public calendars.</p>"
    if private_count:
        body += "\n" + _private_note(config, private_count)
    title = html.escape(f"{config.team.name} calendars")
    return _PAGE.format(title=title, body=body).encode("utf-8")


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


def feed_page(feed: Feed, url: str) -> bytes:
    """The subscribe page of one private feed, at that feed's secret path only."""
    body = (
        f"<ul>\n{_links(feed, url)}\n</ul>\n<p>This link is personal: anyone who has it "
        "can read this calendar.</p>"
    )
    return _PAGE.format(title=html.escape(feed.title), body=body).encode("utf-8")
