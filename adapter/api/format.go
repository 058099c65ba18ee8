package api

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// Content negotiation and the standard parameters of R4 http.html: the API
// writes FHIR JSON only, so an Accept or a _format that rules JSON out gets
// 406 with an OperationOutcome, on every /fhir route (metadata included);
// _format names JSON or is refused, and overrides Accept as the
// specification says; _pretty=true indents the answer; _summary and
// _elements are accepted and ignored (the answers are not subsetted, so no
// SUBSETTED tag is owed). /healthz, /readyz and /metrics are not FHIR
// endpoints and keep answering probes and scrapers whatever they accept.

// ENOTACCEPT is the code of a format the service cannot produce.
const ENOTACCEPT = "not_acceptable" // 406

// ctxPretty marks a request that asked for _pretty=true.
const ctxPretty = "rpm.pretty"

// standardParams are the parameters every FHIR interaction may carry and
// which the operations therefore never refuse as unknown (see readParams).
var standardParams = map[string]bool{"_format": true, "_pretty": true, "_summary": true, "_elements": true}

// negotiate refuses, with 406, a /fhir request that accepts no FHIR JSON,
// and notes _pretty.
func negotiate(c *gin.Context) {
	p := c.Request.URL.Path
	if p != "/fhir" && !strings.HasPrefix(p, "/fhir/") {
		c.Next()
		return
	}
	q, _ := url.ParseQuery(c.Request.URL.RawQuery) // malformed: readParams says so
	if v := q["_pretty"]; len(v) > 0 && v[len(v)-1] == "true" {
		c.Set(ctxPretty, true)
	}
	if f, ok := q["_format"]; ok {
		if !jsonFormat(f) {
			writeError(c, Errorf(ENOTACCEPT, "_format: only FHIR JSON can be produced (json, application/fhir+json)"))
			return
		}
	} else if !acceptsJSON(c.Request.Header.Values("Accept")) {
		writeError(c, Errorf(ENOTACCEPT, "Accept: only application/fhir+json can be produced"))
		return
	}
	c.Next()
}

// jsonFormat says whether every _format value names FHIR JSON.
func jsonFormat(vals []string) bool {
	if len(vals) == 0 {
		return false
	}
	for _, v := range vals {
		switch strings.ToLower(strings.TrimSpace(v)) {
		// "+" in a query string decodes to a space.
		case "json", "application/json", "application/fhir+json", "application/fhir json",
			"application/json+fhir", "application/json fhir":
		default:
			if !jsonMediaRange(v, false) {
				return false
			}
		}
	}
	return true
}

// acceptsJSON says whether the Accept headers allow FHIR JSON: no header,
// or a media range with q > 0 that matches application/fhir+json (or the
// plain and the older JSON types, or a wildcard). A header that cannot be
// read is taken as no header.
func acceptsJSON(headers []string) bool {
	seen := false
	for _, h := range headers {
		for r := range strings.SplitSeq(h, ",") {
			if strings.TrimSpace(r) == "" {
				continue
			}
			seen = true
			if jsonMediaRange(r, true) {
				return true
			}
		}
	}
	return !seen
}

// jsonMediaRange says whether one media range (with its parameters) allows
// R4 FHIR JSON; wildcards count only in an Accept header.
func jsonMediaRange(r string, wildcards bool) bool {
	mt, params, err := mime.ParseMediaType(strings.TrimSpace(r))
	if err != nil {
		// "*/*;q=0.8" parses; only nonsense gets here. A bare "*" is
		// what some clients send for */*.
		return wildcards && strings.TrimSpace(r) == "*"
	}
	if q, ok := params["q"]; ok {
		if f, err := strconv.ParseFloat(q, 64); err != nil || f <= 0 {
			return false
		}
	}
	if v, ok := params["fhirversion"]; ok && v != "4.0" && v != "4.0.1" {
		return false
	}
	switch mt {
	case "application/fhir+json", "application/json", "application/json+fhir":
		return true
	case "*/*", "application/*":
		return wildcards
	}
	return false
}

// prettyJSON indents a body for a request that asked for _pretty=true.
func prettyJSON(c *gin.Context, body []byte) []byte {
	if !c.GetBool(ctxPretty) {
		return body
	}
	var out bytes.Buffer
	if err := json.Indent(&out, body, "", "  "); err != nil {
		return body
	}
	return out.Bytes()
}
