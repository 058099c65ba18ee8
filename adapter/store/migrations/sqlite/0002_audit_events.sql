-- 0002: the audit trail of the security issue (issue 11, point 16): who read
-- or wrote which patient or group. token_label is the label of the API token,
-- never the token; status is the HTTP status (or exit status) of the outcome.
CREATE TABLE audit_events (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	occurred_at TEXT NOT NULL,
	request_id  TEXT NOT NULL DEFAULT '',
	token_label TEXT NOT NULL DEFAULT '',
	operation   TEXT NOT NULL,
	patient_id  TEXT,
	group_id    TEXT,
	is_write    INTEGER NOT NULL CHECK (is_write IN (0, 1)),
	status      INTEGER NOT NULL
);
CREATE INDEX audit_events_by_time ON audit_events (occurred_at);
