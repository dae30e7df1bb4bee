"""tacal: a Technical Advisor team's meeting cadences as real calendars."""

__version__ = "0.1.0"
