package fhirmap

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	cipb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/charge_item_go_proto"
)

// Plan is one window's transaction after comparing the new write-back with
// the adapter's earlier ChargeItems on the server.
type Plan struct {
	Entries []BundleEntry
	// Findings report billed items the new evaluation disagrees with: the
	// adapter never changes those (fhir-mapping.md §2.2).
	Findings []rules.Finding
}

var (
	deviceCodes = []string{rules.CodeSetup, rules.CodeDevice16, rules.CodeDeviceShort}
	timeCodes   = []string{rules.CodeTM20, rules.CodeTMAdditional, rules.CodeTM10}
)

// Reconcile plans the writes of one window given the patient's ChargeItems
// as read from the server (any mix; items of other windows, other codes and
// other writers are ignored):
//   - a new item whose earlier version exists is updated with If-Match on
//     that version, unless the earlier one is billed: then it is left alone
//     and, if the new evaluation disagrees, a finding says so;
//   - an earlier item of this window that the evaluation no longer supports
//     becomes entered-in-error (EnteredInError), or a finding if billed.
//
// An item belongs to the window when its code is of the window's kind and
// its identifier is the one this window would give that code.
func (w *Writer) Reconcile(patientID string, set *WindowSet, existing [][]byte, now time.Time) (*Plan, error) {
	if set == nil || set.MeasureReport == nil {
		return nil, errors.New("fhirmap: no window to reconcile")
	}
	codes := deviceCodes
	if set.Window.Kind == rules.CalendarMonth {
		codes = timeCodes
	}
	newByValue := make(map[string]int, len(set.ChargeItems))
	for i, ci := range set.ChargeItems {
		newByValue[ci.Identifier.Value] = i
	}
	ifMatch := make([]string, len(set.ChargeItems))
	skip := make([]bool, len(set.ChargeItems))
	plan := &Plan{}
	var withdrawn []BundleEntry

	for _, raw := range existing {
		cr, err := w.readOwn(raw, TypeChargeItem)
		if errors.Is(err, ErrNotGenerated) {
			continue // another writer's item: a conflict for the rules, not ours to touch
		}
		if err != nil {
			return nil, err
		}
		old := cr.GetChargeItem()
		code := cptCode(old)
		if !slices.Contains(codes, code) {
			continue
		}
		own := w.ownIdentifier(old.GetIdentifier(), TypeChargeItem).Value
		if own != IdentifierValue(w.opts.Tenant, patientID, code, set.Window.Start, set.RuleSet) {
			continue // another window's item
		}
		status := old.GetStatus().GetValue()
		ref := TypeChargeItem + "/" + old.GetId().GetValue()
		if i, ok := newByValue[own]; ok {
			if status == cpb.ChargeItemStatusCode_BILLED {
				skip[i] = true
				if nu := set.ChargeItems[i]; !sameCharge(old, nu) {
					plan.Findings = append(plan.Findings, rules.Finding{Code: "billed-item-differs", Ref: ref,
						Message: fmt.Sprintf("%s is already billed; the new evaluation differs (%s units, status %s) and the billed item was not changed.",
							code, nu.units, nu.status)})
				}
				continue
			}
			ifMatch[i] = old.GetMeta().GetVersionId().GetValue()
			continue
		}
		switch status {
		case cpb.ChargeItemStatusCode_ENTERED_IN_ERROR:
			continue
		case cpb.ChargeItemStatusCode_BILLED:
			plan.Findings = append(plan.Findings, rules.Finding{Code: "billed-item-unsupported", Ref: ref,
				Message: fmt.Sprintf("%s is already billed but the new evaluation no longer supports it; the billed item was not changed.", code)})
			continue
		}
		r, err := w.EnteredInError(raw, now)
		if err != nil {
			return nil, err
		}
		withdrawn = append(withdrawn, BundleEntry{Resource: r})
	}

	plan.Entries = append(plan.Entries, BundleEntry{Resource: set.MeasureReport})
	for i, ci := range set.ChargeItems {
		if !skip[i] {
			plan.Entries = append(plan.Entries, BundleEntry{Resource: ci, IfMatch: ifMatch[i]})
		}
	}
	plan.Entries = append(plan.Entries, withdrawn...)
	if set.Task != nil {
		plan.Entries = append(plan.Entries, BundleEntry{Resource: set.Task})
	}
	return plan, nil
}

// cptCode returns the item's CPT code, "" if it has none.
func cptCode(ci *cipb.ChargeItem) string {
	for _, c := range ci.GetCode().GetCoding() {
		if c.GetSystem().GetValue() == SystemCPT {
			return c.GetCode().GetValue()
		}
	}
	return ""
}

// sameCharge says whether a billed item already says what the new one says.
func sameCharge(billed *cipb.ChargeItem, nu *WriteResource) bool {
	return billed.GetQuantity().GetValue().GetValue() == nu.units && nu.status == "billable"
}
