package api

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
)

// fhirJSON is the media type of every body the API writes.
const fhirJSON = "application/fhir+json; charset=utf-8"

// maxDiagnostics caps the text of one issue: messages may quote client input.
const maxDiagnostics = 500

// issue is one OperationOutcome issue the API writes itself.
type issue struct {
	Severity    string `json:"severity"`
	Code        string `json:"code"`
	Diagnostics string `json:"diagnostics,omitempty"`
}

// operationOutcome is the JSON of an OperationOutcome with the issues.
func operationOutcome(issues ...issue) []byte {
	for i := range issues {
		issues[i].Diagnostics = truncate(issues[i].Diagnostics, maxDiagnostics)
	}
	b, err := json.Marshal(struct {
		ResourceType string  `json:"resourceType"`
		Issue        []issue `json:"issue"`
	}{"OperationOutcome", issues})
	if err != nil { // strings only: cannot happen
		panic(err)
	}
	return b
}

// information is an OperationOutcome with one informational issue.
func information(text string) []byte {
	return operationOutcome(issue{Severity: "information", Code: "informational", Diagnostics: text})
}

// writeFHIR writes a FHIR JSON body with the status.
func writeFHIR(c *gin.Context, status int, body []byte) {
	c.Data(status, fhirJSON, prettyJSON(c, body))
}

// writeError is the one place where an error becomes a response: an
// OperationOutcome with the status of the error's code. A 5xx is logged with
// the request id and its cause, which never reaches the client; a 4xx is
// not logged beyond the request line, because its text may quote input.
func writeError(c *gin.Context, err error) {
	code := ErrorCode(err)
	info, ok := codeTable[code]
	if !ok {
		code, info = EINTERNAL, codeTable[EINTERNAL]
	}
	msg := ErrorMessage(err)
	if code == EINTERNAL {
		msg = info.message + "; request id " + requestID(c)
	}
	// Throttling is the service working as meant: the access line, with
	// its code, is enough.
	if info.status >= 500 && code != EBUSY {
		if lg := loggerOf(c); lg != nil {
			lg.LogAttrs(c.Request.Context(), slog.LevelError, "request failed",
				slog.String("request_id", requestID(c)), slog.String("code", code),
				slog.String("err", err.Error()))
		}
	}
	h := c.Writer.Header()
	if info.status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		h.Set("WWW-Authenticate", `Bearer realm="rpm-adapter"`)
	}
	if info.retryAfter != "" {
		h.Set("Retry-After", info.retryAfter)
	}
	c.Set(ctxErrorCode, code)
	c.Abort()
	if c.Writer.Written() {
		return // a body is on its way already; the log line tells the rest
	}
	writeFHIR(c, info.status, operationOutcome(issue{Severity: "error", Code: info.issue, Diagnostics: msg}))
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
