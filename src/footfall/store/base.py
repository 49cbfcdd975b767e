"""The storage seam: four small protocols a backend implements, in any combination.

``Catalog`` (sites, API keys, goals, salts), ``Accounts`` (users, memberships, web
sessions, invitations, shares), ``EventLog`` (commit and delete events) and
``StatsEngine`` (answer a StatsQuery). ``store/registry.py`` maps URL schemes to the
backends that implement them and builds the ``Stores`` a process uses.

Backends are synchronous and safe to call from several threads at once; async code
reaches them only through ``footfall.offload.offload`` (never on the event loop).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from footfall.accounts.models import (
    Invitation,
    Member,
    Role,
    Segment,
    SharedLink,
    StoredUser,
    TotpState,
    User,
    WebSession,
)
from footfall.domain import ApiKey, Event, Funnel, FunnelStep, Goal, Scope, Shields, Site
from footfall.mail.models import Mail, Subscription
from footfall.stats.query import StatsQuery

if TYPE_CHECKING:
    from footfall.domain import EventColumns


@dataclass(frozen=True, slots=True)
class ApplyHealth:
    """How an EventLog's write path fares: /ready and /metrics read this. A backend
    that commits to a journal first reports the events not yet in its tables."""

    failing: bool = False
    last_error: str = ""
    failures: int = 0  # apply attempts that failed
    crashes: int = 0  # times the apply thread died and was restarted
    unapplied_events: int = 0
    backpressure_waits: int = 0  # appends that waited for the apply to catch up


@dataclass(frozen=True, slots=True)
class StoredKey:
    """An API key row as the store keeps it: metadata plus the keyed hash, never the key."""

    key: ApiKey
    digest: bytes


@runtime_checkable
class Backend(Protocol):
    """What every opened backend has, whatever protocols it implements."""

    def ping(self) -> None:
        """Raise StoreUnavailable when the backend cannot answer (or take events)."""

    def close(self) -> None: ...


@runtime_checkable
class Catalog(Protocol):
    """Sites, their API keys and goals, and the daily visitor-hash salts."""

    def add_site(self, domain: str, timezone: str, umami_website_id: str) -> Site:
        """Raise ConflictError when the domain exists."""

    def list_sites(self) -> list[Site]: ...
    def get_site(self, domain: str) -> Site | None: ...
    def get_site_by_id(self, site_id: int) -> Site | None: ...
    def get_site_by_umami_id(self, website_id: str) -> Site | None: ...
    def set_site_timezone(self, site_id: int, timezone: str) -> None: ...
    def embed_origins(self, site_id: int) -> tuple[str, ...]:
        """The origins allowed to frame the site's shared dashboards (web/embed.py), in
        the order stored; none for an unknown site."""

    def set_embed_origins(self, site_id: int, origins: Sequence[str]) -> None:
        """Replace them (``origins`` are normalized ``scheme://host[:port]``)."""

    # traffic shields (footfall/shields.py) ------------------------------------------
    def shields(self, site_id: int) -> Shields:
        """The site's shields as last set (none for an unknown site)."""

    def set_shields(self, site_id: int, shields: Shields) -> None:
        """Replace them (checked by shields.parse before they reach a store)."""

    def add_drops(self, counts: Mapping[tuple[int, str], int]) -> None:
        """Add to the per-site tallies of dropped events: (site id, drop reason) ->
        events. Atomic per tally, so replicas add at once; a removed site's are
        ignored."""

    def site_drops(self, site_id: int) -> dict[str, int]:
        """The site's dropped events by reason since it was added."""

    def set_site_retention(self, site_id: int, days: int | None) -> None:
        """Keep the site's events ``days`` days (None: for ever); footfall/retention.py."""

    def claim_job(self, job: str, period: str) -> bool:
        """Insert-if-absent of ``(job, period)``: True for the one caller, of every
        replica, that claimed it first (a daily job runs once: footfall/retention.py)."""

    def remove_site(self, site_id: int) -> bool:
        """Delete a site with its keys, goals, funnels, shields and drop tallies; False
        when it did not exist. (Its events and account data are the other protocols':
        see sites/service.py.)"""

    def add_key(
        self, site_id: int, prefix: str, digest: bytes, scopes: frozenset[Scope], name: str
    ) -> ApiKey: ...
    def find_key(self, prefix: str) -> StoredKey | None: ...
    def list_keys(self, site_id: int | None = None) -> list[ApiKey]: ...
    def revoke_key(self, prefix: str, at: datetime) -> bool: ...
    def touch_keys(self, last_used: Mapping[str, datetime]) -> None: ...

    def add_goal(self, site_id: int, event_name: str, page_path: str, display_name: str) -> Goal:
        """Raise ConflictError when the site has a goal of that name."""

    def list_goals(self, site_id: int | None = None) -> list[Goal]: ...
    def remove_goal(self, site_id: int, display_name: str) -> bool: ...

    def add_funnel(self, site_id: int, name: str, steps: tuple[FunnelStep, ...]) -> Funnel:
        """Raise ConflictError when the site has a funnel of that name. (Steps are
        checked by funnels.py before they reach a store.)"""

    def list_funnels(self, site_id: int | None = None) -> list[Funnel]:
        """By site, then name."""

    def remove_funnel(self, site_id: int, name: str) -> bool: ...

    def ensure_salts(self, candidates: Mapping[date, bytes]) -> dict[date, bytes]:
        """Return the stored salt of each day, first storing the candidate for days that
        have none (insert-if-absent, so replicas asking at once agree), and delete the
        salts of days older than the oldest day asked for."""

    # Moving data between backends (footfall/transfer.py): rows come back with the ids
    # they had, so what refers to them (keys, goals, events, memberships) still does.
    def restore_site(self, site: Site) -> None:
        """Store an exported site with its id; later ``add_site`` ids are above it.
        Raise ConflictError when its id, domain or Umami id is taken."""

    def restore_key(self, stored: StoredKey) -> None:
        """Store an exported key (metadata and digest, never the key) as it was, so
        the key still verifies. Raise ConflictError when its prefix is taken."""

    def restore_goal(self, goal: Goal) -> None:
        """Store an exported goal with its id; later ``add_goal`` ids are above it.
        Raise ConflictError when its id, or its site's goal of that name, exists."""


@runtime_checkable
class Accounts(Protocol):
    """Users, per-site roles, web sessions, invitations and shared links."""

    def add_user(self, email: str, password_hash: str, role: Role | None) -> User:
        """Raise ConflictError when a user has that email."""

    def get_user(self, email: str) -> StoredUser | None: ...
    def get_user_by_id(self, user_id: int) -> StoredUser | None: ...
    def list_users(self) -> list[User]: ...
    def count_users(self) -> int: ...
    def set_password(self, user_id: int, password_hash: str) -> None: ...
    def set_user_role(self, user_id: int, role: Role | None) -> None: ...
    def remove_user(self, user_id: int) -> None:
        """Delete a user with their memberships, sessions and own segments."""

    def set_membership(self, user_id: int, site_id: int, role: Role) -> None: ...
    def remove_membership(self, user_id: int, site_id: int) -> bool: ...
    def user_memberships(self, user_id: int) -> dict[int, Role]: ...
    def site_members(self, site_id: int) -> list[Member]: ...
    def forget_site(self, site_id: int) -> None:
        """Delete the site's memberships, invitations, shared links and segments."""

    def add_web_session(self, token_hash: bytes, user_id: int, expires_at: datetime) -> None: ...
    def get_web_session(self, token_hash: bytes) -> WebSession | None: ...
    def remove_web_session(self, token_hash: bytes) -> None: ...
    def remove_expired_web_sessions(self, now: datetime) -> None: ...
    def remove_user_sessions(self, user_id: int) -> None: ...
    def add_invitation(self, invitation: Invitation) -> None: ...
    def get_invitation(self, token_hash: bytes) -> Invitation | None: ...
    def site_invitations(self, site_id: int) -> list[Invitation]: ...
    def remove_invitation(self, token_hash: bytes) -> bool: ...
    def add_share(
        self, site_id: int, token: str, name: str, password_hash: str | None
    ) -> SharedLink: ...
    def get_share(self, token: str) -> SharedLink | None: ...
    def site_shares(self, site_id: int) -> list[SharedLink]: ...
    def revoke_share(self, site_id: int, share_id: int, at: datetime) -> bool: ...
    def add_segment(
        self, site_id: int, name: str, filters: str, user_id: int | None, created_by: int
    ) -> Segment:
        """A segment of ``user_id`` (None: shared with the site). Raise ConflictError
        when that user (or the site's shared ones) has one of that name."""

    def site_segments(self, site_id: int, user_id: int | None) -> list[Segment]:
        """The site's shared segments, then ``user_id``'s own, each by name."""

    def get_segment(self, segment_id: int) -> Segment | None: ...
    def update_segment(self, segment_id: int, filters: str) -> bool: ...
    def remove_segment(self, segment_id: int) -> bool: ...
    def restore_user(self, stored: StoredUser) -> None:
        """Store an exported user with their id and password hash (they still sign in);
        later ``add_user`` ids are above it. Raise ConflictError when the id or the
        email is taken."""

    def restore_share(self, link: SharedLink) -> None:
        """Store an exported shared link with its id, token and times. Raise
        ConflictError when its id or token is taken."""

    # two-factor authentication (accounts/totp.py; docs/accounts.md) ------------------
    def get_totp(self, user_id: int) -> TotpState | None: ...
    def start_totp(self, user_id: int, secret: bytes) -> None:
        """Keep a new, not yet confirmed secret (replacing an unconfirmed one); refuse
        with ConflictError when the user's second factor is already enabled."""

    def enable_totp(self, user_id: int, recovery_hashes: Sequence[str], step: int) -> bool:
        """Confirm the pending secret with its recovery codes, ``step`` counted as used;
        False when there is no pending secret (or it is enabled already)."""

    def claim_totp_step(self, user_id: int, step: int) -> bool:
        """Atomically record that a code of ``step`` was accepted: False when a code of
        this step or a later one already was (a replay), on any replica."""

    def use_recovery_code(self, user_id: int, code_hash: str) -> bool:
        """Atomically delete one unused recovery code's hash: False when it was gone."""

    def remove_totp(self, user_id: int) -> None:
        """Disable the second factor: the secret and the recovery codes go."""

    def site_requires_2fa(self, site_id: int) -> bool: ...
    def set_site_requires_2fa(self, site_id: int, required: bool) -> None: ...


@runtime_checkable
class ColumnWriter(Protocol):
    """An event log that takes a batch's events as columns (the embedded store: its
    Arrow columns are built from them as they are; ingest/columns.py)."""

    def write_columns(self, events: EventColumns) -> None:
        """``write_events`` of ``events.events()``, without an Event per row."""


@runtime_checkable
class EventLog(Protocol):
    """The enriched events, and the visits that follow from them (footfall/visits.py)."""

    def write_events(self, events: Sequence[Event]) -> None:
        """Commit all events durably, or raise StoreError (StoreUnavailable for a fault
        to retry) and commit none. Visits follow the rule whatever the arrival order."""

    def delete_events(
        self, site_id: int, start: datetime | None = None, end: datetime | None = None
    ) -> None:
        """Delete the site's events in ``[start, end)`` (all of them without bounds;
        retention passes ``end`` only); the visits of what remains are recomputed."""

    def count_events(self, site_id: int) -> int: ...
    def fetch_events(self, site_id: int, limit: int = 1000) -> list[dict[str, object]]:
        """The site's first ``limit`` events in time order, as column -> value (times
        aware UTC)."""

    def export_events(
        self, site_id: int, start: datetime, end: datetime, chunk: int = 10_000
    ) -> Iterator[list[Event]]:
        """The site's committed events in ``[start, end)`` in time order, ``chunk`` at a
        time, as stored (aware UTC times, their visits' session ids), read without
        holding all of them in memory. (Importing them is ``write_events``: visits are
        a function of the events, so they come out the same.)"""

    def health(self) -> ApplyHealth:
        """How the write path fares (for /ready and /metrics): in-process state only,
        no I/O, so it may be read on the event loop."""


@runtime_checkable
class StatsEngine(Protocol):
    """Answers stats questions over every committed event; never takes SQL text.

    SQL backends build their SQL with store/sql/builder.py in their own ``Dialect``;
    the runner (stats/runner.py) shapes the rows, compares periods and fills buckets.
    """

    def answer(self, query: StatsQuery, site: Site, goals: Sequence[Goal]) -> list[tuple[Any, ...]]:
        """One row per group: the dimension values (time buckets as local datetimes),
        the metrics in ``query.metrics`` order (a share metric as its visitors), the
        visitors of each baseline of ``stats.shares.needed(query)`` for that row, then
        the number of groups of the whole answer; ``query``'s order, limit and offset
        applied. Raise StoreError on failure."""

    def funnel(
        self, query: StatsQuery, site: Site, steps: Sequence[FunnelStep], goals: Sequence[Goal]
    ) -> list[int]:
        """The visitors who reached each step, in order within a visit, of the visits
        that start in the query's range and pass its filters (docs/funnels.md): one
        count per step. Built with store/sql/funnel.py."""

    def prop_keys(self, site: Site, start: datetime, end: datetime, limit: int) -> list[str]:
        """The custom property keys of the site's events in ``[start, end)``, most used
        first, at most ``limit``."""

    def realtime(self, site: Site, now: datetime) -> list[tuple[Any, ...]]:
        """The site's last 30 minutes up to ``now`` in ONE statement (store/sql/live.py):
        rows ``(kind, label, minute, visitors, pageviews)`` as stats/realtime.py reads
        them."""

    def overview(self, site_ids: Sequence[int], now: datetime) -> list[tuple[Any, ...]]:
        """The listed sites' last 48 hours up to ``now`` in ONE statement for all of them
        (store/sql/live.py): rows ``(site_id, kind, hour, visitors, before)`` as
        stats/overview.py reads them; none for an empty list."""

    def first_event_at(self, site_id: int) -> datetime | None:
        """The (aware UTC) time of the site's first event, None without events."""

    def time_limit(self, seconds: float) -> AbstractContextManager[None]:
        """Within the block, reads by the calling thread stop in the engine once
        ``seconds`` have passed (an interrupt, a statement timeout) and
        raise QueryTimeout."""


@runtime_checkable
class Rollups(Protocol):
    """Optional: a ``StatsEngine`` that answers ended days from summaries of them
    (PostgreSQL's daily rollups). The server asks it every minute to bring them up to
    date; answers are exact whether it has or not."""

    def refresh_rollups(self, limit: int = 31) -> int:
        """Summarise at most ``limit`` days that are due; how many were."""


@runtime_checkable
class Mailbox(Protocol):
    """Email's state (footfall/mail, docs/email.md): the outbox the worker drains, the
    password reset tokens, and who gets which reports and alerts. Lives beside
    ``Accounts`` (the database of ``FOOTFALL_DATABASE_URL``)."""

    def queue_mail(
        self,
        recipient: str,
        subject: str,
        text: str,
        html: str,
        key: str,
        now: datetime,
        unsubscribe: str = "",
    ) -> bool:
        """Queue a message, due at ``now``. A non-empty ``key`` is queued once ever:
        False (and nothing queued) when a message had it, so replicas that queue one
        period's report at once queue one. ``unsubscribe``: its List-Unsubscribe URL."""

    def claim_mail(self, now: datetime, lease: timedelta) -> Mail | None:
        """Take the oldest due message no one holds, for ``lease`` (its attempts counted
        up); None when none is due. Two callers never hold one message at once."""

    def mail_sent(self, mail_id: int, at: datetime) -> None: ...
    def mail_failed(self, mail_id: int, error: str, retry_at: datetime | None) -> None:
        """Release a claim: due again at ``retry_at``, or never (given up) when None."""

    def mail_counts(self) -> dict[str, int]:
        """Messages by state: ``queued``, ``sent``, ``failed``."""

    def add_reset_token(self, token_hash: bytes, user_id: int, expires_at: datetime) -> None: ...
    def take_reset_token(self, token_hash: bytes, now: datetime) -> tuple[int, datetime] | None:
        """The user and expiry of an unexpired token, which is gone after this (single
        use: of two callers at once, one gets it); None for an unknown, used or expired
        one."""

    def set_subscription(self, sub: Subscription) -> None:
        """Add or replace (by site, email and kind)."""

    def remove_subscription(self, site_id: int, email: str, kind: str) -> bool: ...
    def subscriptions(self, site_id: int | None = None) -> list[Subscription]:
        """By site, kind, then email."""

    def forget_site_mail(self, site_id: int) -> None:
        """Delete the site's subscriptions (the site is being removed)."""


@dataclass(frozen=True, slots=True)
class ImportInfo:
    """One import of a site's history (footfall/imports/), known by its file's digest."""

    site_id: int
    digest: str  # SHA-256 of its rows, hex: the same data again replaces it
    source: str  # "plausible"
    file_name: str
    start_date: date | None
    end_date: date | None
    rows: int
    created_at: datetime


@runtime_checkable
class ImportedData(Protocol):
    """A site's imported history (DuckDB, PostgreSQL, DynamoDB), in the tables
    of imports/tables.py, beside its events."""

    def save_import(
        self, info: ImportInfo, tables: Mapping[str, Sequence[Sequence[object]]]
    ) -> None:
        """Store the rows of each imported table (columns: ``date`` then the table's
        columns) as one import, in one transaction; an import of the same digest is
        replaced, so importing a file again changes nothing."""

    def list_imports(self, site_id: int) -> list[ImportInfo]: ...

    def imported_rows(self, site_id: int, table: str) -> list[tuple[Any, ...]]:
        """The site's rows of one imported table, every import's: ``date`` then the
        table's columns, sorted."""

    def remove_imports(self, site_id: int) -> int:
        """Delete every import of the site with its rows; how many imports there were."""

    def remove_import(self, site_id: int, digest: str) -> bool:
        """Delete one import of the site with its rows; whether there was one."""
