-- 0005: billing export batches (issue 15): one row per export (id, time,
-- format, who), and the lines it carried. A line leaves as a charge once and,
-- withdrawn after export, as a reversal once: UNIQUE (line_id, action) makes
-- two concurrent exports unable to carry the same line.
CREATE TABLE export_batches (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant       TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	month        TEXT NOT NULL,
	format       TEXT NOT NULL CHECK (format IN ('csv', 'hl7v2')),
	requested_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE export_batch_lines (
	batch_id INTEGER NOT NULL REFERENCES export_batches (id),
	line_id  TEXT NOT NULL REFERENCES code_lines (line_id),
	action   TEXT NOT NULL CHECK (action IN ('charge', 'reverse')),
	units    INTEGER NOT NULL,
	PRIMARY KEY (batch_id, line_id, action),
	UNIQUE (line_id, action)
);
