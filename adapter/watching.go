package adapter

import (
	"context"
	"time"
)

// Keeping results current (fhir-mapping.md §8): a watcher (adapter/watch)
// polls the FHIR server for changes and takes notifications; a durable queue
// (adapter/jobs, on River) runs its poll cycle on one replica and the
// re-evaluations it asks for, deduplicated per patient and debounce slot. The
// API hands notifications to the watcher through WatchNotifier. None of them
// imports another: the command wires them through these interfaces.

// WatchItem asks for one patient's re-evaluation.
type WatchItem struct {
	PatientID string
	// Seen is the earliest meta.lastUpdated of the changes behind the
	// request (zero when unknown): the start of the lag the watcher reports.
	Seen time.Time
	// Reason is a fixed word for metrics and logs: change, notification,
	// new_member, first_cycle.
	Reason string
}

// WatchQueue queues re-evaluations durably.
type WatchQueue interface {
	// QueueReevaluations queues one re-evaluation per item; an item whose
	// patient already has one waiting in the same debounce slot is merged
	// into it. It returns how many new jobs were queued.
	QueueReevaluations(ctx context.Context, items []WatchItem) (int, error)
	// QueuePoll asks for a poll cycle now (one waiting is enough).
	QueuePoll(ctx context.Context) error
	// WatchDepth counts the re-evaluations waiting or running.
	WatchDepth(ctx context.Context) (int, error)
}

// WatchWork is what the queue's watch jobs run.
type WatchWork interface {
	// Poll runs one poll cycle over every watched group.
	Poll(ctx context.Context) error
	// Reevaluate evaluates one patient as of today, writing back as
	// configured; seen is WatchItem.Seen.
	Reevaluate(ctx context.Context, patientID string, seen time.Time) error
}

// WatchNotifier takes what a FHIR server's rest-hook Subscription sends.
type WatchNotifier interface {
	// Notify handles one notification: body is the resource (a full
	// payload) or empty (a ping). It returns what was done: "queued",
	// "ignored" (not a watched patient) or "poll" (a ping: a poll cycle
	// was queued).
	Notify(ctx context.Context, body []byte) (string, error)
	// Status is the watch state as JSON (cursors, last cycle, errors):
	// no patient data.
	Status(ctx context.Context) ([]byte, error)
	// Refused counts a notification refused for its missing or wrong
	// secret.
	Refused()
}
