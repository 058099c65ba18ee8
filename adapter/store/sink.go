package store

import (
	"context"
	"errors"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// Sink records every patient's outcome in the store, whatever else is
// written: it hands the outcome to Next first (the FHIR server, NDJSON, or
// both), then records the evaluation even when Next failed, and returns
// Next's error and its own.
type Sink struct {
	Store  *Store
	Tenant string
	// Next also receives every outcome; nil keeps the store only.
	Next adapter.Sink
	// WriteBack says Next writes to a FHIR server: the resources of an
	// outcome it accepted are recorded as written back.
	WriteBack bool
	// ProfileID is recorded with every evaluation (the payer profile).
	ProfileID string

	// b writes the recordings in batches (NewBatchSink); nil records each
	// in its own transaction before Write returns.
	b *batcher
}

// NewSink checks its dependencies.
func NewSink(st *Store, tenant string, next adapter.Sink, writeBack bool) (*Sink, error) {
	if st == nil {
		return nil, errors.New("store: the sink needs a store")
	}
	if writeBack && next == nil {
		return nil, errors.New("store: write-back needs the sink that writes back")
	}
	return &Sink{Store: st, Tenant: tenant, Next: next, WriteBack: writeBack}, nil
}

// Write implements adapter.Sink.
func (k *Sink) Write(ctx context.Context, out *adapter.Outcome) error {
	var nextErr error
	if k.Next != nil {
		nextErr = k.Next.Write(ctx, out)
	}
	if out.PatientID == "" {
		// An export's issues that belong to no patient: nothing to record.
		return nextErr
	}
	rec := Record{ProfileID: k.ProfileID, Activities: out.Activities, NotEvaluated: out.NotEvaluated,
		Patient: PatientInfo{DisplayName: out.DisplayName, MRN: out.MRN}}
	if k.WriteBack && nextErr == nil && out.Writes != nil {
		for _, w := range out.Writes.Windows {
			for _, r := range w.Resources() {
				rec.Written = append(rec.Written, Written{WindowKind: w.Window.Kind, WindowStart: w.Window.Start,
					ResourceType: r.ResourceType, ResourceID: r.ID,
					IdentifierSystem: r.Identifier.System, IdentifierValue: r.Identifier.Value})
			}
		}
	}
	return errors.Join(nextErr, k.record(ctx, out, rec))
}

func (k *Sink) record(ctx context.Context, out *adapter.Outcome, rec Record) error {
	if k.b == nil {
		return k.Store.RecordEvaluation(ctx, k.Tenant, out.PatientID, out.Result, rec)
	}
	r, err := k.Store.prepareRecording(k.Tenant, out.PatientID, out.Result, rec)
	if err != nil {
		return err
	}
	return k.b.put(ctx, batchItem{r: r})
}

// Sync implements adapter.Syncer: everything written so far is committed
// (a batching sink's queue) and Next's own buffers are synced when Next is
// a Syncer, so a service that syncs before it answers gets the guarantee
// through the store's sink too.
func (k *Sink) Sync() error {
	var err error
	if k.b != nil {
		err = k.b.sync()
	}
	if sy, ok := k.Next.(adapter.Syncer); ok {
		err = errors.Join(err, sy.Sync())
	}
	return err
}

// Close commits what a batching sink still holds and stops its writer,
// returning the database's errors no Sync returned; it closes neither the
// store nor Next. A second Close, or Close of a sink that does not batch,
// does nothing.
func (k *Sink) Close() error {
	if k.b == nil {
		return nil
	}
	return k.b.close()
}

var (
	_ adapter.Sink   = (*Sink)(nil)
	_ adapter.Syncer = (*Sink)(nil)
)
