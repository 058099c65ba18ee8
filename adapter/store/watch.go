package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// The watcher's members (issue 13). A watched Group's known members are
// kept as rows of watch_cursors (migration 0003) whose resource_type is
// "Patient/{id}" and whose last_updated is when the watch first saw the
// member, so that a restart knows who is new without a schema change. Only
// ids are kept, as everywhere in the store.

const memberPrefix = "Patient/"

// WatchCursors lists a tenant's cursors (not the member rows), for the
// watch state.
func (s *Store) WatchCursors(ctx context.Context, tenant string) ([]WatchCursor, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT group_id, resource_type, last_updated FROM watch_cursors
WHERE tenant = ? AND resource_type NOT LIKE 'Patient/%' ORDER BY group_id, resource_type`), tenant)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []WatchCursor
	for rows.Next() {
		c := WatchCursor{Tenant: tenant}
		if err := rows.Scan(&c.GroupID, &c.ResourceType, &c.LastUpdated); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// WatchMembers lists the members a watch knows of a group.
func (s *Store) WatchMembers(ctx context.Context, tenant, groupID string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT resource_type FROM watch_cursors
WHERE tenant = ? AND group_id = ? AND resource_type LIKE 'Patient/%'`), tenant, groupID)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var rt string
		if err := rows.Scan(&rt); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, strings.TrimPrefix(rt, memberPrefix))
	}
	return out, rows.Err()
}

// SetWatchMembers records members added (seen is the time text) and
// forgets members removed, in one transaction. Nothing else of a removed
// member is touched.
func (s *Store) SetWatchMembers(ctx context.Context, tenant, groupID string, added, removed []string, seen string) error {
	if len(added) == 0 && len(removed) == 0 {
		return nil
	}
	now := s.d.timeArg(s.now())
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range added {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO watch_cursors (tenant, group_id, resource_type, last_updated, updated_at)
VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, group_id, resource_type) DO NOTHING`), tenant, groupID, memberPrefix+id, seen, now); err != nil {
				return fmt.Errorf("store: recording a watched member: %w", err)
			}
		}
		for _, id := range removed {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM watch_cursors WHERE tenant = ? AND group_id = ? AND resource_type = ?`),
				tenant, groupID, memberPrefix+id); err != nil {
				return fmt.Errorf("store: forgetting a watched member: %w", err)
			}
		}
		return nil
	})
}
