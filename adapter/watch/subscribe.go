package watch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

// DefaultCriteria are the Subscriptions --subscribe registers: new and
// changed readings, and completed communications (minutes).
var DefaultCriteria = []string{"Observation?category=vital-signs", "Communication?status=completed"}

// SecretHeader is the header the server sends back with each notification
// (channel.header); the API refuses a notification without it. It is the
// API's api.WatchSecretHeader (the packages do not import each other).
const SecretHeader = "X-Rpm-Subscription-Secret"

// NotifyPath is where notifications arrive, under the public URL.
const NotifyPath = "/fhir/_watch/notify"

// SubscriptionState is one registered Subscription, for the watch state.
type SubscriptionState struct {
	ID       string `json:"id"`
	Criteria string `json:"criteria"`
	Status   string `json:"status,omitempty"`
	Error    string `json:"error,omitempty"`
}

// SubscriptionID is the deterministic id of the Subscription for one
// criteria string: a restart, or another replica, updates the same one.
func SubscriptionID(tenant, endpoint, criteria string) string {
	h := sha256.Sum256([]byte(tenant + "\x00" + endpoint + "\x00" + criteria))
	return "rpm-watch-" + hex.EncodeToString(h[:10])
}

// Subscribe registers (PUT, idempotent) one R4 rest-hook Subscription per
// criteria with channel.endpoint publicURL+NotifyPath, the full resource as
// payload, and the secret in channel.header. Each one's outcome is in the
// watch state; the error joins the failures.
func (w *Watcher) Subscribe(ctx context.Context, publicURL, secret string, criteria []string) error {
	if publicURL == "" || secret == "" {
		return errors.New("watch: subscriptions need a public URL and a secret")
	}
	if len(criteria) == 0 {
		criteria = DefaultCriteria
	}
	endpoint := strings.TrimSuffix(publicURL, "/") + NotifyPath
	var errs []error
	var states []SubscriptionState
	for _, cr := range criteria {
		id := SubscriptionID(w.cfg.Tenant, endpoint, cr)
		st := SubscriptionState{ID: id, Criteria: cr}
		body, _ := json.Marshal(map[string]any{
			"resourceType": "Subscription", "id": id, "status": "requested",
			"reason":   "rpm-adapter keeps RPM eligibility current (fhir-mapping.md §8)",
			"criteria": cr,
			"channel": map[string]any{"type": "rest-hook", "endpoint": endpoint,
				"payload": "application/fhir+json", "header": []string{SecretHeader + ": " + secret}},
		})
		resp, err := w.cfg.Client.Do(ctx, &fhirclient.Request{Method: http.MethodPut, Path: []string{"Subscription", id}, Body: body})
		if err != nil {
			st.Error = err.Error()
			errs = append(errs, fmt.Errorf("watch: registering the Subscription for %s: %w", cr, err))
		} else {
			var got struct {
				Status string `json:"status"`
			}
			_ = json.Unmarshal(resp.Body, &got)
			st.Status = got.Status
		}
		states = append(states, st)
	}
	w.mu.Lock()
	w.subs = states
	w.mu.Unlock()
	w.log.Info("watch subscriptions registered", "count", len(states)-len(errs), "failed", len(errs))
	return errors.Join(errs...)
}
