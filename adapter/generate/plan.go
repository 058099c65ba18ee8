package generate

import (
	"math/rand/v2"
	"time"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// A patient is planned first (who, which devices, which readings and
// communications) and then written; ordinary patients and the hand-made
// worked cases share the plan and the writer.

// zonePlace says where the Patient carries its time zone (R-DAY-4).
type zonePlace uint8

const (
	zoneOnPatient zonePlace = iota // Patient.extension
	zoneOnAddress                  // Patient.address[use=home].extension
	zoneNowhere                    // no zone: the patient cannot be evaluated
)

// kind is a device and the vital sign it measures.
type kind uint8

const (
	bpCuff kind = iota
	scale
	oximeter
	numKinds
)

// deviceSuffix names a patient's device of a kind: Device/dev-<patient>-<suffix>.
var deviceSuffix = [numKinds]string{"bp", "scale", "spo2"}

// reading is one Observation.
type reading struct {
	at   time.Time // in the patient's zone
	kind kind
	// device reports whether Observation.device is set; a reading without
	// it and without the PHD category is self-reported (performer Patient).
	device bool
	phd    bool // PHD category
	utc    bool // effectiveDateTime written in UTC ("Z")
	status string
	test   bool // meta.security HTEST
	absent bool // dataAbsentReason instead of a value
	// v1, v2: systolic/diastolic mm[Hg]; weight in 0.1 kg; SpO2 %.
	v1, v2 int
}

// durKind is how a communication's duration is recorded (R-TIME-2).
type durKind uint8

const (
	durExtMin    durKind = iota // extension, valueDuration in min
	durExtSec                   // extension, valueDuration in s
	durEncLength                // Encounter.length
	durEncPeriod                // Encounter.period start and end
	durNone                     // nothing: counts zero minutes
)

// comm is one Communication (and its Encounter when durKind asks for one).
type comm struct {
	start   time.Time // in the patient's zone
	secs    int
	dur     durKind
	medium  string // v3-ParticipationMode code, "" for none
	program string // program CodeSystem code
	status  string
	sender  int // index into practitioners
	utc     bool
}

// charge is an existing ChargeItem on the server (R-PER-4, R-CON-1).
type charge struct {
	code       string
	start, end rules.Date
	org        string
	entered    time.Time
}

// coverage is a Coverage naming a payor by reference or by NPI (R-PAY-2).
type coverage struct {
	payorOrg, payorNPI string
	start              rules.Date
}

// condition is a Condition (R-PAY-3).
type condition struct {
	icd10    string
	clinical string // condition-clinical code
	onset    rules.Date
}

// consent is an RPM Consent with a provision period (R-ELIG-1).
type consent struct {
	start, end rules.Date
}

// patient is the plan of one patient and everything about them.
type patient struct {
	id     string
	zone   int // index into zoneDefs; the zone readings are taken in
	loc    *time.Location
	place  zonePlace
	gender string
	family string
	given  string
	birth  rules.Date
	mrn    int
	street string
	house  int
	city   city
	phone  int

	enrollment rules.Date
	hasDevice  [numKinds]bool
	serial     [numKinds]int
	nurse      int // the patient's care-team nurse, index into practitioners

	readings []reading
	comms    []comm
	charges  []charge
	// Payer inputs (R-PAY-2, R-PAY-3, R-ELIG-1).
	coverages  []coverage
	conditions []condition
	consents   []consent

	rng *rand.Rand
	// base vital signs, so a patient's readings look like one person's.
	baseSys, baseDia, baseWeight, baseSpO2 int
}

// reset clears p for the next patient, keeping its slices' memory.
func (p *patient) reset(r *rand.Rand) {
	*p = patient{readings: p.readings[:0], comms: p.comms[:0], charges: p.charges[:0],
		coverages: p.coverages[:0], conditions: p.conditions[:0], consents: p.consents[:0], rng: r}
}

// demographics draws the invented person: name, birth date, address,
// identifiers and baseline vital signs.
func (p *patient) demographics() {
	r := p.rng
	p.family = familyNames[r.IntN(len(familyNames))]
	if r.IntN(2) == 0 {
		p.gender, p.given = "female", femaleNames[r.IntN(len(femaleNames))]
	} else {
		p.gender, p.given = "male", maleNames[r.IntN(len(maleNames))]
	}
	// Medicare RPM patients: mostly 65 and over.
	p.birth = rules.DateOf(1935, time.January, 1).AddDays(r.IntN(365 * 27))
	z := zoneDefs[p.zone]
	p.city = z.cities[r.IntN(len(z.cities))]
	p.street = streets[r.IntN(len(streets))]
	p.house = 1 + r.IntN(980)
	p.phone = r.IntN(100)
	p.mrn = 10_000_000 + r.IntN(90_000_000)
	p.nurse = r.IntN(4)
	p.baseSys = 118 + r.IntN(32)
	p.baseDia = 70 + r.IntN(20)
	p.baseWeight = 550 + r.IntN(650)
	p.baseSpO2 = 94 + r.IntN(5)
	for k := range p.serial {
		p.serial[k] = 100_000 + r.IntN(900_000)
	}
}

// local is the instant of local time h:m on date d in the patient's zone.
func (p *patient) local(d rules.Date, h, m int) time.Time {
	y, mo, day := d.Time().Date()
	return time.Date(y, mo, day, h, m, 0, 0, p.loc)
}

// read adds a final reading of kind k from the patient's device at t, with
// values drawn around the patient's baseline, and returns it for changes.
func (p *patient) read(k kind, t time.Time) *reading {
	r := p.rng
	rd := reading{at: t, kind: k, device: true, status: "final"}
	switch k {
	case bpCuff:
		rd.v1 = p.baseSys + r.IntN(21) - 10
		rd.v2 = p.baseDia + r.IntN(13) - 6
	case scale:
		rd.v1 = p.baseWeight + r.IntN(31) - 15
	case oximeter:
		rd.v1 = min(p.baseSpO2+r.IntN(5)-2, 100)
	}
	p.readings = append(p.readings, rd)
	return &p.readings[len(p.readings)-1]
}

// call adds a completed RPM communication of secs seconds at t, its
// duration in the product's extension (minutes), and returns it.
func (p *patient) call(t time.Time, medium string, secs int) *comm {
	p.comms = append(p.comms, comm{start: t, secs: secs, dur: durExtMin, medium: medium,
		program: "rpm", status: "completed", sender: p.nurse})
	return &p.comms[len(p.comms)-1]
}

// secondsDuration converts whole seconds to a time.Duration.
func secondsDuration(secs int) time.Duration { return time.Duration(secs) * time.Second }
