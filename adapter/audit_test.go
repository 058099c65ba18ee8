package adapter_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

type auditFunc func(adapter.AuditEvent) error

func (f auditFunc) Record(_ context.Context, e adapter.AuditEvent) error { return f(e) }

func TestAuditorsRecordWithEachEvenWhenOneFails(t *testing.T) {
	var got []string
	failing := auditFunc(func(e adapter.AuditEvent) error {
		got = append(got, "file:"+e.Operation)
		return errors.New("disk full")
	})
	store := auditFunc(func(e adapter.AuditEvent) error { got = append(got, "store:"+e.Operation); return nil })
	err := adapter.Auditors{failing, store}.Record(t.Context(), adapter.AuditEvent{Operation: adapter.AuditJobStatus})
	assert.ErrorContains(t, err, "disk full")
	assert.Equal(t, []string{"file:job-status", "store:job-status"}, got)
}
