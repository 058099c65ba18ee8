package fhirmap

// Group is a Group reduced to its patient members, for population runs.
type Group struct {
	ID string `json:"id"`
	// Members are the Patient ids of the active members, in order. Members
	// marked inactive are left out: FHIR says they are no longer in the
	// group. Members that are not Patients are reported and left out.
	Members []string `json:"members"`
	// MemberBases is parallel to Members: the service base of a member
	// given as an absolute reference ("https://h/fhir/" of
	// "https://h/fhir/Patient/p2"), "" for a relative one. An absolute
	// reference to another server names another person who merely shares
	// the id; only the caller knows which base is its own.
	MemberBases []string `json:"memberBases,omitempty"`
}

// ResourceType implements Resource.
func (*Group) ResourceType() string { return "Group" }

// ResourceID implements Resource.
func (g *Group) ResourceID() string { return g.ID }

// group decodes the Group at the current position.
func (d *decoder) group() Resource {
	const T = "Group"
	s := &d.s
	from := len(d.issues)
	g := &Group{Members: []string{}}
	idSeen := false
	s.begin('{')
	for first := true; s.next('}', &first); {
		switch string(s.key()) {
		case "id":
			idSeen = true
			g.ID = d.id(T + ".id")
		case "member":
			d.array(T+".member", SeverityWarning, func(int) {
				id, base, inactive := "", "", false
				d.object(T+".member", SeverityWarning, func(k []byte) {
					switch string(k) {
					case "entity":
						id = d.patientRef(T+".member.entity", SeverityWarning)
						base = string(d.refBase)
					case "inactive":
						v, ok := s.boolValue()
						if !ok && s.err == "" {
							d.issue(T+".member.inactive", CodeInvalidType, SeverityWarning, "member.inactive is not a boolean.")
						}
						inactive = v
					default:
						s.skip()
					}
				})
				if id != "" && !inactive {
					g.Members = append(g.Members, id)
					g.MemberBases = append(g.MemberBases, base)
				}
			})
		default:
			s.skip()
		}
	}
	if s.err != "" {
		return nil
	}
	if !d.finish(from, T, g.ID, idSeen) {
		return nil
	}
	return g
}
