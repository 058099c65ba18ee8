package fhirmap

import (
	"fmt"
	"strings"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dtpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	tpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/task_go_proto"
	vspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/valuesets_go_proto"
)

// taskCode is the code of the window's Task: one per window kind, so a
// window never has two Tasks.
func taskCode(e *evalWindow) string {
	if e.month != nil {
		return TaskCodeManagementTime
	}
	return TaskCodeDeviceDays
}

// needsTask says whether an open window's threshold is reachable but not yet
// met (fhir-mapping.md §2.3, R-PER-5). A Task nobody can complete is noise.
func needsTask(e *evalWindow) bool {
	p := e.progress
	if !e.provisional || p == nil || !p.Reachable {
		return false
	}
	return p.Missing > 0 || (e.month != nil && p.NeedsInteractive)
}

// task asks staff to close the gap of an open window, or returns nil.
func (w *Writer) task(pid string, asOf rules.Date, e *evalWindow, id writeIdent, mrRef string, now time.Time) *tpb.Task {
	if !needsTask(e) {
		return nil
	}
	p := e.progress
	// The rest of the window: from the day after the run date to its end.
	// On the last day itself only that day is left.
	start := max(asOf.AddDays(1), e.window.Start)
	if start > e.window.End {
		start = e.window.End
	}
	end := e.window.End
	var inputs []*tpb.Task_Parameter
	if e.month != nil {
		if p.Missing > 0 {
			inputs = append(inputs, w.taskInt(TaskInputMissingMins, p.Missing))
		}
		if p.NeedsInteractive {
			inputs = append(inputs, w.taskInput(TaskInputInteractive, &tpb.Task_Parameter_ValueX{
				Choice: &tpb.Task_Parameter_ValueX_Boolean{Boolean: &dtpb.Boolean{Value: true}}}))
		}
	} else {
		inputs = append(inputs, w.taskInt(TaskInputMissingDays, p.Missing))
	}
	inputs = append(inputs,
		w.taskInt(TaskInputDaysLeft, p.DaysLeft),
		w.taskInput(TaskInputDueDate, &tpb.Task_Parameter_ValueX{
			Choice: &tpb.Task_Parameter_ValueX_Date{Date: wDate(end)}}),
	)

	t := &tpb.Task{
		Id:           wID(id.id),
		Meta:         w.wMetaProfile(TypeTask),
		Extension:    []*dtpb.Extension{extCode(w.ext.ruleSet, string(e.ruleSet))},
		Identifier:   wIdentifier(id.Identifier),
		Status:       &tpb.Task_StatusCode{Value: cpb.TaskStatusCode_REQUESTED},
		Intent:       &tpb.Task_IntentCode{Value: vspb.TaskIntentValueSet_ORDER},
		Code:         wConcept(w.taskSystem, taskCode(e)),
		Description:  wString(taskDescription(e, end)),
		Focus:        wRef(mrRef),
		ForValue:     wRef("Patient/" + pid),
		AuthoredOn:   wInstant(now),
		LastModified: wInstant(now),
		Restriction:  &tpb.Task_Restriction{Period: wPeriod(start, end)},
		Input:        inputs,
	}
	if w.reporter != "" && !strings.HasPrefix(w.reporter, "Location/") { // Task.requester allows no Location
		t.Requester = wRef(w.reporter)
	}
	if w.performer != "" {
		t.Owner = wRef(w.performer)
	}
	return t
}

func (w *Writer) taskInput(code string, v *tpb.Task_Parameter_ValueX) *tpb.Task_Parameter {
	return &tpb.Task_Parameter{Type: wConcept(w.taskSystem, code), Value: v}
}

func (w *Writer) taskInt(code string, n int) *tpb.Task_Parameter {
	return w.taskInput(code, &tpb.Task_Parameter_ValueX{Choice: &tpb.Task_Parameter_ValueX_Integer{Integer: wInteger(n)}})
}

// taskDescription says what is missing, with counts and dates only: a Task
// is shown on work lists, so it carries no patient data.
func taskDescription(e *evalWindow, end rules.Date) string {
	p := e.progress
	left := plural(p.DaysLeft, "day", "days") + " left"
	if e.month == nil {
		return fmt.Sprintf("Needs %d more %s with device readings by %s (%d of %d days; %s).",
			p.Missing, plural1(p.Missing, "day", "days"), end, p.Have, p.Need, left)
	}
	var parts []string
	if p.Missing > 0 {
		parts = append(parts, fmt.Sprintf("%d more %s of treatment management", p.Missing, plural1(p.Missing, "minute", "minutes")))
	}
	if p.NeedsInteractive {
		parts = append(parts, "an interactive call")
	}
	return fmt.Sprintf("Needs %s by %s (%d of %d minutes; %s).",
		strings.Join(parts, " and "), end, p.Have, p.Need, left)
}

func plural(n int, one, many string) string { return fmt.Sprintf("%d %s", n, plural1(n, one, many)) }

func plural1(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// TaskOutcome is how a window's Task ends when the window closes.
type TaskOutcome uint8

const (
	// TaskCompleted: the window closed with the threshold met.
	TaskCompleted TaskOutcome = iota + 1
	// TaskCancelled: the window closed without it.
	TaskCancelled
)

const cancelReason = "The window closed before the threshold was met."

// CloseTask ends a Task the adapter wrote for a window that has since closed
// (fhir-mapping.md §2.3): status completed or cancelled, lastModified now.
// The adapter decides which. existing is the Task as read from the server;
// its meta.versionId becomes Version. It refuses with ErrNotGenerated a Task
// the adapter did not write and with ErrFinalStatus one already ended.
func (w *Writer) CloseTask(existing []byte, outcome TaskOutcome, now time.Time) (*WriteResource, error) {
	var status cpb.TaskStatusCode_Value
	switch outcome {
	case TaskCompleted:
		status = cpb.TaskStatusCode_COMPLETED
	case TaskCancelled:
		status = cpb.TaskStatusCode_CANCELLED
	default:
		return nil, fmt.Errorf("fhirmap: unknown task outcome %d", outcome)
	}
	if !w.opts.Strict {
		if r := w.closeTaskFast(existing, outcome, now.UTC()); r != nil {
			return r, nil
		}
	}
	cr, err := w.readOwn(existing, TypeTask)
	if err != nil {
		return nil, err
	}
	t := cr.GetTask()
	switch t.GetStatus().GetValue() {
	case cpb.TaskStatusCode_COMPLETED, cpb.TaskStatusCode_CANCELLED, cpb.TaskStatusCode_FAILED,
		cpb.TaskStatusCode_REJECTED, cpb.TaskStatusCode_ENTERED_IN_ERROR:
		return nil, ErrFinalStatus
	}
	version := takeVersion(t.GetMeta())
	w.ensureProfile(t.Meta, TypeTask)
	t.Status = &tpb.Task_StatusCode{Value: status}
	t.LastModified = wInstant(now.UTC())
	if outcome == TaskCancelled {
		t.StatusReason = &dtpb.CodeableConcept{Text: wString(cancelReason)}
	}
	out, err := w.finish(TypeTask, writeIdent{w.ownIdentifier(t.GetIdentifier(), TypeTask), t.GetId().GetValue()}, t)
	if err != nil {
		return nil, err
	}
	out.Version = version
	return out, nil
}
