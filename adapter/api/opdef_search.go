package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dtpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	cspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/capability_statement_go_proto"
	vspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/valuesets_go_proto"
)

// GET /fhir/OperationDefinition?url=… : clients that meet a canonical
// (the CapabilityStatement's operation.definition) look it up by url, as
// on any FHIR server. The search parameters are those of R4's
// OperationDefinition: url (uri, with an optional |version), code (token)
// and _id; the standard parameters (_format, _pretty, _summary,
// _elements) are handled or ignored as everywhere; any other is refused
// (400), since ignoring it would answer more than was asked.

// opDefSearchParams are the search parameters the CapabilityStatement lists.
var opDefSearchParams = []struct {
	name string
	typ  cpb.SearchParamTypeCode_Value
	def  string
	doc  string
}{
	{"url", cpb.SearchParamTypeCode_URI, "http://hl7.org/fhir/SearchParameter/conformance-url",
		"The canonical URL, exactly; url|version also matches the version."},
	{"code", cpb.SearchParamTypeCode_TOKEN, "http://hl7.org/fhir/SearchParameter/OperationDefinition-code",
		"The operation's code (rpm-eligibility, rpm-eligibility-write, rpm-billing-export)."},
}

// opDefResource is the CapabilityStatement's entry for OperationDefinition.
func opDefResource() *cspb.CapabilityStatement_Rest_Resource {
	r := &cspb.CapabilityStatement_Rest_Resource{
		Type: &cspb.CapabilityStatement_Rest_Resource_TypeCode{Value: cpb.ResourceTypeCode_OPERATION_DEFINITION},
	}
	for _, code := range []vspb.TypeRestfulInteractionValueSet_Value{
		vspb.TypeRestfulInteractionValueSet_READ, vspb.TypeRestfulInteractionValueSet_SEARCH_TYPE} {
		r.Interaction = append(r.Interaction, &cspb.CapabilityStatement_Rest_Resource_ResourceInteraction{
			Code: &cspb.CapabilityStatement_Rest_Resource_ResourceInteraction_CodeType{Value: code}})
	}
	for _, p := range opDefSearchParams {
		r.SearchParam = append(r.SearchParam, &cspb.CapabilityStatement_Rest_Resource_SearchParam{
			Name:          fstr(p.name),
			Definition:    &dtpb.Canonical{Value: p.def},
			Type:          &cspb.CapabilityStatement_Rest_Resource_SearchParam_TypeCode{Value: p.typ},
			Documentation: &dtpb.Markdown{Value: p.doc},
		})
	}
	return r
}

// restSecurity says how to authenticate, when tokens are configured.
func restSecurity(cfg Config) *cspb.CapabilityStatement_Rest_Security {
	if len(cfg.Tokens) == 0 {
		return nil
	}
	billing := ""
	if cfg.Billing != nil {
		billing = "$rpm-billing-export, "
	}
	return &cspb.CapabilityStatement_Rest_Security{
		Cors: fbool(false),
		Service: []*dtpb.CodeableConcept{{Text: fstr(
			"Static bearer tokens (RFC 6750 Authorization: Bearer header), issued by the operator")}},
		Description: &dtpb.Markdown{Value: "Send the token in an `Authorization: Bearer` header with every operation and job " +
			"status request; 401 without a valid token. A token has the role read or write: " +
			"$rpm-eligibility-write, " + billing + "and cancelling a job that writes, need the write role (403 otherwise). " +
			"Tokens are configured by the operator of the service; there is no token endpoint. " +
			"/fhir/metadata and the definitions need no token. No CORS: browsers' cross-origin requests are refused."},
	}
}

// searchOperationDefinitions answers GET /fhir/OperationDefinition?… with a
// searchset Bundle.
func (s *Server) searchOperationDefinitions(c *gin.Context) {
	q, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		writeError(c, Errorf(EINVALID, "the query string is malformed"))
		return
	}
	var filters []func(d opDef) bool
	for name, vals := range q {
		if standardParams[name] {
			continue
		}
		for _, v := range vals {
			alts := strings.Split(v, ",") // a comma is OR within one parameter
			switch name {
			case "url":
				filters = append(filters, func(d opDef) bool { return anyOf(alts, func(a string) bool { return urlMatches(d, a) }) })
			case "code":
				filters = append(filters, func(d opDef) bool {
					return anyOf(alts, func(a string) bool { _, code := cutToken(a); return code == d.code })
				})
			case "_id":
				filters = append(filters, func(d opDef) bool { return anyOf(alts, func(a string) bool { return a == d.id }) })
			default:
				writeError(c, Errorf(EINVALID, "OperationDefinition search: unsupported parameter %q (url, code and _id are)", name))
				return
			}
		}
	}
	var ids []string
	bodies := map[string][]byte{}
	for id, d := range s.opDefs {
		ok := true
		for _, f := range filters {
			ok = ok && f(d)
		}
		if ok {
			ids = append(ids, id)
			bodies[id] = d.body
		}
	}
	sort.Strings(ids)
	body, err := s.searchset(c, "OperationDefinition", ids, bodies)
	if err != nil {
		writeError(c, err)
		return
	}
	writeFHIR(c, http.StatusOK, body)
}

// urlMatches matches a url parameter: the canonical, or canonical|version.
func urlMatches(d opDef, v string) bool {
	u, version, versioned := strings.Cut(v, "|")
	if u != d.url {
		return false
	}
	return !versioned || version == d.version
}

// cutToken splits a token search value system|code; a bare code has no system.
func cutToken(v string) (string, string) {
	if sys, code, ok := strings.Cut(v, "|"); ok {
		return sys, code
	}
	return "", v
}

func anyOf(vals []string, f func(string) bool) bool {
	for _, v := range vals {
		if f(v) {
			return true
		}
	}
	return false
}

// searchset is a Bundle of type searchset with the resources of ids, each
// at its URL on this server (a urn:uuid when the server knows no base).
func (s *Server) searchset(c *gin.Context, typ string, ids []string, bodies map[string][]byte) ([]byte, error) {
	type entry struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
		Search   struct {
			Mode string `json:"mode"`
		} `json:"search"`
	}
	type link struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	}
	b := struct {
		ResourceType string  `json:"resourceType"`
		Type         string  `json:"type"`
		Timestamp    string  `json:"timestamp"`
		Total        int     `json:"total"`
		Link         []link  `json:"link"`
		Entry        []entry `json:"entry,omitempty"`
	}{ResourceType: "Bundle", Type: "searchset", Timestamp: s.cfg.Now().UTC().Format("2006-01-02T15:04:05Z07:00"),
		Total: len(ids)}
	base := s.baseURL()
	self := c.Request.URL.Path
	if c.Request.URL.RawQuery != "" {
		self += "?" + c.Request.URL.RawQuery
	}
	if base != "" {
		self = base + self
	}
	b.Link = []link{{"self", self}}
	for _, id := range ids {
		e := entry{Resource: bodies[id]}
		e.Search.Mode = "match"
		if base != "" {
			e.FullURL = base + "/fhir/" + typ + "/" + id
		} else {
			e.FullURL = nameURN(typ + "/" + id)
		}
		b.Entry = append(b.Entry, e)
	}
	return json.Marshal(b)
}
