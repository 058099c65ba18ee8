package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// WatchCursor is where the watcher (issue 13) searches from next for one
// group and resource type: the server's meta.lastUpdated text, as given.
type WatchCursor struct {
	Tenant, GroupID, ResourceType string
	LastUpdated                   string
}

// SetWatchCursor moves a cursor (creating it).
func (s *Store) SetWatchCursor(ctx context.Context, c WatchCursor) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO watch_cursors (tenant, group_id, resource_type, last_updated, updated_at)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (tenant, group_id, resource_type) DO UPDATE SET last_updated = excluded.last_updated, updated_at = excluded.updated_at`),
		c.Tenant, c.GroupID, c.ResourceType, c.LastUpdated, s.d.timeArg(s.now()))
	if err != nil {
		return fmt.Errorf("store: moving a watch cursor: %w", err)
	}
	return nil
}

// WatchCursorOf reads a cursor; ErrNotFound when the watch is new.
func (s *Store) WatchCursorOf(ctx context.Context, tenant, groupID, resourceType string) (WatchCursor, error) {
	c := WatchCursor{Tenant: tenant, GroupID: groupID, ResourceType: resourceType}
	err := s.db.QueryRowContext(ctx, s.q(`SELECT last_updated FROM watch_cursors WHERE tenant = ? AND group_id = ? AND resource_type = ?`),
		tenant, groupID, resourceType).Scan(&c.LastUpdated)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("store: %w", err)
	}
	return c, nil
}
