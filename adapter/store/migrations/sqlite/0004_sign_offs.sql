-- 0004: provider sign-offs (issue 14): a decision on one code line by a token
-- label, with a reason for a rejection. revoked_at is set when a later
-- evaluation changes the line and takes the approval back; rows are kept.
-- (The approved state itself comes with issue 14's migration of
-- code_line_states.)
CREATE TABLE sign_offs (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	line_id    TEXT NOT NULL REFERENCES code_lines (line_id),
	decision   TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
	reason     TEXT NOT NULL DEFAULT '',
	signer     TEXT NOT NULL,
	signed_at  TEXT NOT NULL,
	revoked_at TEXT
);
CREATE INDEX sign_offs_by_line ON sign_offs (line_id);
