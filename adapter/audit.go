package adapter

import (
	"context"
	"errors"
	"time"
)

// Operations of the audit trail.
const (
	AuditPatientEligibility = "patient-eligibility"   // Patient/{id}/$rpm-eligibility
	AuditGroupEligibility   = "group-eligibility"     // Group/{id}/$rpm-eligibility (sync, or an async job's start)
	AuditGroupJobEnd        = "group-eligibility-end" // an async Group job ended
	AuditJobStatus          = "job-status"            // a job's status or result was read
	AuditJobCancel          = "job-cancel"            // a job was cancelled or its result deleted
)

// AuditEvent records who read or wrote which patient's results (issue 11,
// point 16). It holds ids, never resources, names or tokens: the token is
// named by its label.
type AuditEvent struct {
	Time      time.Time `json:"time"`
	RequestID string    `json:"request_id"` // for a job's end: the request that started it
	Token     string    `json:"token_label"`
	Operation string    `json:"operation"` // one of the Audit* constants
	PatientID string    `json:"patient_id,omitempty"`
	GroupID   string    `json:"group_id,omitempty"`
	Job       string    `json:"job,omitempty"` // the job's short reference, never its status URL
	Write     bool      `json:"write"`         // results were (asked to be) written back
	Status    int       `json:"status"`        // the HTTP status answered, or what a job's end amounts to
	Outcome   string    `json:"outcome"`       // ok, refused, failed; for a job's end completed, failed, cancelled
}

// Auditor keeps the audit trail: a JSON-lines file (adapter/auditlog)
// today, a database table in the store later. Record is called once the
// answer is known; an error is logged by the caller, which has answered
// already.
type Auditor interface {
	Record(ctx context.Context, e AuditEvent) error
}

// Auditors records every event with each of its Auditors (the store and
// --audit-log together), all of them even when one fails.
type Auditors []Auditor

// Record implements Auditor.
func (as Auditors) Record(ctx context.Context, e AuditEvent) error {
	var errs []error
	for _, a := range as {
		if err := a.Record(ctx, e); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
