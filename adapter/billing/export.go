package billing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter/hl7v2"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
)

// Media types of the two formats.
const (
	MediaCSV   = "text/csv; charset=utf-8"
	MediaHL7v2 = "application/hl7-v2; charset=utf-8"
)

// Exporter makes export batches of one tenant's store.
type Exporter struct {
	Store  *store.Store
	Tenant string
	// HL7 configures the DFT^P03 messages.
	HL7 hl7v2.Options
	// BillingOrganization fills the CSV column of that name.
	BillingOrganization string
	// Amounts estimates each line's amount; nil leaves the column empty.
	Amounts AmountFunc
	// MLLPTimeout bounds each wait for an ACK (default 30 s).
	MLLPTimeout time.Duration
}

// Request is one export.
type Request struct {
	// Month is YYYY-MM; Format "csv" or "hl7v2".
	Month, Format string
	// RequestedBy is recorded with the batch (a token label, "cli").
	RequestedBy string
	// RequireApproval charges only signed-off lines.
	RequireApproval bool
	// MLLP, HOST:PORT, sends the HL7 v2 messages there instead of
	// returning them only; the lines of a message not accepted are taken
	// out of the batch again.
	MLLP string
}

// Result is a batch as written.
type Result struct {
	Batch     *store.Batch
	MediaType string
	// Content is the file: the CSV, or the HL7 v2 batch file (FHS … FTS)
	// of the messages delivered.
	Content []byte
	// Messages is the number of HL7 v2 messages in Content.
	Messages int
}

// Export makes one batch and writes it. With MLLP, an error after the
// batch was made says how many messages were accepted; Result still holds
// the batch of those.
func (e *Exporter) Export(ctx context.Context, req Request) (*Result, error) {
	if e.Store == nil {
		return nil, errors.New("billing: no store")
	}
	if req.MLLP != "" && req.Format != store.FormatHL7v2 {
		return nil, errors.New("billing: MLLP sends HL7 v2 only")
	}
	if !req.RequireApproval {
		// serve --require-approval stores the policy; every export follows it.
		on, err := e.Store.RequireApproval(ctx)
		if err != nil {
			return nil, err
		}
		req.RequireApproval = on
	}
	enc := e.EncodeCSV
	if req.Format == store.FormatHL7v2 {
		enc = e.EncodeHL7
	}
	b, err := e.Store.Export(ctx, store.ExportRequest{Tenant: e.Tenant, Month: req.Month, Format: req.Format,
		RequestedBy: req.RequestedBy, RequireApproval: req.RequireApproval}, enc)
	if err != nil {
		return nil, err
	}
	res := resultOf(b)
	if req.MLLP == "" {
		return res, nil
	}
	msgs, groups, err := e.messages(b)
	if err != nil {
		return res, err
	}
	ids := make([]string, len(msgs))
	for i := range groups {
		ids[i] = controlID(b.ID, i)
	}
	sent, sendErr := hl7v2.Sender{Addr: req.MLLP, Timeout: e.MLLPTimeout}.Send(ctx, ids, msgs)
	if sendErr == nil {
		return res, nil
	}
	var unsent []store.ExportLine
	for _, g := range groups[sent:] {
		unsent = append(unsent, g...)
	}
	content := e.HL7.File(fileControlID(b.ID), b.CreatedAt, msgs[:sent])
	// A cancelled request must still give the lines back.
	if err := e.Store.ReleaseExportLines(context.WithoutCancel(ctx), b.ID, unsent, content); err != nil {
		return nil, fmt.Errorf("billing: %d of %d messages accepted (%w), and the rest could not be released: %w",
			sent, len(msgs), sendErr, err)
	}
	b.Lines, b.Content = b.Lines[:len(b.Lines)-len(unsent)], content
	res = resultOf(b)
	return res, fmt.Errorf("billing: batch %d: %d of %d messages accepted; the lines of the others stay unexported: %w",
		b.ID, sent, len(msgs), sendErr)
}

// Rebuild gives an earlier batch's bytes back, as they were written.
func (e *Exporter) Rebuild(ctx context.Context, id int64) (*Result, error) {
	b, err := e.Store.ExportBatch(ctx, e.Tenant, id)
	if err != nil {
		return nil, err
	}
	return resultOf(b), nil
}

func resultOf(b *store.Batch) *Result {
	r := &Result{Batch: b, Content: b.Content, MediaType: MediaCSV}
	if b.Format == store.FormatHL7v2 {
		r.MediaType = MediaHL7v2
		r.Messages = len(patientGroups(b.Lines))
	}
	return r
}

// controlID is MSH-10 of a batch's i-th message: unique in the store, as
// batch ids are.
func controlID(batch int64, i int) string {
	return "RPM" + strconv.FormatInt(batch, 10) + "-" + strconv.Itoa(i+1)
}

func fileControlID(batch int64) string { return "RPM" + strconv.FormatInt(batch, 10) }
