package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// UISession is a web page session (issue 14), kept in the store so that it
// survives a restart and is known to every replica. IDHash is the SHA-256
// (hex) of the cookie's value, never the value.
type UISession struct {
	IDHash    string
	Label     string // the API token's label
	Role      string // "read" or "write"
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateSession stores a session, and removes the expired ones.
func (s *Store) CreateSession(ctx context.Context, se UISession) error {
	now := s.now()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM ui_sessions WHERE expires_at < ?`), s.d.timeArg(now)); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO ui_sessions (id_hash, label, role, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`),
			se.IDHash, se.Label, se.Role, se.CSRF, s.d.timeArg(now), s.d.timeArg(se.ExpiresAt)); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		return nil
	})
}

// Session reads a session that has not expired; ErrNotFound otherwise.
func (s *Store) Session(ctx context.Context, idHash string) (*UISession, error) {
	se := &UISession{IDHash: idHash}
	err := s.db.QueryRowContext(ctx, s.q(`SELECT label, role, csrf, created_at, expires_at FROM ui_sessions WHERE id_hash = ? AND expires_at > ?`),
		idHash, s.d.timeArg(s.now())).Scan(&se.Label, &se.Role, &se.CSRF, timeScan{&se.CreatedAt}, timeScan{&se.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return se, nil
}

// DeleteSession ends a session (sign-out).
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM ui_sessions WHERE id_hash = ?`), idHash); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
