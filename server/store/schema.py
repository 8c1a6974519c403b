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
        # segments + window_time for the statistics (server/stats/projection.py). Frozen text: a
        # migration never changes once applied. A file with events recorded before this migration
        # gets its statistics rows from StatsProjector.warm (a repair, not part of the migration).
        db.executescript(
            """
            CREATE TABLE IF NOT EXISTS segments (
                ticket_id, segment, day, service, channel, appointment, issued, entered_at, hour, weekday,
                hall_queue, service_queue, left_queue_at, queue_s, first_call, wait_call, last_call, calls,
                recalls, callbacks, no_show_marks, start, end, end_kind, window, staff, wait_s, walking_s,
                handling_s, no_start, suspends, suspended_s, transfers, walked_out, outcome, rating, rated,
                rating_expired, rating_reason, rated_at,
                PRIMARY KEY (ticket_id, segment)
            );
            CREATE INDEX IF NOT EXISTS segments_day ON segments(day);
            CREATE INDEX IF NOT EXISTS segments_bad ON segments(rating)
                WHERE rating IN ('dissatisfied', 'very_dissatisfied');
            CREATE TABLE IF NOT EXISTS window_time (
                day, window, start, end, state, staff,
                PRIMARY KEY (day, window, start)
            );
            """
        )

    @steps(name="0003_stats_partials")
    def stats_partials(db: Database) -> None:
        # closed days' statistics partials, kept so a restart does not mean a cold month
        db.executescript(
            """
            CREATE TABLE IF NOT EXISTS stats_partials (day TEXT NOT NULL, grouping TEXT NOT NULL,
                data TEXT NOT NULL, PRIMARY KEY (day, grouping)) WITHOUT ROWID;
            """
        )

    # --- audit record (privacy and access) ---
    @steps(name="0040_audit")
    def audit(db: Database) -> None:
        # who did what, from which device, with the state before and after (JSON); frozen SQL
        db.executescript(
            """
            CREATE TABLE audit (
                id INTEGER PRIMARY KEY, at REAL NOT NULL, actor TEXT NOT NULL, device TEXT,
                action TEXT NOT NULL, target TEXT, before TEXT, after TEXT
            );
            CREATE INDEX audit_at ON audit(at);
            CREATE INDEX audit_action ON audit(action, at);
            CREATE INDEX audit_actor ON audit(actor, at);
            """
        )

    @steps(name="0020_supervision")
    def supervision(db: Database) -> None:
        # supervision cases and their steps, call-back contacts, refusals and visits for trips
        # (server/supervision/, docs/supervision.md); frozen text: later changes get a new migration
        db.executescript(
            """
            CREATE TABLE sv_cases (
                id INTEGER PRIMARY KEY, kind TEXT NOT NULL, parent_id INTEGER, status TEXT NOT NULL,
                department TEXT NOT NULL, window INTEGER, staff TEXT, service TEXT,
                ticket_id INTEGER NOT NULL, segment INTEGER NOT NULL DEFAULT 0, label TEXT, ticket_day TEXT,
                source_seq INTEGER NOT NULL, opened_at REAL NOT NULL, opened_day TEXT NOT NULL,
                due_day TEXT NOT NULL, first_due_day TEXT NOT NULL, level TEXT, reason TEXT,
                case_number TEXT, promised_days INTEGER, extensions INTEGER NOT NULL DEFAULT 0,
                rectified_at REAL, rectified_day TEXT, contact_given INTEGER NOT NULL DEFAULT 0,
                callback_result TEXT, appeal_decision TEXT,
                finished_at REAL, finished_day TEXT,
                UNIQUE (kind, source_seq, department)
            );
            CREATE UNIQUE INDEX sv_cases_rating ON sv_cases(ticket_id, segment) WHERE kind = 'bad_review';
            CREATE INDEX sv_cases_department ON sv_cases(department, opened_day);
            CREATE INDEX sv_cases_open ON sv_cases(due_day) WHERE finished_at IS NULL;
            CREATE INDEX sv_cases_parent ON sv_cases(parent_id) WHERE parent_id IS NOT NULL;
            CREATE TABLE sv_steps (
                id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, action TEXT NOT NULL,
                status_before TEXT NOT NULL, status_after TEXT NOT NULL, staff TEXT NOT NULL,
                role TEXT NOT NULL, at REAL NOT NULL, day TEXT NOT NULL, fields TEXT NOT NULL
            );
            CREATE INDEX sv_steps_case ON sv_steps(case_id, id);
            CREATE TABLE sv_contacts (
                case_id INTEGER PRIMARY KEY, phone TEXT NOT NULL, consent_text TEXT NOT NULL,
                given_at REAL NOT NULL, delete_on TEXT
            );
            CREATE TABLE sv_refusals (
                seq INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL, label TEXT, day TEXT NOT NULL,
                at REAL NOT NULL, window INTEGER, staff TEXT, service TEXT, department TEXT NOT NULL,
                kind TEXT NOT NULL, legal_basis TEXT NOT NULL, case_number TEXT
            );
            CREATE INDEX sv_refusals_department ON sv_refusals(department, day);
            CREATE TABLE sv_visits (
                seq INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL, label TEXT, day TEXT NOT NULL,
                at REAL NOT NULL, window INTEGER, staff TEXT, service TEXT, department TEXT,
                outcome TEXT NOT NULL, notice_no TEXT NOT NULL, case_number TEXT, linked_to TEXT,
                linked_seq INTEGER, matter_seq INTEGER NOT NULL
            );
            CREATE INDEX sv_visits_notice ON sv_visits(notice_no);
            CREATE INDEX sv_visits_case_number ON sv_visits(case_number) WHERE case_number IS NOT NULL;
            CREATE INDEX sv_visits_matter ON sv_visits(matter_seq);
            CREATE INDEX sv_visits_day ON sv_visits(day);
            """
        )

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

    @steps(name="0060_no_negative_waits")
    def no_negative_waits(db: Database) -> None:
        # An appointment called before its slot once got a negative wait; a wait now never goes below 0
        # (docs/stats.md). Rows folded before: clamped; the kept partials of closed days are dropped and
        # computed again from the rows on their next read. Frozen text.
        db.executescript(
            """
            UPDATE segments SET wait_s = 0.0 WHERE wait_s < 0;
            DELETE FROM stats_partials;
            """
        )

    @steps(name="0070_stats_histograms_apart")
    def stats_histograms_apart(db: Database) -> None:
        # The kept partials now hold a grouping's sums and its histograms in two rows (the histograms
        # under the grouping's name + "/hist"), so a report restores only the small one. The rows kept
        # before held both in one: dropped, computed again on their next read. Frozen text.
        db.executescript(
            """
            DELETE FROM stats_partials;
            """
        )

    @steps(name="0080_lean_indexes")
    def lean_indexes(db: Database) -> None:
        # Two indexes no query reads, each one more page written per action: events by time (reads go
        # by day and seq) and tickets by tracking hash (the day's links are read by day, at start-up;
        # a random hash also lands on a random page, so every ticket dirtied its own). Frozen text.
        db.executescript(
            """
            DROP INDEX IF EXISTS events_at;
            DROP INDEX IF EXISTS tickets_tracking;
            """
        )

    @steps(name="0090_requests_in_time_order")
    def requests_in_time_order(db: Database) -> None:
        # The request ids' table without its primary key on the id: a client's random id put every
        # insert on a random page of that index (one more page written per action, more as the day
        # grows). Rows now only append, in time order; a retry, which is rare, finds its row by
        # reading the day's rows from the newest (server/store/queries.py). The service keeps the
        # ids unique per day (server/service.py). Frozen text.
        db.executescript(
            """
            CREATE TABLE requests_in_order (
                key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
                response TEXT NOT NULL, at REAL NOT NULL, day TEXT NOT NULL
            );
            INSERT INTO requests_in_order (key, fingerprint, status, response, at, day)
                SELECT key, fingerprint, status, response, at, day FROM requests ORDER BY at;
            DROP TABLE requests;
            ALTER TABLE requests_in_order RENAME TO requests;
            CREATE INDEX requests_day ON requests(day);
            """
        )

    return steps


def migrate(db: Database) -> None:
    migrations().apply(db)
