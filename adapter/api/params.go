package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rpm-adapter/rpm-adapter/adapter"
	"github.com/rpm-adapter/rpm-adapter/rules"
)

// fhirID is the syntax of a FHIR id (R4 datatypes: id). Anything else in an
// id position is refused before it reaches the FHIR server.
var fhirID = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// validID is a FHIR id that is not made of dots only: ".", ".." and "..."
// match the R4 regex, but a URL resolver turns Patient/.. into the server's
// base (issue 11, point 5).
func validID(id string) bool {
	return fhirID.MatchString(id) && strings.Trim(id, ".") != ""
}

// evalParams are the operation's inputs (OperationDefinition parameters).
type evalParams struct {
	job   adapter.Job
	write bool
}

// opParams are the parameters of $rpm-eligibility and the value[x] types a
// Parameters body may give each, as the OperationDefinitions declare them
// (opdef.go): "month" is a string, and may be a valueDate too, since YYYY-MM
// is a FHIR date of month precision.
var opParams = map[string][]string{
	"month":      {"valueString", "valueDate"},
	"date":       {"valueDate"},
	"enrollment": {"valueDate"},
	"write":      {"valueBoolean"}, // read only to point to $rpm-eligibility-write
}

// readParams reads the parameters from the query string and, for POST, a
// Parameters body. A parameter may be given once, in one of the two.
// Neither month nor date means today in loc (fhir-mapping.md §5).
func readParams(c *gin.Context, today rules.Date) (evalParams, error) {
	var p evalParams
	raw := map[string]string{}
	q, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		return p, Errorf(EINVALID, "the query string is malformed")
	}
	for name, vals := range q {
		if standardParams[name] {
			continue // negotiate has handled _format and _pretty
		}
		if _, ok := opParams[name]; !ok {
			return p, Errorf(EINVALID, "unknown parameter %q", name)
		}
		if len(vals) != 1 {
			return p, Errorf(EINVALID, "parameter %q is given more than once", name)
		}
		if vals[0] == "" {
			return p, Errorf(EINVALID, "parameter %q is empty", name)
		}
		raw[name] = vals[0]
	}
	if c.Request.Method == http.MethodPost {
		if err := postContentType(c); err != nil {
			return p, err
		}
		if err := readBody(c, raw); err != nil {
			return p, err
		}
	}
	// The write parameter is gone (issue 16): $rpm-eligibility never
	// writes, so that it may be served by GET and declare affectsState
	// false, and $rpm-eligibility-write always does.
	if _, ok := raw["write"]; ok {
		if c.GetBool(ctxWriteOp) {
			return p, Errorf(EINVALID, "$rpm-eligibility-write always writes the results back: leave out the write parameter")
		}
		return p, Errorf(EINVALID, "$rpm-eligibility has no write parameter and never writes: "+
			"POST $rpm-eligibility-write to write the results back")
	}
	p.write = c.GetBool(ctxWriteOp)
	if raw["month"] == "" && raw["date"] == "" {
		raw["date"] = today.String()
	}
	p.job, err = adapter.ParseJob(raw["month"], raw["date"], raw["enrollment"])
	if err != nil {
		return p, &Error{Code: EINVALID, Message: err.Error()}
	}
	return p, nil
}

// postContentType refuses a POST whose Content-Type is not FHIR JSON, even
// with an empty body (415): text/plain, form encodings and no type at all
// are what a web page may send cross-site without a CORS preflight, and a
// JSON type is not (issue 11, point 1).
func postContentType(c *gin.Context) error {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || (mt != "application/fhir+json" && mt != "application/json") {
		return Errorf(EMEDIATYPE, "a POST must have Content-Type application/fhir+json (or application/json), even with no body")
	}
	return nil
}

// readBody adds the parameters of a Parameters body to raw; postContentType
// has checked that it is FHIR JSON.
func readBody(c *gin.Context, raw map[string]string) error {
	parameters, err := parametersBody(c)
	if err != nil {
		return err
	}
	for _, prm := range parameters {
		name, val, err := parameterValue(prm)
		if err != nil {
			return err
		}
		if _, dup := raw[name]; dup {
			return Errorf(EINVALID, "parameter %q is given more than once", name)
		}
		raw[name] = val
	}
	return nil
}

// parametersBody reads a request's Parameters body (FHIR JSON, checked by
// postContentType) and gives its parameter entries; none for an empty body.
func parametersBody(c *gin.Context) ([]map[string]json.RawMessage, error) {
	if c.Request.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(c.Request.Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, Errorf(ETOOLARGE, "the request body is larger than %d bytes", tooLarge.Limit)
	case err != nil:
		return nil, Errorf(EINVALID, "the request body could not be read")
	case len(bytes.TrimSpace(body)) == 0:
		return nil, nil
	}
	var params struct {
		ResourceType string                       `json:"resourceType"`
		Parameter    []map[string]json.RawMessage `json:"parameter"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&params); err != nil || dec.More() {
		return nil, Errorf(EINVALID, "the body is not valid JSON")
	}
	if params.ResourceType != "Parameters" {
		return nil, Errorf(EINVALID, "the body must be a Parameters resource")
	}
	return params.Parameter, nil
}

// parameterValue reads one Parameters.parameter: a known name and exactly
// one value[x] of a type allowed for it, as its string form.
func parameterValue(prm map[string]json.RawMessage) (string, string, error) {
	var name string
	if json.Unmarshal(prm["name"], &name) != nil || name == "" {
		return "", "", Errorf(EINVALID, "a parameter has no name")
	}
	allowed, ok := opParams[name]
	if !ok {
		return "", "", Errorf(EINVALID, "unknown parameter %q", name)
	}
	var key string
	for k := range prm {
		if strings.HasPrefix(k, "value") || k == "resource" || k == "part" {
			if key != "" {
				return "", "", Errorf(EINVALID, "parameter %q has more than one value", name)
			}
			key = k
		}
	}
	for _, a := range allowed {
		if key != a {
			continue
		}
		if a == "valueBoolean" {
			var b bool
			if json.Unmarshal(prm[key], &b) != nil {
				return "", "", Errorf(EINVALID, "parameter %q must be a boolean", name)
			}
			return name, map[bool]string{true: "true", false: "false"}[b], nil
		}
		var s string
		if json.Unmarshal(prm[key], &s) != nil || s == "" {
			return "", "", Errorf(EINVALID, "parameter %q must be a non-empty %s", name, key)
		}
		return name, s, nil
	}
	return "", "", Errorf(EINVALID, "parameter %q must have one of %s", name, strings.Join(allowed, ", "))
}

// today is the local date in loc at now.
func today(now time.Time, loc *time.Location) rules.Date { return rules.LocalDate(now, loc) }
