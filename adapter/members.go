package adapter

import (
	"net/url"
	"strings"

	"github.com/rpm-adapter/rpm-adapter/fhirmap"
)

// NotEvaluatedForeignMember is the NotEvaluated reason of a Group member
// whose absolute reference points outside the configured FHIR base.
const NotEvaluatedForeignMember = "the Group member is a reference outside the FHIR base"

// GroupPopulation is the population of g as a Source's Patients lists it:
// the ids of members given as relative references or as absolute ones under
// base, and, in their place and order, the absolute reference of every other
// member. Such a member names a patient of another server who merely shares
// the id with one of ours: it must be reported, not evaluated as the local
// patient (issue 11, point 6). A nil base (an NDJSON export, which has none)
// makes every absolute reference foreign. Every Source builds its Group
// populations with it, so that the Runner and the Service recognise the
// foreign members (ForeignMember).
func GroupPopulation(g *fhirmap.Group, base *url.URL) []string {
	out := make([]string, len(g.Members))
	for i, id := range g.Members {
		out[i] = id
		if i < len(g.MemberBases) && g.MemberBases[i] != "" && !sameBase(g.MemberBases[i], base) {
			out[i] = g.MemberBases[i] + "Patient/" + id
		}
	}
	return out
}

// sameBase says whether the service base of a reference ("https://h/fhir/")
// is base: the same scheme, host, port and path.
func sameBase(refBase string, base *url.URL) bool {
	if base == nil {
		return false
	}
	u, err := url.Parse(refBase)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Scheme, base.Scheme) && strings.EqualFold(u.Hostname(), base.Hostname()) &&
		port(u) == port(base) && strings.TrimSuffix(u.Path, "/") == strings.TrimSuffix(base.Path, "/")
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

// ForeignMember says whether a population entry is a foreign member's
// absolute reference (see GroupPopulation) rather than a patient id: ids
// never hold a colon. The Runner and the Service answer such an entry
// without loading it; a Source refuses to load one.
func ForeignMember(id string) bool {
	return strings.Contains(id, "://")
}

// foreignOutcome is the row of a foreign member: reported, never loaded,
// evaluated or written.
func foreignOutcome(ref string) *Outcome {
	return &Outcome{PatientID: ref, NotEvaluated: NotEvaluatedForeignMember}
}
