package fhirmap

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	gojson "github.com/goccy/go-json"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// readBenchInput is the realistic input of the speed goal: a 1.7 KB
// device blood-pressure Observation as a server sends it (compact JSON, two
// components, several codings, meta, no narrative).
func readBenchInput(b *testing.B) []byte {
	raw, err := os.ReadFile("../testdata/fhir/read/observation-bp-device.json")
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// readObsProjection is the same projection a reflection-based decoder needs for
// what the decoder reads: every value[x] the rules test for presence is a
// field of its own.
type readObsProjection struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Meta         struct {
		Security []struct{ System, Code string } `json:"security"`
	} `json:"meta"`
	Status   string `json:"status"`
	Category []struct {
		Coding []struct{ System, Code string } `json:"coding"`
	} `json:"category"`
	Subject           struct{ Reference string }  `json:"subject"`
	EffectiveDateTime string                      `json:"effectiveDateTime"`
	EffectiveInstant  string                      `json:"effectiveInstant"`
	EffectivePeriod   *struct{ Start string }     `json:"effectivePeriod"`
	Device            *struct{ Reference string } `json:"device"`
	readObsValues
	Component []readObsValues `json:"component"`
}

type readObsValues struct {
	ValueQuantity        json.RawMessage `json:"valueQuantity"`
	ValueCodeableConcept json.RawMessage `json:"valueCodeableConcept"`
	ValueString          json.RawMessage `json:"valueString"`
	ValueBoolean         json.RawMessage `json:"valueBoolean"`
	ValueInteger         json.RawMessage `json:"valueInteger"`
	ValueRange           json.RawMessage `json:"valueRange"`
	ValueRatio           json.RawMessage `json:"valueRatio"`
	ValueSampledData     json.RawMessage `json:"valueSampledData"`
	ValueTime            json.RawMessage `json:"valueTime"`
	ValueDateTime        json.RawMessage `json:"valueDateTime"`
	ValuePeriod          json.RawMessage `json:"valuePeriod"`
}

func (v *readObsValues) has() bool {
	return v.ValueQuantity != nil || v.ValueCodeableConcept != nil || v.ValueString != nil ||
		v.ValueBoolean != nil || v.ValueInteger != nil || v.ValueRange != nil || v.ValueRatio != nil ||
		v.ValueSampledData != nil || v.ValueTime != nil || v.ValueDateTime != nil || v.ValuePeriod != nil
}

// readMapProjection turns the projection into the same rules.Reading, with the
// same syntax checks, so every variant does the same work.
func readMapProjection(p *readObsProjection) (rules.Reading, bool) {
	r := rules.Reading{Ref: "Observation/" + p.ID, Date: rules.NoDate}
	_, st, ok := observationStatus([]byte(p.Status))
	if !ok {
		return r, false
	}
	r.Status = st
	if typ, _, kind := parseRef([]byte(p.Subject.Reference)); kind != refLiteral || string(typ) != "Patient" {
		return r, false
	}
	w, code := parseDateTime([]byte(p.EffectiveDateTime))
	if code != "" {
		return r, false
	}
	r.At, r.Date = w.At, w.Date
	if p.Device != nil && p.Device.Reference != "" {
		r.FromDevice, r.Device = true, p.Device.Reference
	}
	for _, c := range p.Category {
		for _, cd := range c.Coding {
			if cd.System == SystemPHDCategory && cd.Code == PHDCategoryCode {
				r.FromDevice = true
			}
		}
	}
	r.HasValue = p.readObsValues.has()
	for i := range p.Component {
		if p.Component[i].has() {
			r.HasValue = true
		}
	}
	for _, s := range p.Meta.Security {
		if s.System == SystemActReason && s.Code == TestDataCode {
			r.Test = true
		}
	}
	return r, true
}

func readReportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "resources/s")
}

// BenchmarkDecodeObservation compares the decoder with reflection-based
// decoders into the same projection. Run it on one core:
//
//	go test -run '^$' -bench DecodeObservation -benchmem -cpu 1 ./fhirmap/
func BenchmarkDecodeObservation(b *testing.B) {
	in := readBenchInput(b)
	want, issues := Decode(in)
	if want == nil || len(issues) > 0 {
		b.Fatalf("benchmark input does not decode cleanly: %v", issues)
	}
	wantReading := want.(*Observation).Reading

	b.Run("fhirmap", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			res, _ := Decode(in)
			if res == nil {
				b.Fatal("skipped")
			}
		}
		readReportRate(b)
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			var p readObsProjection
			if err := json.Unmarshal(in, &p); err != nil {
				b.Fatal(err)
			}
			if r, ok := readMapProjection(&p); !ok || r != wantReading {
				b.Fatalf("projection maps differently: %+v", r)
			}
		}
		readReportRate(b)
	})
	b.Run("goccy-go-json", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			var p readObsProjection
			if err := gojson.Unmarshal(in, &p); err != nil {
				b.Fatal(err)
			}
			if r, ok := readMapProjection(&p); !ok || r != wantReading {
				b.Fatalf("projection maps differently: %+v", r)
			}
		}
		readReportRate(b)
	})
}

// BenchmarkDecodeNDJSON measures the streaming path over a bulk-export-like
// file of the same Observation, one per line.
func BenchmarkDecodeNDJSON(b *testing.B) {
	line := readBenchInput(b)
	in := bytes.Repeat(append(line, '\n'), 1000)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if err := DecodeNDJSON(bytes.NewReader(in), func(res Resource, _ []Issue) error {
			n++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "resources/s")
}
