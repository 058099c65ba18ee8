-- 0002: the audit trail of the security issue (issue 11, point 16): who read
-- or wrote which patient or group, the columns of adapter.AuditEvent.
-- token_label is the label of the API token, never the token; job the async
-- job's short reference (never its status URL); status the HTTP status
-- answered; outcome ok, refused or failed (a job's end: completed, failed,
-- cancelled).
CREATE TABLE audit_events (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	occurred_at TEXT NOT NULL,
	request_id  TEXT NOT NULL DEFAULT '',
	token_label TEXT NOT NULL DEFAULT '',
	operation   TEXT NOT NULL,
	patient_id  TEXT,
	group_id    TEXT,
	job         TEXT NOT NULL DEFAULT '',
	is_write    INTEGER NOT NULL CHECK (is_write IN (0, 1)),
	status      INTEGER NOT NULL,
	outcome     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_by_time ON audit_events (occurred_at);
