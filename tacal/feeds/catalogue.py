"""Which feeds exist: the team feed, one per person with a series, one per account.

A feed's ``id`` is stable: it names the feed's token in the tokens file and its ``.ics`` file.
"""

from __future__ import annotations

from dataclasses import dataclass

from tacal.errors import TacalError
from tacal.ical.calendar import select
from tacal.model import Config, FeedSettings, slug
from tacal.series import Series


def settings(config: Config) -> FeedSettings:
    """The config's ``[feeds]`` table, validated when the config was loaded."""
    return config.feeds


@dataclass(frozen=True)
class Feed:
    """One subscribable calendar. ``id`` is stable (it names the token and the file)."""

    id: str
    kind: str  # "team" | "person" | "account"
    title: str
    private: bool
    for_email: str | None = None
    account: str | None = None

    @property
    def filename(self) -> str:
        return f"{self.id}.ics"


def feeds_of(config: Config, series: list[Series], team_public: bool) -> list[Feed]:
    """The team feed, one per person with at least one series, one per account."""
    team = config.team
    out = [Feed("team", "team", team.name, private=not team_public)]
    for person in config.people.values():
        if select(series, for_email=person.email):
            out.append(
                Feed(
                    f"person-{slug(person.key)}",
                    "person",
                    f"{team.name}: {person.name}",
                    True,
                    for_email=person.email,
                )
            )
    for account in config.accounts:
        out.append(
            Feed(
                f"account-{slug(account.name)}",
                "account",
                f"{team.name}: {account.name}",
                True,
                account=account.name,
            )
        )
    seen: dict[str, Feed] = {}
    for f in out:
        if f.id in seen:
            raise TacalError(
                f"two feeds would share the id {f.id!r} ({seen[f.id].title!r} and {f.title!r})",
                hint="make the person keys or account names "
                "differ in more than case and punctuation",
            )
        seen[f.id] = f
    return out
