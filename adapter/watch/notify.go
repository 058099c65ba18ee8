package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// Notify implements adapter.WatchNotifier. A full payload names the
// resource: its patient is queued at once when a watched group has it as a
// member (the members the poller recorded in the store, so any replica
// answers). An empty ping, or a resource that names no patient of ours
// directly, queues a poll cycle instead: the poller finds what changed.
func (w *Watcher) Notify(ctx context.Context, body []byte) (string, error) {
	outcome, err := w.notify(ctx, body)
	if err != nil {
		outcome = "failed"
	}
	w.m.notifications.WithLabelValues(outcome).Inc()
	return outcome, err
}

func (w *Watcher) notify(ctx context.Context, body []byte) (string, error) {
	body = bytes.TrimSpace(body)
	var c changed
	if len(body) == 0 || json.Unmarshal(body, &c) != nil || c.ResourceType == "" || c.ResourceType == "Bundle" {
		return "poll", w.cfg.Queue.QueuePoll(ctx)
	}
	if !slices.Contains(w.cfg.Types, c.ResourceType) {
		return "ignored", nil
	}
	if c.ResourceType == "ChargeItem" && w.cfg.TagSystem != "" && c.ours(w.cfg.TagSystem) {
		return "ignored", nil
	}
	var pids []string
	if c.ResourceType == "Encounter" && c.ID != "" {
		var req counting
		ps, err := w.communicationPatients(ctx, []string{c.ID}, &req)
		if err != nil {
			return "", err
		}
		pids = ps
	}
	if p := c.patient(); p != "" {
		pids = append(pids, p)
	}
	seen, _ := lastUpdated(c.Meta.LastUpdated)
	var items []adapter.WatchItem
	for _, pid := range pids {
		ok, err := w.member(ctx, pid)
		if err != nil {
			return "", err
		}
		if ok {
			items = append(items, adapter.WatchItem{PatientID: pid, Seen: seen, Reason: "notification"})
		}
	}
	if len(items) == 0 {
		return "ignored", nil
	}
	items = earliestPerPatient(items)
	if _, err := w.cfg.Queue.QueueReevaluations(ctx, items); err != nil {
		return "", err
	}
	w.countQueued(items)
	if d, err := w.cfg.Queue.WatchDepth(ctx); err == nil {
		w.m.depth.Set(float64(d))
	}
	return "queued", nil
}

// member says whether a watched group has the patient, as of the last
// poll cycle.
func (w *Watcher) member(ctx context.Context, pid string) (bool, error) {
	for _, g := range w.cfg.Groups {
		ms, err := w.cfg.Store.WatchMembers(ctx, w.cfg.Tenant, g)
		if err != nil {
			return false, err
		}
		if slices.Contains(ms, pid) {
			return true, nil
		}
	}
	return false, nil
}

// Status implements adapter.WatchNotifier: per group its cursors (from
// the store, shared by the replicas) and, on the replica that polls, the
// last cycle; the Subscriptions registered. No patient data.
func (w *Watcher) Status(ctx context.Context) ([]byte, error) {
	type group struct {
		ID      string            `json:"group"`
		Cursors map[string]string `json:"cursors"`
		*groupState
	}
	out := struct {
		Interval      string              `json:"interval,omitempty"`
		Types         []string            `json:"types"`
		Groups        []group             `json:"groups"`
		Subscriptions []SubscriptionState `json:"subscriptions,omitempty"`
		QueueDepth    int                 `json:"queueDepth"`
		Now           time.Time           `json:"now"`
	}{Types: w.cfg.Types, Now: w.cfg.Now().UTC()}
	if w.cfg.Interval > 0 {
		out.Interval = w.cfg.Interval.String()
	}
	cs, err := w.cfg.Store.WatchCursors(ctx, w.cfg.Tenant)
	if err != nil {
		return nil, err
	}
	d, err := w.cfg.Queue.WatchDepth(ctx)
	if err != nil {
		return nil, err
	}
	out.QueueDepth = d
	w.mu.Lock()
	for _, g := range w.cfg.Groups {
		st := *w.state[g]
		gr := group{ID: g, Cursors: map[string]string{}, groupState: &st}
		for _, c := range cs {
			if c.GroupID == g {
				gr.Cursors[c.ResourceType] = c.LastUpdated
			}
		}
		out.Groups = append(out.Groups, gr)
	}
	out.Subscriptions = slices.Clone(w.subs)
	w.mu.Unlock()
	return json.Marshal(out)
}
