-- 0009: what an export needs beyond 0005 (issue 15). content: the bytes the
-- batch was written as (CSV, or the HL7 v2 batch file with its message
-- control ids and times), so --rebuild writes it again byte for byte even
-- after names, MRNs or lines have changed. prior_state: a charged line's
-- state before the batch took it (billable or approved), restored when an
-- MLLP receiver refuses the message that carried it.
ALTER TABLE export_batches ADD COLUMN content BLOB;
ALTER TABLE export_batch_lines ADD COLUMN prior_state TEXT NOT NULL DEFAULT 'billable';
