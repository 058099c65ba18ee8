-- 0003: the watcher's cursors (issue 13): per tenant, watched group and
-- resource type, the server's meta.lastUpdated instant searched from next
-- (_lastUpdated=gt{last_updated}), as the server wrote it, so no clock or
-- precision of ours is imposed on it. Moves only after the work is queued.
CREATE TABLE watch_cursors (
	tenant        TEXT NOT NULL,
	group_id      TEXT NOT NULL,
	resource_type TEXT NOT NULL,
	last_updated  TEXT NOT NULL,
	updated_at    TEXT NOT NULL,
	PRIMARY KEY (tenant, group_id, resource_type)
);
