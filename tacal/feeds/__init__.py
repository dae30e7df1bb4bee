"""Subscribable feeds: which exist, their secret tokens, their bytes, and how they are delivered.

Each module does one job; imports only point up this list:

- :mod:`~tacal.feeds.catalogue`: which feeds exist (:class:`Feed`, :func:`feeds_of`) and the
  ``[feeds]`` settings.
- :mod:`~tacal.feeds.tokens`: the secret token of each private feed (:class:`TokenStore`), its
  sidecar file, and the state folder under ``$XDG_STATE_HOME``.
- :mod:`~tacal.feeds.pages`: feed URLs (plain, ``webcal://``, Google Calendar) and the HTML
  subscribe pages.
- :mod:`~tacal.feeds.site`: every page of the site, planned from the config
  (:func:`build_site`); :func:`list_feeds` for the URLs alone.
- :mod:`~tacal.feeds.publish`: ``tacal publish``, the site as static files in a folder.
- :mod:`~tacal.feeds.watch`: the files a build reads, and content digests that show a change.
- :mod:`~tacal.feeds.source`: ``tacal serve``'s snapshots (pages with their ETags and
  Last-Modified) and the per-feed state kept across restarts.
- :mod:`~tacal.feeds.app`: the WSGI app (routing, tokens, conditional GET, gzip, HEAD).
- :mod:`~tacal.feeds.server`: runs the app under waitress.

``publish`` and ``serve`` both build through :func:`~tacal.feeds.site.build_site`, so a feed
has the same URL path and the same bytes whichever way it is delivered.
"""
