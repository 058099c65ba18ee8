package fhirmap

import "time"

// Patient is a Patient reduced to its id and time zone (R-DAY-4).
type Patient struct {
	ID string `json:"id"`
	// TimeZone is the IANA name from the HL7 timezone extension, "" when the
	// Patient gives none (or only an invalid one). Location is its loaded
	// zone, nil exactly when TimeZone is "".
	TimeZone string         `json:"timeZone,omitempty"`
	Location *time.Location `json:"-"`
}

// ResourceType implements Resource.
func (*Patient) ResourceType() string { return "Patient" }

// ResourceID implements Resource.
func (p *Patient) ResourceID() string { return p.ID }

// patient decodes the Patient at the current position. R-DAY-4: the zone is
// the HL7 extension http://hl7.org/fhir/StructureDefinition/timezone
// (valueCode) on the Patient, else on its home address (address.use = home,
// else the first address). An invalid zone is reported and the next source
// is tried; nothing is guessed.
func (d *decoder) patient() Resource {
	const T = "Patient"
	s := &d.s
	from := len(d.issues)
	p := &Patient{}
	idSeen := false
	var own, home, firstAddr string
	homeSeen := false
	s.begin('{')
	for first := true; s.next('}', &first); {
		switch string(s.key()) {
		case "id":
			idSeen = true
			p.ID = d.id(T + ".id")
		case "extension":
			own = d.timeZoneExtensions(T+".extension", own)
		case "address":
			d.array(T+".address", SeverityWarning, func(i int) {
				var use []byte
				zone := ""
				d.object(T+".address", SeverityWarning, func(k []byte) {
					switch string(k) {
					case "use":
						use, _ = d.str(T+".address.use", SeverityWarning)
					case "extension":
						zone = d.timeZoneExtensions(T+".address.extension", zone)
					default:
						s.skip()
					}
				})
				if i == 0 {
					firstAddr = zone
				}
				if string(use) == "home" && !homeSeen {
					homeSeen, home = true, zone
				}
			})
		default:
			s.skip()
		}
	}
	if s.err != "" {
		return nil
	}
	switch {
	case own != "":
		p.TimeZone = own
	case homeSeen:
		p.TimeZone = home
	default:
		p.TimeZone = firstAddr
	}
	if p.TimeZone != "" {
		p.Location = d.r.location(p.TimeZone)
	}
	if !d.finish(from, T, p.ID, idSeen) {
		return nil
	}
	return p
}

// timeZoneExtensions reads an extension array and returns the first valid
// zone of a timezone extension, or have when it is already set.
func (d *decoder) timeZoneExtensions(path, have string) string {
	d.array(path, SeverityWarning, func(int) {
		url, at := d.extension(path, "valueCode")
		if string(url) != ExtTimezone || d.s.err != "" {
			return
		}
		if at < 0 {
			d.issue(path, CodeInvalidTimeZone, SeverityWarning, "The timezone extension has no valueCode.")
			return
		}
		d.revisit(at, func() {
			v, ok := d.str(path+".valueCode", SeverityWarning)
			if !ok || have != "" {
				return
			}
			if d.r.location(string(v)) == nil {
				d.issue(path+".valueCode", CodeInvalidTimeZone, SeverityWarning, "The timezone extension does not name a known IANA time zone.")
				return
			}
			have = string(v)
		})
	})
	return have
}

// location loads an IANA zone, caching valid names. "", "Local" and names
// outside the IANA character set are refused: the zone must never depend
// on the machine the adapter runs on.
func (r *Reader) location(name string) *time.Location {
	if l, ok := r.zones.Load(name); ok {
		return l.(*time.Location)
	}
	if !ianaName(name) {
		return nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	r.zones.Store(name, l)
	return l
}

func ianaName(s string) bool {
	if s == "" || s == "Local" || len(s) > 64 || s[0] == '/' || s[len(s)-1] == '/' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '_' || c == '-' || c == '+') {
			return false
		}
		if c == '/' && s[i-1] == '/' {
			return false
		}
	}
	return true
}
