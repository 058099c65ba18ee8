package generate

import (
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // the same zone rules, and so the same bytes, on every machine
)

// Invented demographics. The names are common ones picked by hand, the
// phone numbers are in the fictional 555-01xx range, and no combination is
// meant to describe a real person.

var familyNames = [...]string{
	"Anderson", "Bailey", "Becker", "Brooks", "Carter", "Chen", "Collins", "Diaz",
	"Edwards", "Fischer", "Foster", "Garcia", "Gomez", "Gray", "Hayes", "Hughes",
	"Jensen", "Kelly", "Kim", "Lopez", "Martin", "Meyer", "Morgan", "Murphy",
	"Nguyen", "Owens", "Patel", "Perry", "Price", "Reed", "Rivera", "Ross",
	"Sanders", "Schmidt", "Shaw", "Stewart", "Sullivan", "Turner", "Walsh", "Young",
}

var femaleNames = [...]string{
	"Alice", "Ann", "Barbara", "Carol", "Diane", "Donna", "Elena", "Frances",
	"Grace", "Helen", "Irene", "Janet", "Joan", "Judith", "Linda", "Lois",
	"Margaret", "Maria", "Nancy", "Patricia", "Ruth", "Sandra", "Susan", "Teresa",
}

var maleNames = [...]string{
	"Albert", "Arthur", "Carl", "Charles", "Daniel", "David", "Dennis", "Edward",
	"Frank", "George", "Gerald", "Harold", "Henry", "James", "John", "Joseph",
	"Kenneth", "Larry", "Paul", "Peter", "Raymond", "Richard", "Robert", "Walter",
}

var streets = [...]string{
	"Oak Street", "Maple Avenue", "Cedar Lane", "Elm Street", "Lakeview Drive",
	"Hillcrest Road", "Park Avenue", "River Road", "Sunset Boulevard", "Willow Way",
}

// city is a home address's city, matching its zone.
type city struct{ name, state, zip, country string }

// zoneDef is a time zone of the population and cities in it.
type zoneDef struct {
	name   string
	weight int // share among ordinary patients, in percent
	cities []city
}

var zoneDefs = [...]zoneDef{
	{"America/New_York", 34, []city{{"New York", "NY", "10001", "US"}, {"Boston", "MA", "02108", "US"}, {"Atlanta", "GA", "30303", "US"}, {"Miami", "FL", "33101", "US"}}},
	{"America/Chicago", 26, []city{{"Chicago", "IL", "60601", "US"}, {"Dallas", "TX", "75201", "US"}, {"Minneapolis", "MN", "55401", "US"}}},
	{"America/Denver", 10, []city{{"Denver", "CO", "80202", "US"}, {"Salt Lake City", "UT", "84101", "US"}, {"Albuquerque", "NM", "87102", "US"}}},
	{"America/Los_Angeles", 25, []city{{"Los Angeles", "CA", "90012", "US"}, {"Seattle", "WA", "98101", "US"}, {"Portland", "OR", "97201", "US"}}},
	{"Europe/Berlin", 5, []city{{"Berlin", "BE", "10115", "DE"}}},
}

// zones loads every zone of zoneDefs once.
var zones = sync.OnceValues(func() (map[string]*time.Location, error) {
	m := make(map[string]*time.Location, len(zoneDefs))
	for _, z := range zoneDefs {
		loc, err := time.LoadLocation(z.name)
		if err != nil {
			return nil, fmt.Errorf("generate: load time zone %s: %w", z.name, err)
		}
		m[z.name] = loc
	}
	return m, nil
})

// zoneIndex returns the index of a zone name in zoneDefs.
func zoneIndex(name string) int {
	for i, z := range zoneDefs {
		if z.name == name {
			return i
		}
	}
	panic("generate: unknown zone " + name)
}

// Organizations and practitioners every export contains, so that every
// reference resolves inside it.
const (
	orgClinic = "rpm-clinic"
	orgOther  = "other-clinic"
	orgAcme   = "acme-health"   // payor of testdata/payer-profiles/acme-commercial-2026.json
	orgBeacon = "beacon-health" // payor of testdata/payer-profiles/beacon-heart-2026.json
	// npiAcme is Acme's payor identifier in the same profile.
	npiAcme = "1234567893"
	groupID = "rpm-cohort"
)

type organization struct{ id, name string }

var organizations = [...]organization{
	{orgClinic, "Riverside Remote Care Clinic"},
	{orgOther, "Lakeside Cardiology Group"},
	{orgAcme, "Acme Health (example payer)"},
	{orgBeacon, "Beacon Health (example payer)"},
}

type practitioner struct{ id, family, given, qualification string }

var practitioners = [...]practitioner{
	{"prac-rn-1", "Holloway", "Megan", "RN"},
	{"prac-rn-2", "Okafor", "Daniel", "RN"},
	{"prac-rn-3", "Lindqvist", "Sara", "RN"},
	{"prac-rn-4", "Moreau", "Julien", "RN"},
	{"prac-md-1", "Ramirez", "Elena", "MD"},
	{"prac-md-2", "Whitfield", "Thomas", "MD"},
}
