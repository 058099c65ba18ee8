package fhirclient

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Kinds of failure, for errors.Is. An *Error matches at most one of them and
// also matches the cause it wraps (e.g. context.Canceled).
var (
	ErrNotFound    = errors.New("fhirclient: not found")                     // 404, 410
	ErrAuth        = errors.New("fhirclient: not authorised")                // 401, 403, token endpoint refusal
	ErrConflict    = errors.New("fhirclient: version conflict")              // 409, 412: re-read and retry (§3)
	ErrUnavailable = errors.New("fhirclient: upstream unavailable")          // 429, 5xx, connection failures
	ErrTimeout     = errors.New("fhirclient: timeout")                       // 408, 504, attempt or context deadline
	ErrOrigin      = errors.New("fhirclient: refused foreign origin")        // paging link or redirect to another origin
	ErrProtocol    = errors.New("fhirclient: unusable response from server") // page not a Bundle, repeated link, too many pages
)

// Error is a failed FHIR interaction. Its text holds the method, the resource
// type (never an id or a query), the status and the OperationOutcome issue
// codes, which is what an operator needs and no more.
//
// The server's diagnostics and details.text never enter it: servers echo
// ids, search values and whole resources into them (HAPI's HAPI-1882 quotes
// the bad value; a failing upstream was seen returning a name, a birth date
// and an SSN), and this error reaches logs, the CLI's table and API answers.
type Error struct {
	Status   int      // HTTP status; 0 when no response was received
	Method   string   // e.g. "GET"
	Resource string   // resource type or operation, e.g. "Observation", "transaction"
	Issues   []string // OperationOutcome issues as "severity code", never their text
	Err      error    // transport or token cause, stripped of URLs
	kind     error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("fhirclient: ")
	b.WriteString(e.Method)
	b.WriteString(" ")
	b.WriteString(e.Resource)
	if e.Status != 0 {
		b.WriteString(": ")
		b.WriteString(strconv.Itoa(e.Status))
		if t := http.StatusText(e.Status); t != "" {
			b.WriteString(" " + t)
		}
	}
	if len(e.Issues) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Issues, "; "))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap exposes both the kind sentinel and the cause to errors.Is/As.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.kind != nil {
		errs = append(errs, e.kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// kindErr gives a message a kind for errors.Is without repeating the
// kind's own text in it.
type kindErr struct {
	kind  error
	msg   string
	cause error
}

func newKindErr(kind error, msg string, cause error) error {
	return &kindErr{kind: kind, msg: msg, cause: cause}
}

func (e *kindErr) Error() string { return e.msg }

func (e *kindErr) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

func statusKind(status int) error {
	switch {
	case status == http.StatusNotFound || status == http.StatusGone:
		return ErrNotFound
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ErrAuth
	case status == http.StatusConflict || status == http.StatusPreconditionFailed:
		return ErrConflict
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return ErrTimeout
	case status == http.StatusTooManyRequests || status >= 500:
		return ErrUnavailable
	}
	return nil
}

// statusError builds the error for a response with status >= 400.
func statusError(method, resource string, status int, body []byte) *Error {
	return &Error{Status: status, Method: method, Resource: resource,
		Issues: outcomeIssues(body), kind: statusKind(status)}
}

// transportError builds the error for a request that got no usable response.
// *url.Error is unwrapped because its text carries the full URL, query
// string included, and search parameters are PHI.
func transportError(method, resource string, err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	e := &Error{Method: method, Resource: resource, Err: err}
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, ErrAuth), errors.Is(err, ErrUnavailable),
		errors.Is(err, ErrOrigin), errors.Is(err, errBodyTooLarge):
		// The cause already says what it is.
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		e.kind = ErrTimeout
	default:
		e.kind = ErrUnavailable
	}
	return e
}

// maxIssues bounds the issues an OperationOutcome may add to an error.
const maxIssues = 5

// issueCodeRe is the shape of the FHIR issue-severity and issue-type codes
// (R4 value sets: "error", "not-found", "business-rule"). A value of any
// other shape is replaced, as it could be free text.
var issueCodeRe = regexp.MustCompile(`^[a-z][a-z-]{0,31}$`)

// outcomeIssues returns the severity and code of each issue of an
// OperationOutcome body, or nil when the body is not one (an HTML error page
// from a proxy, for instance). Diagnostics, details.text and expression are
// not read at all: they are free text that may hold patient data.
func outcomeIssues(body []byte) []string {
	var oo struct {
		ResourceType string `json:"resourceType"`
		Issue        []struct {
			Severity string `json:"severity"`
			Code     string `json:"code"`
		} `json:"issue"`
	}
	if json.Unmarshal(body, &oo) != nil || oo.ResourceType != "OperationOutcome" {
		return nil
	}
	var out []string
	for i, is := range oo.Issue {
		if i == maxIssues {
			out = append(out, "…")
			break
		}
		out = append(out, safeCode(is.Severity)+" "+safeCode(is.Code))
	}
	return out
}

func safeCode(s string) string {
	if issueCodeRe.MatchString(s) {
		return s
	}
	return "?"
}
