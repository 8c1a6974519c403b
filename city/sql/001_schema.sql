-- hallq city: the halls' events, one row per (hall_id, seq), written only by the hall's own role.
-- Applied by `hallq city init` as a PostgreSQL superuser (or the database owner); safe to re-run.

CREATE SCHEMA IF NOT EXISTS city;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hallq_halls') THEN
    CREATE ROLE hallq_halls NOLOGIN;  -- every hall's own role is a member
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hallq_city') THEN
    CREATE ROLE hallq_city LOGIN;     -- the city dashboard: reads every hall
  END IF;
END $$;

-- One row per hall: who it is, its catalogue, and where its link stands (the head).
CREATE TABLE IF NOT EXISTS city.halls (
    hall_id      text PRIMARY KEY CHECK (hall_id ~ '^[a-z0-9][a-z0-9_]{0,39}$'),
    db_role      name NOT NULL UNIQUE,
    catalogue    jsonb,                       -- center, departments, services, windows: no staff, no secrets
    last_seq     bigint NOT NULL DEFAULT 0,   -- the newest event shipped (kept by the trigger below)
    last_hash    text,                        -- its sha256: a hall restored from a backup no longer matches
    last_at      double precision,            -- its time (the hall's clock)
    hall_seq     bigint,                      -- the hall's newest event at the last contact
    last_contact timestamptz,
    error_code   text,                        -- the link stopped: seq_gap, history_diverged, ...
    error        text,
    error_at     timestamptz
);

CREATE TABLE IF NOT EXISTS city.events (
    hall_id text NOT NULL REFERENCES city.halls (hall_id),
    seq     bigint NOT NULL CHECK (seq > 0),
    type    text NOT NULL,
    at      double precision NOT NULL,
    day     date NOT NULL,
    data    text NOT NULL,                    -- the event exactly as the hall stored it (JSON text)
    hash    text NOT NULL,                    -- sha256 of data, hex
    PRIMARY KEY (hall_id, seq)
);
CREATE INDEX IF NOT EXISTS events_day ON city.events (day, hall_id);

-- City managers and their sessions (PINs and tokens are stored hashed only).
CREATE TABLE IF NOT EXISTS city.managers (
    login      text PRIMARY KEY,
    name       text NOT NULL,
    pin_hash   text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS city.sessions (
    token_hash text PRIMARY KEY,
    login      text NOT NULL REFERENCES city.managers (login) ON DELETE CASCADE,
    created_at double precision NOT NULL,
    expires_at double precision NOT NULL
);

-- Order is enforced by the database, not only by the link: the rows one statement inserts for a
-- hall must follow on from its head without a gap. A resent row (ON CONFLICT DO NOTHING) is not
-- in the transition table and costs nothing. SECURITY DEFINER: halls cannot move a head themselves.
CREATE OR REPLACE FUNCTION city.advance_head() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = city, pg_temp AS $$
DECLARE
  r record;
  head bigint;
BEGIN
  FOR r IN SELECT hall_id, min(seq) AS lo, max(seq) AS hi, count(*) AS n FROM new_rows GROUP BY hall_id LOOP
    SELECT last_seq INTO head FROM city.halls WHERE hall_id = r.hall_id FOR UPDATE;
    IF r.lo <> head + 1 OR r.hi - r.lo + 1 <> r.n THEN
      RAISE EXCEPTION 'seq_gap: hall % is at seq %, rows % to % (% rows) do not follow on', r.hall_id, head, r.lo, r.hi, r.n
        USING ERRCODE = 'P0001', HINT = 'the link must send every event once, in order';
    END IF;
    UPDATE city.halls h SET last_seq = e.seq, last_hash = e.hash, last_at = e.at
      FROM new_rows e WHERE h.hall_id = r.hall_id AND e.hall_id = r.hall_id AND e.seq = r.hi;
  END LOOP;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION city.advance_head() FROM PUBLIC;

DROP TRIGGER IF EXISTS events_advance_head ON city.events;
CREATE TRIGGER events_advance_head AFTER INSERT ON city.events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION city.advance_head();

-- Row-level security, forced so that even the tables' owner goes through it (superusers excepted).
ALTER TABLE city.halls ENABLE ROW LEVEL SECURITY;
ALTER TABLE city.halls FORCE ROW LEVEL SECURITY;
ALTER TABLE city.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE city.events FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS hall_own_row ON city.halls;
CREATE POLICY hall_own_row ON city.halls TO hallq_halls
  USING (db_role = current_user) WITH CHECK (db_role = current_user);
DROP POLICY IF EXISTS city_reads_halls ON city.halls;
CREATE POLICY city_reads_halls ON city.halls FOR SELECT TO hallq_city USING (true);

DROP POLICY IF EXISTS hall_own_events ON city.events;
CREATE POLICY hall_own_events ON city.events TO hallq_halls
  USING (hall_id = (SELECT h.hall_id FROM city.halls h WHERE h.db_role = current_user))
  WITH CHECK (hall_id = (SELECT h.hall_id FROM city.halls h WHERE h.db_role = current_user));
DROP POLICY IF EXISTS city_reads_events ON city.events;
CREATE POLICY city_reads_events ON city.events FOR SELECT TO hallq_city USING (true);

GRANT USAGE ON SCHEMA city TO hallq_halls, hallq_city;
-- a hall reads its own head and reports its link's state; it never moves its head nor renames itself
GRANT SELECT ON city.halls TO hallq_halls;
GRANT UPDATE (catalogue, hall_seq, last_contact, error_code, error, error_at) ON city.halls TO hallq_halls;
GRANT SELECT, INSERT ON city.events TO hallq_halls;  -- events are never updated or deleted
GRANT SELECT ON city.halls, city.events TO hallq_city;
GRANT SELECT ON city.managers TO hallq_city;
GRANT SELECT, INSERT, DELETE ON city.sessions TO hallq_city;
