package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// POST /fhir/$rpm-billing-export is the billing hand-off (fhir-mapping.md
// §9, issue 15): one export batch of the store's code lines, answered as the
// file.

// BillingRequest is one export: the month (YYYY-MM) and the format (csv or
// hl7v2), and who asked (the token's label, recorded with the batch).
type BillingRequest struct {
	Month, Format, RequestedBy string
}

// BillingBatch is an export batch as written.
type BillingBatch struct {
	ID        int64
	MediaType string
	Body      []byte
}

// BillingExporter makes export batches (adapter/billing over the store,
// wired by the command); nil Config.Billing answers 404.
type BillingExporter interface {
	ExportBilling(ctx context.Context, req BillingRequest) (*BillingBatch, error)
}

// billingParams are the operation's parameters and the value[x] types a
// Parameters body may give each.
var billingParams = map[string][]string{
	"month":  {"valueDate", "valueString"},
	"format": {"valueCode", "valueString"},
}

// billingExport answers POST /fhir/$rpm-billing-export with the batch's
// file: text/csv or application/hl7-v2, and X-Export-Batch its number. An
// export moves lines to exported, so it needs the write role; the POST must
// be FHIR JSON, so a web page cannot send one cross-site.
func (s *Server) billingExport(c *gin.Context) {
	if s.cfg.Billing == nil {
		writeError(c, Errorf(ENOTFOUND, "this service has no billing export"))
		return
	}
	c.Set(ctxWrite, true)
	if !s.auth.enabled() {
		writeError(c, Errorf(EFORBIDDEN, "a billing export needs a token with the write role; without API tokens the service is read-only"))
		return
	}
	if !callerOf(c).canWrite() {
		writeError(c, Errorf(EFORBIDDEN, "a billing export needs the write role"))
		return
	}
	raw := map[string]string{}
	q, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		writeError(c, Errorf(EINVALID, "the query string is malformed"))
		return
	}
	for name, vals := range q {
		if _, ok := billingParams[name]; !ok {
			writeError(c, Errorf(EINVALID, "unknown parameter %q", name))
			return
		}
		if len(vals) != 1 || vals[0] == "" {
			writeError(c, Errorf(EINVALID, "parameter %q must be given once, not empty", name))
			return
		}
		raw[name] = vals[0]
	}
	if err := postContentType(c); err != nil {
		writeError(c, err)
		return
	}
	if err := readParamsBody(c, raw, billingParams); err != nil {
		writeError(c, err)
		return
	}
	month, format := raw["month"], raw["format"]
	if t, err := time.Parse("2006-01", month); err != nil || t.Format("2006-01") != month {
		writeError(c, Errorf(EINVALID, "month must be YYYY-MM"))
		return
	}
	if format != "csv" && format != "hl7v2" {
		writeError(c, Errorf(EINVALID, "format must be csv or hl7v2"))
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
	defer cancel()
	b, err := s.cfg.Billing.ExportBilling(ctx, BillingRequest{Month: month, Format: format, RequestedBy: callerOf(c).label})
	if err != nil {
		writeError(c, &Error{Code: EINTERNAL, Message: "the export failed", Err: err})
		return
	}
	c.Header("X-Export-Batch", strconv.FormatInt(b.ID, 10))
	c.Data(http.StatusOK, b.MediaType, b.Body)
}

// readParamsBody adds the string-valued parameters of a Parameters body to
// raw, for an operation whose parameters are allowed (name → value[x]
// types). postContentType has checked that it is FHIR JSON.
func readParamsBody(c *gin.Context, raw map[string]string, allowed map[string][]string) error {
	parameters, err := parametersBody(c)
	if err != nil {
		return err
	}
	for _, prm := range parameters {
		var name string
		if json.Unmarshal(prm["name"], &name) != nil || name == "" {
			return Errorf(EINVALID, "a parameter has no name")
		}
		types, ok := allowed[name]
		if !ok {
			return Errorf(EINVALID, "unknown parameter %q", name)
		}
		if _, dup := raw[name]; dup {
			return Errorf(EINVALID, "parameter %q is given more than once", name)
		}
		var values []string
		for k := range prm {
			if k != "name" {
				values = append(values, k)
			}
		}
		var v string
		if len(values) != 1 || !slices.Contains(types, values[0]) || json.Unmarshal(prm[values[0]], &v) != nil || v == "" {
			return Errorf(EINVALID, "parameter %q must have one non-empty value of %s", name, strings.Join(types, ", "))
		}
		raw[name] = v
	}
	return nil
}
