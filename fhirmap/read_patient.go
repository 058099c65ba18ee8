package fhirmap

import (
	"strings"
	"time"
)

// Patient is a Patient reduced to its id, its time zone (R-DAY-4) and the
// two pieces of patient data a care team's worklist shows: the display
// name and the medical record number (fhir-mapping §7). Those two never
// reach an Issue, a log line or a written resource.
type Patient struct {
	ID string `json:"id"`
	// DisplayName is the official name (else the first), as its text or
	// "given family"; "" when there is none.
	DisplayName string `json:"displayName,omitempty"`
	// MRN is the value of the first identifier typed v2-0203 MR.
	MRN string `json:"mrn,omitempty"`
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
		case "name":
			p.DisplayName = d.displayName(T + ".name")
		case "identifier":
			p.MRN = d.mrn(T + ".identifier")
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

// SystemV2IdentifierType is the HL7 v2 identifier type code system (MR:
// medical record number).
const SystemV2IdentifierType = "http://terminology.hl7.org/CodeSystem/v2-0203"

// displayName reads Patient.name: the official HumanName, else the first,
// as its text or its given names and family joined by spaces. A malformed
// name is only a warning: the name is shown to people, never used by the
// rules.
func (d *decoder) displayName(path string) string {
	var first, official string
	officialSeen := false
	d.array(path, SeverityWarning, func(i int) {
		var use, text, family []byte
		var given []string
		d.object(path, SeverityWarning, func(k []byte) {
			switch string(k) {
			case "use":
				use, _ = d.str(path+".use", SeverityWarning)
			case "text":
				text, _ = d.str(path+".text", SeverityWarning)
			case "family":
				family, _ = d.str(path+".family", SeverityWarning)
			case "given":
				d.array(path+".given", SeverityWarning, func(int) {
					if g, ok := d.str(path+".given", SeverityWarning); ok {
						given = append(given, string(g))
					}
				})
			default:
				d.s.skip()
			}
		})
		name := strings.TrimSpace(string(text))
		if name == "" {
			name = strings.TrimSpace(strings.Join(append(given, string(family)), " "))
		}
		if i == 0 {
			first = name
		}
		if string(use) == "official" && !officialSeen {
			officialSeen, official = true, name
		}
	})
	if officialSeen {
		return official
	}
	return first
}

// mrn reads Patient.identifier and returns the value of the first
// identifier whose type is v2-0203 MR.
func (d *decoder) mrn(path string) string {
	found := ""
	d.array(path, SeverityWarning, func(int) {
		var value []byte
		isMR := false
		d.object(path, SeverityWarning, func(k []byte) {
			switch string(k) {
			case "type":
				d.codings(path+".type", SeverityWarning, func(system, code []byte) {
					isMR = isMR || (string(system) == SystemV2IdentifierType && string(code) == "MR")
				})
			case "value":
				value, _ = d.str(path+".value", SeverityWarning)
			default:
				d.s.skip()
			}
		})
		if isMR && found == "" {
			found = string(value)
		}
	})
	return found
}
