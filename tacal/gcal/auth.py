"""Google credentials and the Calendar client for ``tacal sync``.

Why a module of its own: auth is where users get stuck (expired "Testing" tokens,
missing client files, service accounts without delegation), so every failure here is
turned into an :class:`~tacal.errors.AuthError` that says what to do, and nothing here
ever prints or logs a token or a secret.

``TACAL_GCAL_EMULATOR_HOST=host:port`` points everything at a local Calendar emulator
(anonymous credentials, plain HTTP) so tests run the real client over real sockets. Acting
as a user there (``--as``, or each organizer with ``[sync] delegate = true``) sends
``Authorization: Bearer emulator-user:EMAIL``, which says whose calendar ``primary`` is and
lets the emulator refuse another user's calendar, as Google would.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httplib2

from tacal.errors import AuthError

SCOPES = ["https://www.googleapis.com/auth/calendar.events"]
#: What ``freebusy.query`` needs besides (``[people.KEY] busy = "google"``, tacal.busy): asked
#: for only by the commands that read busy times, so a sync-only token is never re-consented.
FREEBUSY_SCOPE = "https://www.googleapis.com/auth/calendar.freebusy"
GOOGLE_BATCH_URI = "https://www.googleapis.com/batch/calendar/v3"
EMULATOR_ENV = "TACAL_GCAL_EMULATOR_HOST"
#: what acting as a user sends to the emulator: ``Authorization: Bearer emulator-user:EMAIL``
EMULATOR_USER_PREFIX = "emulator-user:"
#: kinds of credentials (:func:`credentials_kind`)
SERVICE_ACCOUNT = "service_account"
OAUTH = "oauth"
EMULATOR = "emulator"
DEFAULT_TIMEOUT = 60.0


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/tacal`` (default ``~/.config/tacal``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tacal"


def default_token_path() -> Path:
    return config_dir() / "token.json"


def default_credentials_path() -> Path:
    return config_dir() / "credentials.json"


class CountingHttp:
    """Wraps the client's http object and counts HTTP requests actually sent.

    Why: the sync reports what it cost (list pages + batches) so quota use is visible
    and tests can hold it to ``pages + ceil(N / batch_size)``. httplib2's own silent
    resend of a request on a dropped keep-alive connection is not visible here.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.count = 0

    @property
    def credentials(self) -> Any:
        return getattr(self.inner, "credentials", None)

    def request(self, *args: Any, **kwargs: Any) -> Any:
        self.count += 1
        return self.inner.request(*args, **kwargs)

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@dataclass
class ServiceBundle:
    """Everything the sync engine needs to talk to one Calendar endpoint."""

    service: Any
    http: CountingHttp
    batch_uri: str
    emulator: bool = False

    def close(self) -> None:
        """Close the kept-alive connections (a long-lived process should not leak them)."""
        self.http.close()


def write_token(path: Path, data: str) -> None:
    """Write the OAuth token atomically with mode 0600 (never world-readable, not even briefly).

    The file is created 0600 by ``os.open`` (umask can only narrow it), fsynced, then
    renamed over the old one so a crash never leaves a half-written token.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _reauth_hint(token_path: Path) -> str:
    return (
        f"delete {token_path} and run `tacal sync` again to sign in; if this happens every "
        "7 days, your OAuth consent screen is in 'Testing' status: publish it (In production) "
        "or use a service account"
    )


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AuthError(
            f"Google credentials file not found: {path}",
            hint="create an OAuth client of type 'Desktop app' in Google Cloud console "
            "(APIs & Services > Credentials), download its JSON to that path; "
            "see credentials.example.json for the expected shape",
        ) from None
    except (OSError, ValueError) as exc:
        raise AuthError(
            f"cannot read Google credentials file {path}: {exc.__class__.__name__}",
            hint="download the client JSON again; see credentials.example.json",
        ) from None
    if not isinstance(data, dict):
        raise AuthError(f"{path} is not a Google credentials JSON object")
    return data


def _oauth_credentials(
    client_path: Path,
    token_path: Path,
    *,
    interactive: bool,
    run_flow: Callable[[Path], Any] | None,
    scopes: list[str] | None = None,
) -> Any:
    from google.auth.exceptions import RefreshError, TransportError

    wanted = scopes or SCOPES
    from google.auth.transport.requests import Request
    from google.oauth2.credentials import Credentials

    creds = None
    if token_path.exists():
        try:
            creds = Credentials.from_authorized_user_file(str(token_path), wanted)
        except (ValueError, OSError):
            raise AuthError(
                f"saved Google authorisation {token_path} is unreadable",
                hint=_reauth_hint(token_path),
            ) from None
        if not set(wanted) <= set(creds.scopes or wanted):
            creds = None
    if creds is not None and not creds.valid:
        if creds.expired and creds.refresh_token:
            try:
                creds.refresh(Request())
            except RefreshError:
                raise AuthError(
                    "Google refused to refresh the saved authorisation (revoked or expired)",
                    hint=_reauth_hint(token_path),
                ) from None
            except TransportError as exc:
                raise AuthError(
                    "could not reach Google to refresh the authorisation: "
                    f"{exc.__class__.__name__}",
                    hint="check the network and run again",
                ) from None
            write_token(token_path, creds.to_json())
        else:
            creds = None
    if creds is None:
        if not interactive:
            raise AuthError(
                f"no saved Google authorisation ({token_path}), and no terminal to sign in "
                "from (the browser sign-in would wait forever)",
                hint=f"run `tacal sync --dry-run` once in a terminal, sign in in the browser it "
                f"opens, and it saves {token_path}; on a machine without a browser, do that "
                "elsewhere and copy the file here (mode 0600), or use a service-account key "
                "(see the README)",
            )
        creds = run_flow(client_path) if run_flow else _run_local_server(client_path, wanted)
        write_token(token_path, creds.to_json())
    return creds


def _run_local_server(client_path: Path, scopes: list[str] | None = None) -> Any:
    """Browser consent on a loopback port (the out-of-band console flow no longer exists)."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_secrets_file(str(client_path), scopes or SCOPES)
    return flow.run_local_server(
        port=0,
        open_browser=True,
        authorization_prompt_message="Open this URL to let tacal manage calendar events: {url}",
        success_message="tacal is authorised; you can close this tab.",
    )


def load_credentials(
    credentials_path: Path | str | None = None,
    as_user: str | None = None,
    token_path: Path | str | None = None,
    *,
    interactive: bool = True,
    run_flow: Callable[[Path], Any] | None = None,
    scopes: list[str] | None = None,
) -> Any:
    """Credentials from a Desktop OAuth client file or a service-account key (``scopes``:
    :data:`SCOPES` unless a command needs more, e.g. :data:`FREEBUSY_SCOPE`).

    ``as_user`` (service accounts only) impersonates a Workspace user through
    domain-wide delegation; without it a service account reaches only calendars
    shared with its own address.
    """
    path = Path(credentials_path) if credentials_path else default_credentials_path()
    data = _load_json(path)
    if data.get("type") == "service_account":
        from google.oauth2 import service_account

        try:
            creds = service_account.Credentials.from_service_account_info(
                data, scopes=scopes or SCOPES
            )
        except (ValueError, KeyError):
            raise AuthError(
                f"{path} is not a valid service-account key",
                hint="download a new JSON key for the service account",
            ) from None
        return creds.with_subject(as_user) if as_user else creds
    if "installed" in data or "web" in data:
        if as_user:
            raise AuthError(
                "--as-user needs a service-account key with domain-wide delegation",
                hint=f"{path} is an OAuth client; sign in as that user instead",
            )
        tpath = Path(token_path) if token_path else default_token_path()
        return _oauth_credentials(
            path, tpath, interactive=interactive, run_flow=run_flow, scopes=scopes
        )
    raise AuthError(
        f"{path} is neither an OAuth client ('installed') nor a service-account key",
        hint="see credentials.example.json",
    )


def credentials_kind(credentials_path: Path | str | None = None) -> str:
    """:data:`EMULATOR` when ``TACAL_GCAL_EMULATOR_HOST`` is set, else what the credentials
    file is: :data:`SERVICE_ACCOUNT` (a key, which may act as users through domain-wide
    delegation) or :data:`OAUTH` (a Desktop client: one person signs in)."""
    if os.environ.get(EMULATOR_ENV, "").strip():
        return EMULATOR
    path = Path(credentials_path) if credentials_path else default_credentials_path()
    data = _load_json(path)
    if data.get("type") == "service_account":
        return SERVICE_ACCOUNT
    if "installed" in data or "web" in data:
        return OAUTH
    raise AuthError(
        f"{path} is neither an OAuth client ('installed') nor a service-account key",
        hint="see credentials.example.json",
    )


def _emulator_user(email: str) -> Any:
    """Credentials that tell the emulator whom a request acts as (no secret: there is none)."""
    from google.auth.credentials import AnonymousCredentials

    class EmulatorUser(AnonymousCredentials):  # type: ignore[misc]
        def apply(self, headers: dict[str, str], token: str | None = None) -> None:
            headers["authorization"] = f"Bearer {EMULATOR_USER_PREFIX}{email}"

        def before_request(self, request: Any, method: str, url: str, headers: Any) -> None:
            self.apply(headers)

    return EmulatorUser()


def build_service(
    credentials_path: Path | str | None = None,
    as_user: str | None = None,
    token_path: Path | str | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    interactive: bool = True,
    credentials: Any = None,
    scopes: list[str] | None = None,
) -> ServiceBundle:
    """A Calendar v3 client plus its batch URI and a request counter.

    Honours ``TACAL_GCAL_EMULATOR_HOST``; otherwise loads credentials (or uses the
    ``credentials`` given). The batch URI is explicit because
    ``service.new_batch_http_request()`` ignores a custom endpoint.
    """
    from google.auth.credentials import AnonymousCredentials
    from google_auth_httplib2 import AuthorizedHttp
    from googleapiclient.discovery import build

    host = os.environ.get(EMULATOR_ENV, "").strip()
    options: dict[str, str] = {}
    if host:
        creds: Any = _emulator_user(as_user) if as_user else AnonymousCredentials()
        options["api_endpoint"] = f"http://{host}/calendar/v3/"
        batch_uri = f"http://{host}/batch/calendar/v3"
    else:
        creds = credentials or load_credentials(
            credentials_path, as_user, token_path, interactive=interactive, scopes=scopes
        )
        batch_uri = GOOGLE_BATCH_URI
    http = CountingHttp(AuthorizedHttp(creds, http=httplib2.Http(timeout=timeout)))
    service = build(
        "calendar",
        "v3",
        http=http,
        static_discovery=True,
        cache_discovery=False,
        client_options=options or None,
    )
    return ServiceBundle(service=service, http=http, batch_uri=batch_uri, emulator=bool(host))
