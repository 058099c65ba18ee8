package watch

import "github.com/prometheus/client_golang/prometheus"

// metrics are the watcher's Prometheus series; every label is a fixed word
// or a resource type, never an id.
type metrics struct {
	changes       *prometheus.CounterVec
	queued        *prometheus.CounterVec
	evaluations   *prometheus.CounterVec
	notifications *prometheus.CounterVec
	cycles        *prometheus.CounterVec
	lag           prometheus.Histogram
	depth         prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, _ *Watcher) *metrics {
	m := &metrics{
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rpm_watch_changes_total", Help: "Changed resources the poller saw, by resource type and whether a watched member's (an Encounter's patient is found through its Communications: no here).",
		}, []string{"type", "watched"}),
		queued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rpm_watch_patients_queued_total", Help: "Re-evaluations asked for, by reason (change, notification, new_member, first_cycle); one patient's within a debounce slot make one evaluation.",
		}, []string{"reason"}),
		evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rpm_watch_evaluations_total", Help: "Re-evaluations run by the watch, by outcome (evaluated, failed, not_found).",
		}, []string{"outcome"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rpm_watch_notifications_total", Help: "Subscription notifications, by outcome (queued, ignored, poll, refused, failed).",
		}, []string{"outcome"}),
		cycles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rpm_watch_poll_cycles_total", Help: "Poll cycles per group, by outcome (ok, failed).",
		}, []string{"outcome"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "rpm_watch_lag_seconds", Help: "From a changed resource's meta.lastUpdated to the end of its patient's re-evaluation.",
			Buckets: []float64{.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800},
		}),
		depth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rpm_watch_queue_depth", Help: "Re-evaluations waiting or running (as of the last poll cycle or notification).",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.changes, m.queued, m.evaluations, m.notifications, m.cycles, m.lag, m.depth)
	}
	return m
}

// Refused counts a notification the API refused (no or a wrong secret).
func (w *Watcher) Refused() { w.m.notifications.WithLabelValues("refused").Inc() }
