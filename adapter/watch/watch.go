// Package watch keeps results current (fhir-mapping.md §8): it polls the
// FHIR server for resources changed since a stored cursor, maps each to its
// patient, keeps the watched Groups' members and asks the durable queue
// (adapter.WatchQueue, River in adapter/jobs) to re-evaluate them as of
// today; it takes rest-hook notifications the same way and registers the
// Subscriptions that send them. Polling is the source of truth; a lost
// notification costs at most one interval.
//
// It depends on the root's interfaces, the store and the FHIR client, not on
// the API: the command wires the API's notification endpoint to it.
package watch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
	"github.com/rpm-adapter/rpm-adapter/adapter/store"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// DefaultOverlap is how far before its cursor a search starts, against
// clock skew and transactions that commit after later ones.
const DefaultOverlap = 2 * time.Minute

// DefaultTypes are the types the rules read; the payer types are added
// when the profiles use them (fhir-mapping §1).
var DefaultTypes = []string{"Observation", "Communication", "Encounter", "EpisodeOfCare", "ChargeItem", "Patient"}

// TypesFor is DefaultTypes plus the payer inputs in use.
func TypesFor(in adapter.PayerInputs) []string {
	t := slices.Clone(DefaultTypes)
	if in.Coverage {
		t = append(t, "Coverage")
	}
	if in.Condition {
		t = append(t, "Condition")
	}
	if in.Consent {
		t = append(t, "Consent")
	}
	return t
}

// Config configures a Watcher.
type Config struct {
	Tenant string
	Groups []string
	Types  []string // DefaultTypes when empty
	// Overlap, DefaultOverlap when zero.
	Overlap time.Duration
	// Write says re-evaluations write back to the FHIR server.
	Write bool
	// Location is the zone of "today" (the as-of date); Local when nil.
	Location *time.Location
	// TagSystem is the system of the adapter's generated tag: a ChargeItem
	// carrying it was written by us and is no change to react to.
	TagSystem string
	Client    *fhirclient.Client
	Store     *store.Store
	Service   *adapter.Service
	Queue     adapter.WatchQueue
	Registry  prometheus.Registerer // nil: metrics are not exported
	Logger    *slog.Logger
	Now       func() time.Time
	// Interval is the poll period, for the watch state only.
	Interval time.Duration
}

// Watcher implements adapter.WatchWork and adapter.WatchNotifier.
type Watcher struct {
	cfg Config
	log *slog.Logger
	m   *metrics

	mu    sync.Mutex
	seen  map[string]time.Time // "Type/id|lastUpdated" of changes already queued, within the overlap
	state map[string]*groupState
	subs  []SubscriptionState
}

type groupState struct {
	LastCycle   time.Time `json:"lastCycle,omitzero"`
	LastSuccess time.Time `json:"lastSuccess,omitzero"`
	LastError   string    `json:"lastError,omitempty"`
	Members     int       `json:"members"`
	Changes     int       `json:"lastChanges"`
	Queued      int       `json:"lastQueued"`
	Requests    int       `json:"lastRequests"`
	Duration    string    `json:"lastDuration,omitempty"`
}

var (
	_ adapter.WatchWork     = (*Watcher)(nil)
	_ adapter.WatchNotifier = (*Watcher)(nil)
)

// New checks the configuration.
func New(cfg Config) (*Watcher, error) {
	if cfg.Client == nil || cfg.Store == nil || cfg.Service == nil || cfg.Queue == nil {
		return nil, errors.New("watch: a FHIR client, a store, a service and a queue are required")
	}
	if len(cfg.Types) == 0 {
		cfg.Types = DefaultTypes
	}
	for _, t := range cfg.Types {
		if _, ok := patientPaths[t]; !ok {
			return nil, fmt.Errorf("watch: cannot map a %s to its patient", t)
		}
	}
	if cfg.Overlap <= 0 {
		cfg.Overlap = DefaultOverlap
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	w := &Watcher{cfg: cfg, log: cfg.Logger, seen: map[string]time.Time{}, state: map[string]*groupState{}}
	w.m = newMetrics(cfg.Registry, w)
	for _, g := range cfg.Groups {
		w.state[g] = &groupState{}
	}
	return w, nil
}

// patientPaths says where each type names its patient (Encounter also
// through the Communications that cite it; Patient is its own).
var patientPaths = map[string][]string{
	"Observation":   {"subject"},
	"Communication": {"subject"},
	"Encounter":     {"subject"},
	"EpisodeOfCare": {"patient"},
	"ChargeItem":    {"subject"},
	"Patient":       nil,
	"Coverage":      {"beneficiary"},
	"Condition":     {"subject"},
	"Consent":       {"patient"},
}

// changed is one changed resource as a search returns it (its _elements).
type changed struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Meta         struct {
		LastUpdated string `json:"lastUpdated"`
		Tag         []struct {
			System string `json:"system"`
			Code   string `json:"code"`
		} `json:"tag"`
	} `json:"meta"`
	Subject     *reference `json:"subject"`
	Patient     *reference `json:"patient"`
	Beneficiary *reference `json:"beneficiary"`
}

type reference struct {
	Reference string `json:"reference"`
}

// patient is the id of the patient a resource is about, "" when it names
// none (or a patient of another server).
func (c *changed) patient() string {
	if c.ResourceType == "Patient" {
		return c.ID
	}
	for _, r := range []*reference{c.Subject, c.Patient, c.Beneficiary} {
		if r == nil || r.Reference == "" {
			continue
		}
		ref := r.Reference
		if i := strings.Index(ref, "/_history/"); i >= 0 {
			ref = ref[:i]
		}
		typ, id, ok := strings.Cut(ref, "/")
		if ok && typ == "Patient" && id != "" && !strings.Contains(id, "/") {
			return id
		}
		return ""
	}
	return ""
}

// ours says the resource carries the adapter's generated tag.
func (c *changed) ours(system string) bool {
	for _, t := range c.Meta.Tag {
		if t.Code == "generated" && t.System == system {
			return true
		}
	}
	return false
}

func lastUpdated(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// Poll implements adapter.WatchWork: one cycle over every group.
func (w *Watcher) Poll(ctx context.Context) error {
	var errs []error
	for _, g := range w.cfg.Groups {
		if err := w.pollGroup(ctx, g); err != nil {
			errs = append(errs, err)
		}
	}
	w.pruneSeen()
	if d, err := w.cfg.Queue.WatchDepth(ctx); err == nil {
		w.m.depth.Set(float64(d))
	}
	return errors.Join(errs...)
}

// counting counts the FHIR requests a cycle makes.
type counting struct{ n int }

func (w *Watcher) pollGroup(ctx context.Context, group string) (err error) {
	start := w.cfg.Now()
	var req counting
	var changes, queued, jobs, members int
	defer func() {
		w.mu.Lock()
		st := w.state[group]
		st.LastCycle, st.Requests, st.Changes, st.Queued, st.Members = start, req.n, changes, queued, members
		st.Duration = w.cfg.Now().Sub(start).Round(time.Millisecond).String()
		if err != nil {
			st.LastError = err.Error()
			w.m.cycles.WithLabelValues("failed").Inc()
		} else {
			st.LastError, st.LastSuccess = "", start
			w.m.cycles.WithLabelValues("ok").Inc()
		}
		w.mu.Unlock()
		w.log.Info("watch cycle", "requests", req.n, "changes", changes, "queued", queued, "new_jobs", jobs, "members", members,
			"duration_ms", w.cfg.Now().Sub(start).Milliseconds(), "ok", err == nil)
	}()
	t := w.cfg.Tenant
	// The Group is read again every cycle: new members are evaluated in
	// full, removed ones are no longer watched.
	req.n++
	pop, err := w.cfg.Service.GroupMembers(ctx, group)
	if err != nil {
		return fmt.Errorf("watch: reading the group: %w", err)
	}
	current := map[string]bool{}
	for _, id := range pop {
		if !adapter.ForeignMember(id) {
			current[id] = true
		}
	}
	members = len(current)
	knownList, err := w.cfg.Store.WatchMembers(ctx, t, group)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, id := range knownList {
		known[id] = true
	}
	var added, removed []string
	for id := range current {
		if !known[id] {
			added = append(added, id)
		}
	}
	for id := range known {
		if !current[id] {
			removed = append(removed, id)
		}
	}
	slices.Sort(added)

	cursors := map[string]string{}
	first := true
	for _, typ := range w.cfg.Types {
		c, err := w.cfg.Store.WatchCursorOf(ctx, t, group, typ)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		default:
			cursors[typ] = c.LastUpdated
			first = false
		}
	}
	var items []adapter.WatchItem
	reason := "new_member"
	if first {
		reason = "first_cycle" // a new watch evaluates every member once
	}
	for _, id := range added {
		items = append(items, adapter.WatchItem{PatientID: id, Reason: reason})
	}
	next := map[string]string{}
	var keys []string
	for _, typ := range w.cfg.Types {
		cur, ok := cursors[typ]
		fresh := !ok
		if fresh {
			// No cursor yet: what changed before now is covered by the
			// first evaluation of the members. The search from now minus
			// the overlap only marks it seen, so that the next cycle's
			// overlap does not queue it again.
			cur = start.UTC().Format(time.RFC3339Nano)
		}
		next[typ] = cur
		found, err := w.search(ctx, typ, cur, &req)
		if err != nil {
			return err
		}
		var encounters []string
		for _, c := range found {
			if later(c.Meta.LastUpdated, next[typ]) {
				next[typ] = c.Meta.LastUpdated
			}
			key := typ + "/" + c.ID + "|" + c.Meta.LastUpdated
			if fresh {
				keys = append(keys, key)
				continue
			}
			if w.wasSeen(key) {
				continue // the overlap's duplicate, queued before
			}
			if typ == "ChargeItem" && w.cfg.TagSystem != "" && c.ours(w.cfg.TagSystem) {
				continue // our own write-back
			}
			keys = append(keys, key)
			seen, _ := lastUpdated(c.Meta.LastUpdated)
			pid := c.patient()
			if typ == "Encounter" {
				encounters = append(encounters, c.ID)
			}
			watched := "no"
			if pid != "" && current[pid] {
				watched = "yes"
				changes++
				items = append(items, adapter.WatchItem{PatientID: pid, Seen: seen, Reason: "change"})
			}
			w.m.changes.WithLabelValues(typ, watched).Inc()
		}
		if len(encounters) > 0 {
			pids, err := w.communicationPatients(ctx, encounters, &req)
			if err != nil {
				return err
			}
			for _, pid := range pids {
				if current[pid] {
					items = append(items, adapter.WatchItem{PatientID: pid, Reason: "change"})
				}
			}
		}
	}
	items = earliestPerPatient(items)
	jobs, err = w.cfg.Queue.QueueReevaluations(ctx, items)
	if err != nil {
		return err
	}
	queued = len(items)
	w.countQueued(items)
	// At least once: the cursors move only now that the work is queued.
	if err := w.cfg.Store.SetWatchMembers(ctx, t, group, added, removed, start.UTC().Format(time.RFC3339Nano)); err != nil {
		return err
	}
	for _, typ := range w.cfg.Types {
		if next[typ] != cursors[typ] {
			if err := w.cfg.Store.SetWatchCursor(ctx, store.WatchCursor{Tenant: t, GroupID: group, ResourceType: typ, LastUpdated: next[typ]}); err != nil {
				return err
			}
		}
	}
	w.markSeen(keys)
	return nil
}

// earliestPerPatient keeps one item per patient, with the earliest Seen.
func earliestPerPatient(items []adapter.WatchItem) []adapter.WatchItem {
	idx := map[string]int{}
	var out []adapter.WatchItem
	for _, it := range items {
		i, ok := idx[it.PatientID]
		if !ok {
			idx[it.PatientID] = len(out)
			out = append(out, it)
			continue
		}
		if !it.Seen.IsZero() && (out[i].Seen.IsZero() || it.Seen.Before(out[i].Seen)) {
			out[i].Seen = it.Seen
		}
	}
	return out
}

func (w *Watcher) countQueued(items []adapter.WatchItem) {
	for _, it := range items {
		w.m.queued.WithLabelValues(it.Reason).Inc()
	}
}

// later says a is a later instant than b (unparseable a: no).
func later(a, b string) bool {
	ta, ok := lastUpdated(a)
	if !ok {
		return false
	}
	tb, ok := lastUpdated(b)
	return !ok || ta.After(tb)
}

// search returns the resources of typ changed since cursor minus the
// overlap, with only the elements that name the patient.
func (w *Watcher) search(ctx context.Context, typ, cursor string, req *counting) ([]*changed, error) {
	since := cursor
	if t, ok := lastUpdated(cursor); ok {
		since = t.Add(-w.cfg.Overlap).UTC().Format(time.RFC3339Nano)
	}
	q := url.Values{"_lastUpdated": {"gt" + since}, "_count": {"500"}}
	if els := patientPaths[typ]; len(els) > 0 {
		q.Set("_elements", strings.Join(els, ","))
	} else {
		q.Set("_elements", "id")
	}
	var out []*changed
	err := w.cfg.Client.Search(ctx, typ, q, func(page []byte) error {
		req.n++
		rs, err := entries(page)
		if err != nil {
			return err
		}
		for _, c := range rs {
			if c.ResourceType == typ {
				out = append(out, c)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("watch: searching changed %s: %w", typ, err)
	}
	return out, nil
}

func entries(page []byte) ([]*changed, error) {
	var b struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(page, &b); err != nil {
		return nil, errors.New("watch: a search page is not a Bundle")
	}
	var out []*changed
	for _, e := range b.Entry {
		var c changed
		if json.Unmarshal(e.Resource, &c) == nil {
			out = append(out, &c)
		}
	}
	return out, nil
}

// communicationPatients maps changed Encounters to patients through the
// Communications that cite them (minutes count through those).
func (w *Watcher) communicationPatients(ctx context.Context, encounters []string, req *counting) ([]string, error) {
	var out []string
	for chunk := range slices.Chunk(encounters, 50) {
		refs := make([]string, len(chunk))
		for i, id := range chunk {
			refs[i] = "Encounter/" + id
		}
		q := url.Values{"encounter": {strings.Join(refs, ",")}, "_elements": {"subject"}, "_count": {"500"}}
		err := w.cfg.Client.Search(ctx, "Communication", q, func(page []byte) error {
			req.n++
			rs, err := entries(page)
			if err != nil {
				return err
			}
			for _, c := range rs {
				if p := c.patient(); p != "" && c.ResourceType == "Communication" {
					out = append(out, p)
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("watch: searching the Communications of changed Encounters: %w", err)
		}
	}
	return out, nil
}

func (w *Watcher) wasSeen(key string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.seen[key]
	return ok
}

func (w *Watcher) markSeen(keys []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.cfg.Now()
	for _, k := range keys {
		w.seen[k] = now
	}
}

// pruneSeen forgets changes older than twice the overlap: the searches no
// longer return them.
func (w *Watcher) pruneSeen() {
	w.mu.Lock()
	defer w.mu.Unlock()
	cut := w.cfg.Now().Add(-2*w.cfg.Overlap - time.Minute)
	for k, at := range w.seen {
		if at.Before(cut) {
			delete(w.seen, k)
		}
	}
}

// Reevaluate implements adapter.WatchWork: the patient as of today in the
// service's zone (the open windows), then this month and the last one (the
// periods that closed lately: a late or entered-in-error reading there
// changes or withdraws their ChargeItems), written back when configured.
// Windows that ended before the last month are settled and left alone.
func (w *Watcher) Reevaluate(ctx context.Context, patientID string, seen time.Time) error {
	today := rules.LocalDate(w.cfg.Now(), w.cfg.Location)
	jobs := []adapter.Job{
		{Date: today, Month: rules.NoDate, Enrollment: rules.NoDate},
		{Month: today.MonthStart(), Date: rules.NoDate, Enrollment: rules.NoDate},
		{Month: today.MonthStart().AddDays(-1).MonthStart(), Date: rules.NoDate, Enrollment: rules.NoDate},
	}
	for _, job := range jobs {
		_, err := w.cfg.Service.EvaluatePatient(ctx, patientID, job, w.cfg.Write)
		switch {
		case errors.Is(err, adapter.ErrNotFound):
			w.m.evaluations.WithLabelValues("not_found").Inc()
			return nil // deleted meanwhile: nothing to try again
		case err != nil:
			w.m.evaluations.WithLabelValues("failed").Inc()
			return err
		}
	}
	w.m.evaluations.WithLabelValues("evaluated").Inc()
	if !seen.IsZero() {
		w.m.lag.Observe(w.cfg.Now().Sub(seen).Seconds())
	}
	return nil
}
