"""Schema migrations (sqlite-utils Migrations). Append new migrations; never edit an applied one."""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations


def migrations() -> Migrations:
    steps = Migrations("hallq")

    @steps(name="0001_core")
    def core(db: Database) -> None:
        db.executescript(
            """
            CREATE TABLE events (
                seq INTEGER PRIMARY KEY, type TEXT NOT NULL, at REAL NOT NULL, day TEXT NOT NULL,
                ticket_id INTEGER, window INTEGER, staff TEXT, service TEXT, data TEXT NOT NULL
            );
            CREATE INDEX events_day ON events(day, seq);
            CREATE INDEX events_at ON events(at);
            CREATE INDEX events_ticket ON events(ticket_id);
            CREATE TABLE tickets (
                id INTEGER PRIMARY KEY, day TEXT NOT NULL, label TEXT NOT NULL, service TEXT NOT NULL,
                status TEXT NOT NULL, channel TEXT NOT NULL, issued_at REAL NOT NULL,
                tracking_hash TEXT, data TEXT NOT NULL, seq INTEGER NOT NULL
            );
            CREATE INDEX tickets_day ON tickets(day, label);
            CREATE INDEX tickets_tracking ON tickets(tracking_hash);
            CREATE TABLE requests (
                key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
                response TEXT NOT NULL, at REAL NOT NULL, day TEXT NOT NULL
            );
            CREATE INDEX requests_day ON requests(day);
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY, role TEXT NOT NULL, staff TEXT NOT NULL, window INTEGER,
                created_at REAL NOT NULL, expires_at REAL NOT NULL, revoked_at REAL
            );
            CREATE TABLE print_jobs (
                job_id TEXT PRIMARY KEY, device TEXT NOT NULL, ticket_id INTEGER NOT NULL,
                payload TEXT NOT NULL, status TEXT NOT NULL, error TEXT, reprint INTEGER NOT NULL,
                created_at REAL NOT NULL, acked_at REAL
            );
            CREATE INDEX print_jobs_pending ON print_jobs(device, status);
            """
        )

    @steps(name="0002_stats_projection")
    def stats_projection(db: Database) -> None:
        # segments + window_time for the statistics (server/stats/projection.py), filled from the
        # events already recorded so an existing database gets its history.
        from ..stats.projection import rebuild_projection
        rebuild_projection(db.conn)

    @steps(name="0003_stats_partials")
    def stats_partials(db: Database) -> None:
        # closed days' statistics partials, kept so a restart does not mean a cold month
        from ..stats.projection import create_tables
        create_tables(db.conn)

    # --- administration: configuration versions (server/admin/) ---
    @steps(name="0030_config_versions")
    def config_versions(db: Database) -> None:
        # Every accepted configuration of the hall (all of the TOML but [server]), newest = live.
        db.executescript(
            """
            CREATE TABLE config_versions (
                version INTEGER PRIMARY KEY, at REAL NOT NULL, actor TEXT NOT NULL, device TEXT,
                source TEXT NOT NULL, summary TEXT NOT NULL, document TEXT NOT NULL
            );
            """
        )

    return steps


def migrate(db: Database) -> None:
    migrations().apply(db)
