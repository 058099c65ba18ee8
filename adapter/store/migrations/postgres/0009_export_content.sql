-- 0009: what an export needs beyond 0005 (issue 15). content: the bytes the
-- batch was written as (CSV, or the HL7 v2 batch file with its message
-- control ids and times), so --rebuild writes it again byte for byte even
-- after names, MRNs or lines have changed. prior_state: a charged line's
-- state before the batch took it (billable or approved), restored when an
-- MLLP receiver refuses the message that carried it. cycle: a line charged,
-- reversed and supported again is charged again, in its next cycle; each
-- cycle has one charge and at most one reversal, so UNIQUE (line_id,
-- action) becomes UNIQUE (line_id, action, cycle).
ALTER TABLE export_batches ADD COLUMN content BYTEA;
ALTER TABLE export_batch_lines ADD COLUMN prior_state TEXT NOT NULL DEFAULT 'billable';
ALTER TABLE export_batch_lines ADD COLUMN cycle INTEGER NOT NULL DEFAULT 1;
ALTER TABLE export_batch_lines DROP CONSTRAINT export_batch_lines_line_id_action_key;
ALTER TABLE export_batch_lines ADD CONSTRAINT export_batch_lines_line_id_action_cycle_key UNIQUE (line_id, action, cycle);
