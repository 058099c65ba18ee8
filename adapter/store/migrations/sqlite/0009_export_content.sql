-- 0009: what an export needs beyond 0005 (issue 15). content: the bytes the
-- batch was written as (CSV, or the HL7 v2 batch file with its message
-- control ids and times), so --rebuild writes it again byte for byte even
-- after names, MRNs or lines have changed. prior_state: a charged line's
-- state before the batch took it (billable or approved), restored when an
-- MLLP receiver refuses the message that carried it. cycle: a line charged,
-- reversed and supported again is charged again, in its next cycle; each
-- cycle has one charge and at most one reversal, so UNIQUE (line_id,
-- action) becomes UNIQUE (line_id, action, cycle). SQLite cannot change a
-- table's constraints: the table is made anew and its rows copied.
ALTER TABLE export_batches ADD COLUMN content BLOB;
CREATE TABLE export_batch_lines_0009 (
	batch_id    INTEGER NOT NULL REFERENCES export_batches (id),
	line_id     TEXT NOT NULL REFERENCES code_lines (line_id),
	action      TEXT NOT NULL CHECK (action IN ('charge', 'reverse')),
	units       INTEGER NOT NULL,
	prior_state TEXT NOT NULL DEFAULT 'billable',
	cycle       INTEGER NOT NULL DEFAULT 1,
	PRIMARY KEY (batch_id, line_id, action),
	UNIQUE (line_id, action, cycle)
);
INSERT INTO export_batch_lines_0009 (batch_id, line_id, action, units)
	SELECT batch_id, line_id, action, units FROM export_batch_lines;
DROP TABLE export_batch_lines;
ALTER TABLE export_batch_lines_0009 RENAME TO export_batch_lines;
