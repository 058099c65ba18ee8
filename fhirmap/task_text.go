package fhirmap

import "github.com/rpm-adapter/rpm-adapter/rules"

// TaskSentence is the description the write-back gives an open window's
// Task (taskDescription), or "" when the window gets no Task: closed, met,
// or its threshold out of reach. The worklist shows it from the store,
// which keeps the window's progress but not the Task.
func TaskSentence(w rules.Window, provisional bool, p *rules.Progress) string {
	e := &evalWindow{window: w, provisional: provisional, progress: p}
	if w.Kind == rules.CalendarMonth {
		e.month = &rules.MonthResult{Window: w}
	}
	if !needsTask(e) {
		return ""
	}
	return taskDescription(e, w.End)
}
