-- 0008 (as sqlite/0008, TIMESTAMPTZ for instants): the worklist (issue 14). ui_sessions are the web page's server-side
-- sessions: id_hash is the SHA-256 (hex) of the cookie's random value (the
-- cookie is the only key; a database reader cannot sign in with a hash),
-- label and role those of the API token signed in with (never the token),
-- csrf the token every form of the session carries. settings holds policies
-- that other parts read from the store (require_approval: billing export
-- exports only approved lines). sign_offs.revoked_by says who took an
-- approval back: 'evaluation' (a later evaluation changed the line) or the
-- label of the signer whose later decision replaced it.
CREATE TABLE ui_sessions (
	id_hash    TEXT PRIMARY KEY,
	label      TEXT NOT NULL,
	role       TEXT NOT NULL CHECK (role IN ('read', 'write')),
	csrf       TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ui_sessions_by_expiry ON ui_sessions (expires_at);
CREATE TABLE settings (
	name       TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
ALTER TABLE sign_offs ADD COLUMN revoked_by TEXT NOT NULL DEFAULT '';
