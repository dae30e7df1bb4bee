"""A real headless Chromium (Debian's ``chromium``) driven by Playwright, kept offline.

Playwright's own browser download is never used: the system binary is launched with flags
that stop its background traffic (component updates, sync, QUIC probes). Every page opened
through :func:`open_page` routes all requests through a guard that lets ``file:`` and
``127.0.0.1`` through and aborts and records anything else, so a test can assert that a page
made no external request.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass
class Guard:
    """Requests a page made: the local ones served, the others refused and listed."""

    local: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    def handle(self, route, request) -> None:  # type: ignore[no-untyped-def]
        parts = urlsplit(request.url)
        if parts.scheme in ("file", "data", "about") or parts.hostname == "127.0.0.1":
            self.local.append(request.url)
            route.continue_()
        else:
            self.external.append(request.url)
            route.abort()


@contextmanager
def launched() -> Iterator[object]:
    """The browser, for a test session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_page(browser, url: str, viewport: dict[str, int], **context_options):  # type: ignore[no-untyped-def]
    """A fresh context and page at ``url``, every request through a :class:`Guard`."""
    context = browser.new_context(viewport=viewport, **context_options)
    guard = Guard()
    context.route("**/*", guard.handle)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )
    try:
        page.goto(url, wait_until="load")
        yield page, guard, errors
    finally:
        context.close()


def no_horizontal_scroll(page, width: int) -> int:  # type: ignore[no-untyped-def]
    """The page's scroll width at ``width`` pixels (the test wants it <= ``width``)."""
    page.set_viewport_size({"width": width, "height": 844})
    return int(page.evaluate("document.scrollingElement.scrollWidth"))


#: WCAG 2.x contrast ratio of an element's text against its own background, in the page.
CONTRAST_JS = """
(el) => {
  const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const style = getComputedStyle(el);
  let bg = style.backgroundColor, node = el;
  while (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent') { node = node.parentElement; if (!node) { bg = 'rgb(255, 255, 255)'; break; } bg = getComputedStyle(node).backgroundColor; }
  const a = lum(rgb(style.color)), b = lum(rgb(bg));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""
