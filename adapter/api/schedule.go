package api

import (
	"encoding/json"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// ScheduledJob is the stored job of a scheduled run (serve
// --schedule-group; adapter/jobs calls it on the Queue's leader-inserted
// rpm_schedule jobs): the group as of day, with write-back when write, as a
// Prefer: respond-async request with date=day and write would be. Its
// answer is a summary (nobody polls for it: the store keeps every
// evaluation); the Queue sets its id and owner.
func (w jobWork) ScheduledJob(group string, day rules.Date, write bool) (adapter.GroupJobSpec, error) {
	job, err := adapter.ParseJob("", day.String(), "")
	if err != nil {
		return adapter.GroupJobSpec{}, err
	}
	params, err := json.Marshal(durableParams{Job: job, Write: write, Summary: true})
	if err != nil {
		return adapter.GroupJobSpec{}, err
	}
	return adapter.GroupJobSpec{Write: write, GroupID: group, RequestID: "schedule-" + day.String(), Params: params,
		Timeout: w.s.cfg.JobTimeout, TTL: w.s.cfg.JobTTL}, nil
}
