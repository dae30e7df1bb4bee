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
    return (f'<li><strong>{e(feed.title)}</strong><br>'
            f'<a class="webcal" href="{e(webcal_url(url))}">Subscribe</a>'
            f'<a class="google" href="{e(google_url(url))}">Add to Google Calendar</a>'
            f'<a class="ics" href="{e(url)}">Download .ics</a></li>')


def index_page(config: Config, public: list[tuple[Feed, str]], private_count: int) -> bytes:
    """The root page: links for public feeds only; private feeds are counted, not named."""
    items = "\n".join(_links(f, url) for f, url in public)
    body = f"<ul>\n{items}\n</ul>" if items else "<p>No public calendars.</p>"
    if private_count:
        body += (f"\n<p>{private_count} private calendar(s) are not listed here: each has its "
                 "own secret subscribe page (ask whoever runs tacal: "
                 "<code>tacal feeds list</code>).</p>")
    title = html.escape(f"{config.team.name} calendars")
    return _PAGE.format(title=title, body=body).encode("utf-8")


def feed_page(feed: Feed, url: str) -> bytes:
    """The subscribe page of one private feed, at that feed's secret path only."""
    body = (f"<ul>\n{_links(feed, url)}\n</ul>\n<p>This link is personal: anyone who has it "
            "can read this calendar.</p>")
    return _PAGE.format(title=html.escape(feed.title), body=body).encode("utf-8")
