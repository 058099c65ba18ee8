-- 0001: the latest evaluation per patient and window, its code lines, and
-- the ids of the resources written back (fhir-mapping.md §7). Dates are local
-- calendar dates as 'YYYY-MM-DD', instants UTC as 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
-- (fixed width, so text order is time order), booleans 0/1, JSON as text.

-- One row per patient: the header of the latest evaluation. display_name and
-- mrn are the only patient data the store keeps beyond ids, dates and counts
-- (NULL when names are off). findings: those that belong to no window, as
-- JSON [{"code", "rule", "message", "ref"}].
CREATE TABLE patients (
	tenant        TEXT NOT NULL,
	patient_id    TEXT NOT NULL,
	display_name  TEXT,
	mrn           TEXT,
	zone          TEXT NOT NULL DEFAULT '',
	as_of         TEXT,
	anchor        TEXT,
	anchor_source TEXT NOT NULL DEFAULT '',
	not_evaluated TEXT NOT NULL DEFAULT '',
	findings      TEXT NOT NULL DEFAULT '[]',
	evaluated_at  TEXT NOT NULL,
	PRIMARY KEY (tenant, patient_id)
);

-- The latest evaluation of one window. days: dates with data (a period's
-- days, a month's data days for R-TM-5). progress_*: NULL for a closed window.
-- The details are JSON arrays, read and written whole with the row (a
-- recording is one row per window, not one per day; nothing queries them
-- apart):
--   day_counts  [{"date": "YYYY-MM-DD", "readings": n}]   local dates with data
--   activities  [{"ref", "start" (RFC 3339 UTC), "duration_seconds", "medium"
--                 (none|remote|in-person|written|other), "interactive",
--                 "counted"}]   interactions that started in the month, with
--                the rules' verdicts (cited as interactive by R-IC-4; part of
--                the minutes or the interactive evidence)
--   findings    [{"code", "rule", "message", "ref"}]
CREATE TABLE evaluations (
	tenant           TEXT NOT NULL,
	patient_id       TEXT NOT NULL,
	window_kind      TEXT NOT NULL CHECK (window_kind IN ('period', 'month')),
	window_start     TEXT NOT NULL,
	window_end       TEXT NOT NULL,
	window_index     INTEGER NOT NULL DEFAULT 0,
	rule_set         TEXT NOT NULL,
	profile_id       TEXT NOT NULL DEFAULT '',
	policy           TEXT NOT NULL,
	provisional      INTEGER NOT NULL CHECK (provisional IN (0, 1)),
	days             INTEGER NOT NULL DEFAULT 0,
	seconds          INTEGER NOT NULL DEFAULT 0,
	minutes          INTEGER NOT NULL DEFAULT 0,
	unbilled_minutes INTEGER NOT NULL DEFAULT 0,
	interactive      INTEGER NOT NULL DEFAULT 0 CHECK (interactive IN (0, 1)),
	progress_have              INTEGER,
	progress_need              INTEGER,
	progress_missing           INTEGER,
	progress_days_left         INTEGER,
	progress_reachable         INTEGER CHECK (progress_reachable IN (0, 1)),
	progress_needs_interactive INTEGER CHECK (progress_needs_interactive IN (0, 1)),
	day_counts       TEXT NOT NULL DEFAULT '[]',
	activities       TEXT NOT NULL DEFAULT '[]',
	findings         TEXT NOT NULL DEFAULT '[]',
	evaluated_at     TEXT NOT NULL,
	PRIMARY KEY (tenant, patient_id, window_kind, window_start),
	FOREIGN KEY (tenant, patient_id) REFERENCES patients (tenant, patient_id) ON DELETE CASCADE
);
CREATE INDEX evaluations_by_window ON evaluations (tenant, window_kind, window_start);

-- The states a code line can be in. A table rather than a CHECK, so a later
-- migration widens it with one INSERT (approved, exported) on both databases.
CREATE TABLE code_line_states (
	state TEXT PRIMARY KEY
);
INSERT INTO code_line_states (state) VALUES ('planned'), ('billable'), ('withdrawn');

-- Code lines outlive evaluations: never deleted, withdrawn when no longer
-- supported. line_id is the ChargeItem's identifier value and resource_id
-- its id (fhirmap.IdentifierValue / fhirmap.ResourceID).
CREATE TABLE code_lines (
	line_id      TEXT PRIMARY KEY,
	resource_id  TEXT NOT NULL,
	tenant       TEXT NOT NULL,
	patient_id   TEXT NOT NULL,
	window_kind  TEXT NOT NULL CHECK (window_kind IN ('period', 'month')),
	window_start TEXT NOT NULL,
	window_end   TEXT NOT NULL,
	rule_set     TEXT NOT NULL,
	code         TEXT NOT NULL,
	units        INTEGER NOT NULL,
	dos          TEXT NOT NULL,
	state        TEXT NOT NULL REFERENCES code_line_states (state),
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL,
	withdrawn_at TEXT
);
CREATE INDEX code_lines_by_state ON code_lines (tenant, state, dos);
CREATE INDEX code_lines_by_window ON code_lines (tenant, patient_id, window_kind, window_start);

-- Resources a write-back sink accepted, by window: kept when a later run
-- does not write, because they are still on the server.
CREATE TABLE written_resources (
	tenant            TEXT NOT NULL,
	resource_type     TEXT NOT NULL,
	resource_id       TEXT NOT NULL,
	patient_id        TEXT NOT NULL,
	window_kind       TEXT NOT NULL,
	window_start      TEXT NOT NULL,
	identifier_system TEXT NOT NULL DEFAULT '',
	identifier_value  TEXT NOT NULL DEFAULT '',
	written_at        TEXT NOT NULL,
	PRIMARY KEY (tenant, resource_type, resource_id)
);
CREATE INDEX written_resources_by_patient ON written_resources (tenant, patient_id);
