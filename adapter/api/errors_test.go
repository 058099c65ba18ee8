package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

func TestErrorCodeClassifiesServiceErrors(t *testing.T) {
	tests := map[string]struct {
		err  error
		code string
	}{
		"an api error keeps its code":        {fmt.Errorf("x: %w", Errorf(EBUSINESS, "no")), EBUSINESS},
		"adapter not found":                  {fmt.Errorf("load: %w", adapter.ErrNotFound), ENOTFOUND},
		"fhirclient timeout":                 {&fhirclient.Error{Err: fhirclient.ErrTimeout}, ETIMEOUT},
		"context deadline":                   {fmt.Errorf("x: %w", context.DeadlineExceeded), ETIMEOUT},
		"fhirclient unavailable":             {&fhirclient.Error{Status: 429, Err: fhirclient.ErrUnavailable}, EUNAVAILABLE},
		"fhirclient other":                   {&fhirclient.Error{Status: 422}, EUPSTREAM},
		"fhirclient not found is upstream's": {&fhirclient.Error{Status: 404, Err: fhirclient.ErrNotFound}, EUPSTREAM},
		"anything else":                      {errors.New("boom"), EINTERNAL},
		"cancelled":                          {context.Canceled, EINTERNAL},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tt.code, ErrorCode(tt.err))
		})
	}
	assert.Equal(t, "", ErrorCode(nil))
}

func TestErrorMessageNeverShowsInternalText(t *testing.T) {
	assert.Equal(t, "internal error", ErrorMessage(errors.New("pq: password hunter2")))
	assert.Equal(t, "the FHIR server failed (POST transaction: 400)",
		ErrorMessage(&fhirclient.Error{Status: 400, Method: "POST", Resource: "transaction",
			Issues: []string{"error invalid: Patient/123 name Peter"}}))
	assert.Equal(t, "the FHIR server is unavailable (GET Observation)",
		ErrorMessage(&fhirclient.Error{Method: "GET", Resource: "Observation", Err: fhirclient.ErrUnavailable}))
	assert.Equal(t, "why", ErrorMessage(&Error{Code: EINVALID, Message: "why", Err: errors.New("cause")}))
}

// writeError is the one door out: every code becomes its status and issue
// type, and an unknown code is a 500.
func TestWriteErrorMapsEveryCode(t *testing.T) {
	want := map[string]struct {
		status int
		issue  string
	}{
		EINVALID: {400, "invalid"}, EUNAUTHORIZED: {401, "login"}, EFORBIDDEN: {403, "forbidden"},
		ENOTFOUND: {404, "not-found"}, ENOTALLOWED: {405, "not-supported"}, ETOOLARGE: {413, "too-long"},
		EMEDIATYPE: {415, "not-supported"}, EBUSINESS: {422, "business-rule"}, ETOOMANY: {429, "throttled"},
		EINTERNAL: {500, "exception"}, EUPSTREAM: {502, "exception"}, EUNAVAILABLE: {503, "transient"},
		ETIMEOUT: {504, "timeout"}, EMISDIRECTED: {421, "security"}, EBUSY: {503, "throttled"},
		ENOTACCEPT:     {406, "not-supported"},
		"no-such-code": {500, "exception"},
	}
	require.Len(t, codeTable, len(want)-1)
	for code, w := range want {
		t.Run(code, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(rec)
			c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
			writeError(c, &Error{Code: code, Message: "m"})
			assert.Equal(t, w.status, rec.Code)
			oo := outcomeOf(t, rec)
			assert.Equal(t, w.issue, oo.Issue[0].Code)
			assert.Equal(t, "error", oo.Issue[0].Severity)
			assert.True(t, c.IsAborted())
			if w.status == 429 || w.status == 503 {
				assert.NotEmpty(t, rec.Header().Get("Retry-After"))
			}
			if w.status == 401 {
				assert.Equal(t, `Bearer realm="rpm-adapter"`, rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
}
