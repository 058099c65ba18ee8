package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

// Error codes: the small set of failures the API distinguishes. Each maps to
// one HTTP status and one FHIR issue type (see codeTable).
const (
	EINVALID      = "invalid"       // 400: bad parameters or body
	EUNAUTHORIZED = "unauthorized"  // 401: no or unknown bearer token
	EFORBIDDEN    = "forbidden"     // 403: token may not do this
	ENOTFOUND     = "not_found"     // 404: unknown patient, group, job or route
	ENOTALLOWED   = "not_allowed"   // 405: method not allowed on the route
	ETOOLARGE     = "too_large"     // 413: body over the limit
	EMEDIATYPE    = "media_type"    // 415: body not FHIR JSON
	EBUSINESS     = "business_rule" // 422: a business rule refuses the request
	EMISDIRECTED  = "misdirected"   // 421: a Host name this server does not answer for
	ETOOMANY      = "too_many"      // 429: job capacity full
	EINTERNAL     = "internal"      // 500: a bug; no detail leaves the process
	EUPSTREAM     = "upstream"      // 502: the FHIR server failed
	EUNAVAILABLE  = "unavailable"   // 503: the FHIR server is unavailable
	EBUSY         = "busy"          // 503: too many evaluations in flight
	ETIMEOUT      = "timeout"       // 504: the FHIR server or our budget timed out
)

// codeInfo is what a code becomes at the HTTP edge.
type codeInfo struct {
	status     int
	issue      string // OperationOutcome.issue.code (R4 issue-type)
	message    string // default text when the error carries none
	retryAfter string // Retry-After seconds, for the codes a client should retry
}

var codeTable = map[string]codeInfo{
	EINVALID:      {http.StatusBadRequest, "invalid", "the request is invalid", ""},
	EUNAUTHORIZED: {http.StatusUnauthorized, "login", "a valid bearer token is required", ""},
	EFORBIDDEN:    {http.StatusForbidden, "forbidden", "the token does not allow this request", ""},
	ENOTFOUND:     {http.StatusNotFound, "not-found", "not found", ""},
	ENOTALLOWED:   {http.StatusMethodNotAllowed, "not-supported", "method not allowed", ""},
	ETOOLARGE:     {http.StatusRequestEntityTooLarge, "too-long", "the request body is too large", ""},
	EMEDIATYPE:    {http.StatusUnsupportedMediaType, "not-supported", "the body must be application/fhir+json", ""},
	ENOTACCEPT:    {http.StatusNotAcceptable, "not-supported", "only application/fhir+json can be produced", ""},
	EBUSINESS:     {http.StatusUnprocessableEntity, "business-rule", "the request was refused", ""},
	EMISDIRECTED:  {http.StatusMisdirectedRequest, "security", "this server does not answer for that Host name", ""},
	ETOOMANY:      {http.StatusTooManyRequests, "throttled", "too many jobs are running; retry later", "30"},
	EINTERNAL:     {http.StatusInternalServerError, "exception", "internal error", ""},
	EUPSTREAM:     {http.StatusBadGateway, "exception", "the FHIR server failed", ""},
	EUNAVAILABLE:  {http.StatusServiceUnavailable, "transient", "the FHIR server is unavailable", "30"},
	EBUSY:         {http.StatusServiceUnavailable, "throttled", "too many evaluations are in flight; retry later", "2"},
	ETIMEOUT:      {http.StatusGatewayTimeout, "timeout", "the FHIR server did not answer in time", ""},
}

// Error is a failure the API knows how to describe. Message is safe to show
// the client; Err, when set, is the cause, which is logged for 5xx and
// never shown.
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("api %s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("api %s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a client-facing message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode classifies any error. Errors of the service are classified by
// what they wrap: the adapter's ErrNotFound, then fhirclient's kinds; the
// rest is internal.
func ErrorCode(err error) string {
	var e *Error
	var fe *fhirclient.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	case errors.Is(err, adapter.ErrNotFound):
		return ENOTFOUND
	case errors.Is(err, adapter.ErrWriteDisabled):
		return EBUSINESS
	case errors.Is(err, fhirclient.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return ETIMEOUT
	case errors.Is(err, fhirclient.ErrUnavailable):
		return EUNAVAILABLE
	case errors.As(err, &fe):
		return EUPSTREAM
	}
	return EINTERNAL
}

// ErrorMessage is the client-facing text of err: the message of an *Error,
// a sentence naming the failed upstream interaction (method, resource type
// and status, which carry no patient data), or the code's default text.
// Never the text of an internal error.
func ErrorMessage(err error) string {
	code := ErrorCode(err)
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	msg := codeTable[code].message
	var fe *fhirclient.Error
	if code != EINTERNAL && errors.As(err, &fe) {
		msg += " (" + fe.Method + " " + fe.Resource
		if fe.Status != 0 {
			msg += fmt.Sprintf(": %d", fe.Status)
		}
		msg += ")"
	}
	if errors.Is(err, adapter.ErrWriteDisabled) {
		msg = "writing the results back is refused: this service has nowhere to write"
	}
	if code == ENOTFOUND && errors.Is(err, adapter.ErrNotFound) {
		msg = "the patient or group is not known to the FHIR source"
	}
	return msg
}
