package fhirserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
	"github.com/rpm-adapter/rpm-adapter/fhirmap"
)

// Sink writes each window's resources back to the FHIR server in one
// transaction (fhir-mapping.md §3): PUT to deterministic ids, If-Match on
// updates of ChargeItems with a bounded retry on 409/412, withdrawn items set
// to entered-in-error, billed items never touched, and writes for one
// patient serialised.
type Sink struct {
	Client *fhirclient.Client
	Writer *fhirmap.Writer
	// Attempts bounds the retries of a window after a 409/412; 0 means 3.
	Attempts int
	Now      func() time.Time

	mu    sync.Mutex
	locks map[string]*patientLock
}

type patientLock struct {
	mu   sync.Mutex
	refs int
}

// NewSink checks its dependencies.
func NewSink(c *fhirclient.Client, w *fhirmap.Writer) (*Sink, error) {
	if c == nil || w == nil {
		return nil, errors.New("adapter: FHIR sink needs a client and a writer")
	}
	return &Sink{Client: c, Writer: w}, nil
}

// lock serialises the writes of one patient inside this process.
func (s *Sink) lock(id string) func() {
	s.mu.Lock()
	if s.locks == nil {
		s.locks = map[string]*patientLock{}
	}
	l := s.locks[id]
	if l == nil {
		l = &patientLock{}
		s.locks[id] = l
	}
	l.refs++
	s.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		s.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(s.locks, id)
		}
		s.mu.Unlock()
	}
}

// Write sends one transaction per evaluated window.
func (s *Sink) Write(ctx context.Context, out *adapter.Outcome) error {
	if out.Writes == nil {
		return nil // not evaluated: nothing to write
	}
	defer s.lock(out.PatientID)()
	attempts := s.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	for _, set := range out.Writes.Windows {
		var err error
		for try := 1; try <= attempts; try++ {
			var warnings []string
			warnings, err = s.writeWindow(ctx, out.PatientID, set)
			if err == nil {
				out.Warnings = append(out.Warnings, warnings...)
				break
			}
			// 409/412: someone changed an item since we read it; read again.
			if !errors.Is(err, fhirclient.ErrConflict) {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("window %s..%s: %w", set.Window.Start, set.Window.End, err)
		}
	}
	return nil
}

func (s *Sink) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// writeWindow reads the adapter's earlier items, plans and sends the window.
func (s *Sink) writeWindow(ctx context.Context, patientID string, set *fhirmap.WindowSet) ([]string, error) {
	existing, err := s.ownChargeItems(ctx, patientID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	plan, err := s.Writer.Reconcile(patientID, set, existing, now)
	if err != nil {
		return nil, err
	}
	entries := plan.Entries
	if !set.Provisional && set.TaskID != "" {
		// fhir-mapping §2.3: the window closed, so its Task ends.
		if e, ok, err := s.closeTask(ctx, set, now); err != nil {
			return nil, err
		} else if ok {
			entries = append(entries, e)
		}
	}
	bundle, err := s.Writer.TransactionBundleAt(s.Client.Base(), entries...)
	if err != nil {
		return nil, err
	}
	// A transaction of PUTs to fixed ids is idempotent: replaying it leaves
	// the same state, so it may be retried after a lost connection.
	if _, err := s.Client.Transaction(ctx, bundle, true); err != nil {
		return nil, err
	}
	warnings := make([]string, 0, len(plan.Findings))
	for _, f := range plan.Findings {
		warnings = append(warnings, f.Message)
	}
	return warnings, nil
}

// ownChargeItems reads the patient's ChargeItems that the adapter wrote.
func (s *Sink) ownChargeItems(ctx context.Context, patientID string) ([][]byte, error) {
	tag := fhirmap.Canonical(s.Writer.Canonical(), fhirmap.PathGeneratedTagSys) + "|" + fhirmap.GeneratedTagCode
	var out [][]byte
	err := s.Client.Search(ctx, "ChargeItem", url.Values{"patient": {patientID}, "_tag": {tag}}, func(page []byte) error {
		raws, err := fhirmap.BundleResources(page)
		out = append(out, raws...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading earlier ChargeItems: %w", err)
	}
	return out, nil
}

// closeTask completes or cancels the window's earlier Task, if it is open.
func (s *Sink) closeTask(ctx context.Context, set *fhirmap.WindowSet, now time.Time) (fhirmap.BundleEntry, bool, error) {
	// A search by _id, not a read: most closed windows never had a Task,
	// and a read would answer (and log) a 404 for each of them.
	var raw []byte
	err := s.Client.Search(ctx, fhirmap.TypeTask, url.Values{"_id": {set.TaskID}}, func(page []byte) error {
		raws, err := fhirmap.BundleResources(page)
		for _, r := range raws {
			var head struct{ ResourceType, ID string }
			if json.Unmarshal(r, &head) == nil && head.ResourceType == fhirmap.TypeTask && head.ID == set.TaskID {
				raw = r
			}
		}
		return err
	})
	if err != nil {
		return fhirmap.BundleEntry{}, false, fmt.Errorf("reading the earlier Task: %w", err)
	}
	if raw == nil {
		return fhirmap.BundleEntry{}, false, nil
	}
	outcome := fhirmap.TaskCancelled
	for _, ci := range set.ChargeItems {
		if ci != nil {
			outcome = fhirmap.TaskCompleted
		}
	}
	task, err := s.Writer.CloseTask(raw, outcome, now)
	if errors.Is(err, fhirmap.ErrFinalStatus) || errors.Is(err, fhirmap.ErrNotGenerated) {
		return fhirmap.BundleEntry{}, false, nil
	}
	if err != nil {
		return fhirmap.BundleEntry{}, false, err
	}
	return fhirmap.BundleEntry{Resource: task}, true, nil
}

var _ adapter.Sink = (*Sink)(nil)
