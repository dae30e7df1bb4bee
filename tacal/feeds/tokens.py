"""Secret feed tokens, and the state folder tacal keeps outside the config.

Every private feed lives under its own random token path segment: one token per feed means
one leaked URL exposes one feed only. The tokens of a config are kept in a sidecar next to it
(``team.toml`` → ``team.tokens.json``), written atomically with mode 0600; rotated tokens are
remembered so ``publish`` can delete the files left at their paths.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tacal.errors import TacalError
from tacal.feeds.catalogue import Feed
from tacal.model import Config
from tacal.output import write_atomic
from tacal.paths import state_home

TOKEN_BYTES = 24  # secrets.token_urlsafe(24): 32 URL-safe characters, 192 bits
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,}$")


def tokens_path(config: Config) -> Path:
    """A sidecar next to the config (``team.toml`` → ``team.tokens.json``), so the URLs
    belong to that config; the built-in default keeps its tokens in the state home."""
    if config.path is None:
        return state_home() / "default.tokens.json"
    return config.path.with_name(f"{config.path.stem}.tokens.json")


@dataclass
class TokenStore:
    """Feed id → token, plus the tokens each feed had before (so ``publish`` can delete
    the files left at old, possibly leaked, paths). Written atomically with mode 0600."""

    path: Path
    tokens: dict[str, str] = field(default_factory=dict)
    retired: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> TokenStore:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            raise TacalError(f"{path}: cannot read feed tokens: {exc.strerror or exc}") from None
        try:
            data = json.loads(text)
            tokens = {str(k): str(v) for k, v in data["tokens"].items()}
            retired = {str(k): [str(t) for t in v] for k, v in data.get("retired", {}).items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            raise TacalError(
                f"{path}: not a tacal tokens file",
                hint="fix it, or delete it to issue new feed URLs",
            ) from None
        bad = [k for k, v in tokens.items() if not TOKEN_RE.match(v)]
        if bad:
            raise TacalError(
                f"{path}: the token of {bad[0]!r} is not a tacal token",
                hint="delete that entry; a new token is issued on the next run",
            )
        return cls(path, tokens, retired)

    def ensure(self, feeds: Iterable[Feed]) -> bool:
        """Issue a token for each private feed that has none; True when any was issued."""
        changed = False
        for f in feeds:
            if f.private and f.id not in self.tokens:
                self.tokens[f.id] = secrets.token_urlsafe(TOKEN_BYTES)
                changed = True
        return changed

    def rotate(self, feed_ids: Iterable[str]) -> None:
        for fid in feed_ids:
            old = self.tokens.get(fid)
            if old:
                self.retired.setdefault(fid, []).append(old)
            self.tokens[fid] = secrets.token_urlsafe(TOKEN_BYTES)

    def save(self) -> None:
        data = {
            "version": 1,
            "tokens": dict(sorted(self.tokens.items())),
            "retired": dict(sorted(self.retired.items())),
        }
        text = json.dumps(data, indent=2) + "\n"
        write_atomic(self.path, text.encode("utf-8"), mode=0o600)

    def every_token(self) -> Iterable[tuple[str, str]]:
        """(feed id, token) for current and retired tokens."""
        for fid, tok in self.tokens.items():
            yield fid, tok
        for fid, toks in self.retired.items():
            for tok in toks:
                yield fid, tok
