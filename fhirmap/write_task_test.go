package fhirmap

import (
	"errors"
	"strings"
	"testing"
)

func TestCloseTask(t *testing.T) {
	w := newTestWriter(t, PutByID)
	task := buildScenario(t, w, writeScenarios[1]).Windows[0].Task
	server := asServerCopy(t, task.JSON, "4")
	later := writeTestNow.AddDate(0, 0, 10)

	done, err := w.CloseTask(server, TaskCompleted, later)
	if err != nil {
		t.Fatal(err)
	}
	s := string(done.JSON)
	if done.ID != task.ID || done.Version != "4" || !strings.Contains(s, `"status":"completed"`) ||
		!strings.Contains(s, `"lastModified":"2026-11-14T15:30:00Z"`) || strings.Contains(s, "statusReason") {
		t.Errorf("completed task: %s", s)
	}
	cancelled, err := w.CloseTask(server, TaskCancelled, later)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(cancelled.JSON); !strings.Contains(s, `"status":"cancelled"`) || !strings.Contains(s, cancelReason) {
		t.Errorf("cancelled task: %s", s)
	}

	if _, err := w.CloseTask(done.JSON, TaskCancelled, later); !errors.Is(err, ErrFinalStatus) {
		t.Errorf("closing a completed task: %v", err)
	}
	if _, err := w.CloseTask(setJSON(t, server, "meta", nil), TaskCompleted, later); !errors.Is(err, ErrNotGenerated) {
		t.Errorf("closing someone else's task: %v", err)
	}
	if _, err := w.CloseTask(server, 0, later); err == nil {
		t.Error("unknown outcome accepted")
	}
	ci := buildScenario(t, w, writeScenarios[0]).Windows[0].ChargeItems[0]
	if _, err := w.CloseTask(ci.JSON, TaskCompleted, later); err == nil {
		t.Error("a ChargeItem closed as a Task")
	}
}
