package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// AuditEvent is one entry of the audit trail (issue 11, point 16): who read
// or wrote which patient or group. Its fields are those of the security
// issue's adapter.AuditEvent, in the same order and types, so one converts
// to the other (store.AuditEvent(e)) and the store can be its Auditor. Token
// is the API token's label, never the token.
type AuditEvent struct {
	Time      time.Time
	RequestID string
	Token     string
	Operation string
	PatientID string
	GroupID   string
	Job       string
	Write     bool
	Status    int
	Outcome   string
}

// RecordAudit appends an audit event; Time zero is now.
func (s *Store) RecordAudit(ctx context.Context, ev AuditEvent) error {
	if ev.Operation == "" {
		return errors.New("store: an audit event needs an operation")
	}
	if ev.Time.IsZero() {
		ev.Time = s.now()
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO audit_events (occurred_at, request_id, token_label, operation, patient_id, group_id,
	job, is_write, status, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), s.d.timeArg(ev.Time), ev.RequestID, ev.Token,
		ev.Operation, nullString(ev.PatientID), nullString(ev.GroupID), ev.Job, ev.Write, ev.Status, ev.Outcome)
	if err != nil {
		return fmt.Errorf("store: recording an audit event: %w", err)
	}
	return nil
}

// AuditEvents lists the events at or after since, oldest first (in the
// order recorded when times tie), at most limit (0: all).
func (s *Store) AuditEvents(ctx context.Context, since time.Time, limit int) ([]AuditEvent, error) {
	q := `SELECT occurred_at, request_id, token_label, operation, coalesce(patient_id, ''), coalesce(group_id, ''), job,
	is_write, status, outcome FROM audit_events WHERE occurred_at >= ? ORDER BY occurred_at, id`
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
		if err := rows.Scan(timeScan{&ev.Time}, &ev.RequestID, &ev.Token, &ev.Operation, &ev.PatientID, &ev.GroupID,
			&ev.Job, &ev.Write, &ev.Status, &ev.Outcome); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, ev)
	}
	return out, closeRows(rows)
}

// Record implements adapter.Auditor: the store keeps the audit trail of
// serve (beside --audit-log when that is given too).
func (s *Store) Record(ctx context.Context, e adapter.AuditEvent) error {
	return s.RecordAudit(ctx, AuditEvent(e))
}
