"""Move a whole store to another backend: ``footfall export --to DIR`` and
``footfall import --from DIR`` (docs/transfer.md).

Everything goes through the protocols of store/base.py, so any backend pair works
(DuckDB to PostgreSQL and back, or to DynamoDB). An export is a directory of Parquet
files: one per small table, and the events one file per site per month (UTC), read
from the source a chunk at a time; ``manifest.json``, written last, lists every file
with its row count. Ids survive (sites', goals', users', shared links'), so keys,
goals, events and memberships still point at their rows; API keys travel as their
digests (a key made before still verifies), users with their password hashes (they
still sign in). Events are imported through ``write_events``: visits are a function of
the events (footfall/visits.py), so the target splits them as the source did.
Web sessions are not moved (users sign in again). Funnels (known by name) and
segments come with new ids; each site's embed origins come with the site.
"""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from footfall.accounts.models import Invitation, Role, SharedLink, StoredUser, User
from footfall.domain import ApiKey, Goal, Scope, Shields, Site, steps_from_text, steps_text
from footfall.errors import ConfigError, StoreError
from footfall.store import parquet
from footfall.store.arrow import AWARE_UTC, duckdb_columns, events_to_arrow
from footfall.store.base import StoredKey
from footfall.store.registry import Stores
from footfall.store.sql.records import event_from_row, utc

FORMAT = "footfall-export"
VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 10_000  # events per read from the source and per write to the target

Row = dict[str, Any]
Schema = tuple[tuple[str, str], ...]  # (column, DuckDB type): the Parquet file's columns
# Instants are written as UTC (Parquet's timestamp adjusted to UTC, microseconds) and
# read back as naive UTC, then given their zone (fetching DuckDB's TIMESTAMPTZ would
# need pytz).
_TIME, _ID, _TEXT, _BYTES = "TIMESTAMPTZ", "BIGINT", "VARCHAR", "BLOB"


def _schema(*columns: tuple[str, str]) -> Schema:
    return columns


@dataclass(frozen=True)
class Table:
    """One small table: its file, its columns, how it is read and restored."""

    name: str
    schema: Schema
    read: Callable[[Stores], list[Row]]
    restore: Callable[[Stores, Row], None]

    def write(self, rows: list[Row], path: Path) -> None:
        cur = parquet.own_cursor()
        try:
            columns = ", ".join(f'"{n}" {t}' for n, t in self.schema)
            cur.execute(f"CREATE TEMP TABLE export_rows ({columns})")
            names = [n for n, _ in self.schema]
            if rows:
                marks = ", ".join("?" for _ in names)
                cur.executemany(
                    f"INSERT INTO export_rows VALUES ({marks})",  # noqa: S608
                    [[r[n] for n in names] for r in rows],
                )
            cur.execute("COPY export_rows TO $path (FORMAT parquet)", {"path": str(path)})
        finally:
            cur.close()

    def load(self, path: Path) -> list[Row]:
        times = {n for n, t in self.schema if t == _TIME}
        select = ", ".join(
            f'CAST("{n}" AS {"TIMESTAMP" if n in times else t}) AS "{n}"' for n, t in self.schema
        )
        out: list[Row] = []
        for names, found in parquet.rows(path, select, CHUNK):
            for row in found:
                values = dict(zip(names, row, strict=True))
                out.append(values | {n: utc(values[n]) for n in times})
        return out


def _sites(s: Stores) -> list[Row]:
    return [asdict(x) for x in s.catalog.list_sites()]


def _keys(s: Stores) -> list[Row]:
    rows = []
    for k in s.catalog.list_keys():
        stored = s.catalog.find_key(k.prefix)
        if stored is None:  # removed while exporting
            continue
        rows.append(
            {
                "prefix": k.prefix,
                "site_id": k.site_id,
                "digest": stored.digest,
                "scopes": ",".join(sorted(k.scopes)),
                "name": k.name,
                "created_at": k.created_at,
                "last_used_at": k.last_used_at,
                "revoked_at": k.revoked_at,
            }
        )
    return rows


def _restore_key(s: Stores, r: Row) -> None:
    scopes = frozenset(Scope(x) for x in r["scopes"].split(",") if x)
    times = (r["created_at"], r["last_used_at"], r["revoked_at"])
    key = ApiKey(r["prefix"], r["site_id"], scopes, r["name"], *times)
    s.catalog.restore_key(StoredKey(key, r["digest"]))


def _goals(s: Stores) -> list[Row]:
    return [asdict(g) for g in s.catalog.list_goals()]


def _embeds(s: Stores) -> list[Row]:
    """The origins each site lets frame its shared dashboards (sites without any have
    no row)."""
    found = ((site.id, s.catalog.embed_origins(site.id)) for site in s.catalog.list_sites())
    return [{"site_id": site_id, "origins": list(origins)} for site_id, origins in found if origins]


def _funnels(s: Stores) -> list[Row]:
    return [
        {"site_id": f.site_id, "name": f.name, "steps": steps_text(f.steps)}
        for f in s.catalog.list_funnels()
    ]


def _restore_funnel(s: Stores, r: Row) -> None:
    s.catalog.add_funnel(r["site_id"], r["name"], steps_from_text(r["steps"]))


def _segments(s: Stores) -> list[Row]:
    """Each site's shared segments, then each user's own there."""
    users = s.accounts.list_users()
    rows = []
    for site in s.catalog.list_sites():
        found = s.accounts.site_segments(site.id, None)
        for u in users:
            found += [g for g in s.accounts.site_segments(site.id, u.id) if g.user_id == u.id]
        rows += [asdict(g) for g in found]
    return rows


def _restore_segment(s: Stores, r: Row) -> None:
    args = (r["site_id"], r["name"], r["filters"], r["user_id"], r["created_by"])
    s.accounts.add_segment(*args)


def _salts(s: Stores) -> list[Row]:
    """Today's and yesterday's (UTC) salts, which hash the visitors of the days still
    open: created if missing, as a server's first event of the day would."""
    today = datetime.now(UTC).date()
    asked = {today - timedelta(days=n): secrets.token_bytes(16) for n in (1, 0)}
    return [{"day": d, "salt": v} for d, v in sorted(s.catalog.ensure_salts(asked).items())]


def _restore_salt(s: Stores, r: Row) -> None:
    s.catalog.ensure_salts({r["day"]: r["salt"]})  # a salt the target has already wins


def _users(s: Stores) -> list[Row]:
    rows = []
    for u in s.accounts.list_users():
        stored = s.accounts.get_user_by_id(u.id)
        if stored is not None:
            role = u.role.value if u.role else ""
            rows.append(
                {"id": u.id, "email": u.email, "password_hash": stored.password_hash}
                | {"role": role, "created_at": u.created_at}
            )
    return rows


def _restore_user(s: Stores, r: Row) -> None:
    user = User(r["id"], r["email"], Role(r["role"]) if r["role"] else None, r["created_at"])
    s.accounts.restore_user(StoredUser(user, r["password_hash"]))


def _memberships(s: Stores) -> list[Row]:
    return [
        {"user_id": u.id, "site_id": site_id, "role": role.value}
        for u in s.accounts.list_users()
        for site_id, role in sorted(s.accounts.user_memberships(u.id).items())
    ]


def _invitations(s: Stores) -> list[Row]:
    return [
        asdict(i) | {"role": i.role.value}
        for site in s.catalog.list_sites()
        for i in s.accounts.site_invitations(site.id)
    ]


def _restore_invitation(s: Stores, r: Row) -> None:
    s.accounts.add_invitation(Invitation(**(r | {"role": Role(r["role"])})))


def _shields(s: Stores) -> list[Row]:
    rules = ((site.id, s.catalog.shields(site.id)) for site in s.catalog.list_sites())
    return [{"site_id": i, "rules": r.text()} for i, r in rules if r != Shields()]


def _shares(s: Stores) -> list[Row]:
    return [asdict(x) for site in s.catalog.list_sites() for x in s.accounts.site_shares(site.id)]


# In the order of an import: what a row refers to comes before it.
TABLES = (
    Table(
        "sites",
        _schema(
            ("id", _ID),
            ("domain", _TEXT),
            ("timezone", _TEXT),
            ("umami_website_id", _TEXT),
            ("retention_days", "INTEGER"),
            ("created_at", _TIME),
        ),
        _sites,
        lambda s, r: s.catalog.restore_site(Site(**r)),
    ),
    Table(  # the rules only: drop tallies start again from zero (docs/shields.md)
        "site_shields",
        _schema(("site_id", _ID), ("rules", _TEXT)),
        _shields,
        lambda s, r: s.catalog.set_shields(r["site_id"], Shields.from_text(r["rules"])),
    ),
    Table(
        "api_keys",
        _schema(
            ("prefix", _TEXT),
            ("site_id", _ID),
            ("digest", _BYTES),
            ("scopes", _TEXT),
            ("name", _TEXT),
            ("created_at", _TIME),
            ("last_used_at", _TIME),
            ("revoked_at", _TIME),
        ),
        _keys,
        _restore_key,
    ),
    Table(
        "goals",
        _schema(
            ("id", _ID),
            ("site_id", _ID),
            ("event_name", _TEXT),
            ("page_path", _TEXT),
            ("display_name", _TEXT),
        ),
        _goals,
        lambda s, r: s.catalog.restore_goal(Goal(**r)),
    ),
    Table(
        "site_embeds",
        _schema(("site_id", _ID), ("origins", "VARCHAR[]")),
        _embeds,
        lambda s, r: s.catalog.set_embed_origins(r["site_id"], r["origins"]),
    ),
    Table(
        "funnels",
        _schema(("site_id", _ID), ("name", _TEXT), ("steps", _TEXT)),
        _funnels,
        _restore_funnel,
    ),
    Table(
        "salts",
        _schema(("day", "DATE"), ("salt", _BYTES)),
        _salts,
        _restore_salt,
    ),
    Table(
        "users",
        _schema(
            ("id", _ID),
            ("email", _TEXT),
            ("password_hash", _TEXT),
            ("role", _TEXT),
            ("created_at", _TIME),
        ),
        _users,
        _restore_user,
    ),
    Table(
        "segments",
        _schema(
            ("id", _ID),
            ("site_id", _ID),
            ("name", _TEXT),
            ("filters", _TEXT),
            ("user_id", _ID),
            ("created_by", _ID),
        ),
        _segments,
        _restore_segment,
    ),
    Table(
        "memberships",
        _schema(("user_id", _ID), ("site_id", _ID), ("role", _TEXT)),
        _memberships,
        lambda s, r: s.accounts.set_membership(r["user_id"], r["site_id"], Role(r["role"])),
    ),
    Table(
        "invitations",
        _schema(
            ("token_hash", _BYTES),
            ("email", _TEXT),
            ("site_id", _ID),
            ("role", _TEXT),
            ("invited_by", _TEXT),
            ("created_at", _TIME),
            ("expires_at", _TIME),
        ),
        _invitations,
        _restore_invitation,
    ),
    Table(
        "shared_links",
        _schema(
            ("id", _ID),
            ("site_id", _ID),
            ("token", _TEXT),
            ("name", _TEXT),
            ("password_hash", _TEXT),
            ("created_at", _TIME),
            ("revoked_at", _TIME),
        ),
        _shares,
        lambda s, r: s.accounts.restore_share(SharedLink(**r)),
    ),
)


# events ----------------------------------------------------------------------
def _months(first: datetime, last: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The UTC months from ``first``'s to ``last``'s, as [start, end) instants."""
    month = date(first.year, first.month, 1)
    while datetime(month.year, month.month, 1, tzinfo=UTC) <= last:
        start = datetime(month.year, month.month, 1, tzinfo=UTC)
        month = (month + timedelta(days=32)).replace(day=1)
        yield start, datetime(month.year, month.month, 1, tzinfo=UTC)


def _event_file(site_id: int, start: datetime) -> str:
    return f"events/{site_id}/{start:%Y-%m}.parquet"


def _export_events(stores: Stores, site_id: int, out: Path, now: datetime) -> dict[str, int]:
    first = stores.stats.first_event_at(site_id)
    files: dict[str, int] = {}
    if first is None:
        return files
    # Events may be up to 5 minutes ahead of the clock (DESIGN.md): a day of margin.
    for start, end in _months(first.astimezone(UTC), now + timedelta(days=1)):
        name, rows = _event_file(site_id, start), 0
        # One Parquet file a chunk, then the month's one file from them (DuckDB writes
        # a whole file at a time; a month need not fit in memory).
        parts = out / f".parts-{site_id}-{start:%Y-%m}"
        try:
            for chunk in stores.events.export_events(site_id, start, end, CHUNK):
                parts.mkdir(parents=True, exist_ok=True)
                parquet.write(events_to_arrow(chunk, AWARE_UTC), parts / f"{rows:012d}.parquet")
                rows += len(chunk)
            if rows:
                (out / name).parent.mkdir(parents=True, exist_ok=True)
                parquet.write_query(
                    "SELECT * FROM read_parquet($parts, hive_partitioning = false)",
                    {"parts": [str(p) for p in sorted(parts.glob("*.parquet"))]},
                    out / name,
                )
                files[name] = rows
        finally:
            shutil.rmtree(parts, ignore_errors=True)
    return files


# the two commands ------------------------------------------------------------
def export(stores: Stores, out: Path, now: datetime | None = None) -> dict[str, int]:
    """Write every table and event of ``stores`` under ``out`` (absent or empty);
    return the row count of each file written."""
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"{out} is not empty: export into a new directory")
    out.mkdir(parents=True, exist_ok=True)
    now = now or datetime.now(UTC)
    files: dict[str, int] = {}
    for table in TABLES:
        rows = table.read(stores)
        table.write(rows, out / f"{table.name}.parquet")
        files[f"{table.name}.parquet"] = len(rows)
    for site in stores.catalog.list_sites():
        files |= _export_events(stores, site.id, out, now)
    manifest = {"format": FORMAT, "version": VERSION, "exported_at": now.isoformat()}
    (out / MANIFEST).write_text(json.dumps(manifest | {"files": files}, indent=2) + "\n")
    return files


_EVENT_COLUMNS = duckdb_columns()  # the timestamps as naive UTC


def _manifest(source: Path) -> dict[str, int]:
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{source} is not a complete Footfall export: {exc}") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise ConfigError(f"{source}/{MANIFEST}: not a version {VERSION} Footfall export")
    files: dict[str, int] = manifest["files"]
    return files


def import_(stores: Stores, source: Path) -> dict[str, int]:
    """Load an export into ``stores`` (whose sites, users and keys must not clash
    with it: ConflictError otherwise); return the row count of each file loaded."""
    files = _manifest(source)
    for table in TABLES:
        if f"{table.name}.parquet" not in files:
            continue  # an export made before the table existed (funnels, segments, embeds)
        for row in table.load(source / f"{table.name}.parquet"):
            table.restore(stores, row)
    before = {s.id: stores.events.count_events(s.id) for s in stores.catalog.list_sites()}
    loaded: dict[int, int] = {}
    for name in sorted(n for n in files if n.startswith("events/")):
        site_id = int(name.split("/")[1])
        for names, rows in parquet.rows(source / name, _EVENT_COLUMNS, CHUNK):
            stores.events.write_events([event_from_row(names, row) for row in rows])
        loaded[site_id] = loaded.get(site_id, 0) + files[name]
    for site_id, count in loaded.items():
        stored = stores.events.count_events(site_id) - before.get(site_id, 0)
        if stored != count:
            raise StoreError(f"site {site_id}: {stored} events stored of the {count} exported")
    return files
