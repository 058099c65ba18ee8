-- 0006: the async Group jobs of serve (adapter/jobs), which River runs: one
-- row per job, read by any replica that answers GET /fhir/_jobs/{id}, and one
-- row per member with its line of the result. job_key is the SHA-256 (hex) of
-- the job's 128-bit random id, which is its status URL's secret and so is kept
-- only as a hash, like a password (River's job arguments carry the key too);
-- job_ref its first 8 hex digits, the job's name in logs; owner_label the label of the token that
-- started it (nobody else sees it); is_write 1 when it writes back (cancelling
-- it needs the write role); params the evaluation's parameters as the API
-- encodes them; state queued (members not read yet), running, completed,
-- failed or cancelled; result the answer (Bundle) once completed; error_code
-- and error_text why it failed, in the API's words. Times are Unix
-- nanoseconds, the same on both databases.
CREATE TABLE group_jobs (
	job_key     TEXT PRIMARY KEY,
	job_ref     TEXT NOT NULL,
	owner_label TEXT NOT NULL,
	is_write    INTEGER NOT NULL CHECK (is_write IN (0, 1)),
	group_id    TEXT NOT NULL,
	request_id  TEXT NOT NULL DEFAULT '',
	params      BLOB NOT NULL,
	state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
	total       INTEGER NOT NULL DEFAULT 0,
	done        INTEGER NOT NULL DEFAULT 0,
	result      BLOB,
	error_code  TEXT NOT NULL DEFAULT '',
	error_text  TEXT NOT NULL DEFAULT '',
	created_at  BIGINT NOT NULL,
	deadline_at BIGINT NOT NULL,
	finished_at BIGINT
);
CREATE INDEX group_jobs_by_state ON group_jobs (state, owner_label);

-- A member's line: its patient (ids are kept, as everywhere in the store),
-- whether it has been evaluated, and its part of the answer (opaque to the
-- store). A rescued member's job finds done = 1 and is not counted twice.
CREATE TABLE group_job_members (
	job_key    TEXT NOT NULL REFERENCES group_jobs (job_key) ON DELETE CASCADE,
	idx        INTEGER NOT NULL,
	patient_id TEXT NOT NULL,
	done       INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
	line       BLOB,
	PRIMARY KEY (job_key, idx)
);
