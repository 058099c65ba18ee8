package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// AuditEvent is one entry of the audit trail (issue 11, point 16): who read
// or wrote which patient or group. TokenLabel is the API token's label,
// never the token; Status the HTTP status of the outcome.
type AuditEvent struct {
	ID         int64
	At         time.Time
	RequestID  string
	TokenLabel string
	Operation  string
	PatientID  string // "" when the request named a group
	GroupID    string
	Write      bool
	Status     int
}

// RecordAudit appends an audit event; At zero is now.
func (s *Store) RecordAudit(ctx context.Context, ev AuditEvent) error {
	if ev.Operation == "" {
		return errors.New("store: an audit event needs an operation")
	}
	if ev.At.IsZero() {
		ev.At = s.now()
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO audit_events (occurred_at, request_id, token_label, operation, patient_id, group_id, is_write, status)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), s.d.timeArg(ev.At), ev.RequestID, ev.TokenLabel, ev.Operation,
		nullString(ev.PatientID), nullString(ev.GroupID), ev.Write, ev.Status)
	if err != nil {
		return fmt.Errorf("store: recording an audit event: %w", err)
	}
	return nil
}

// AuditEvents lists the events at or after since, oldest first, at most
// limit (0: all).
func (s *Store) AuditEvents(ctx context.Context, since time.Time, limit int) ([]AuditEvent, error) {
	q := `SELECT id, occurred_at, request_id, token_label, operation, coalesce(patient_id, ''), coalesce(group_id, ''), is_write, status
FROM audit_events WHERE occurred_at >= ? ORDER BY occurred_at, id`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.db.QueryContext(ctx, s.q(q), s.d.timeArg(since))
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	var out []AuditEvent
	for rows.Next() {
		var ev AuditEvent
		if err := rows.Scan(&ev.ID, timeScan{&ev.At}, &ev.RequestID, &ev.TokenLabel, &ev.Operation, &ev.PatientID,
			&ev.GroupID, &ev.Write, &ev.Status); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, ev)
	}
	return out, closeRows(rows)
}
