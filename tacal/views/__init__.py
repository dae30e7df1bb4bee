"""Pages people look at: the week view of a window, the load report, the subscribe pages.

Everything here is a pure function from data (occurrences expanded from the calendar's own
bytes, people's clocks, accounts) to an HTML string: no clock, no I/O, no network. The pages
are self-contained (styles and the one small script inline; no fonts, no CDNs) so they can be
written to a file, published as static files or served behind a token, and still render
offline. Text from the config or a CRM export is untrusted: the Jinja2 environment
autoescapes everything (:mod:`tacal.views.render`).
"""
