package e2etest

import (
	"encoding/json"
	"slices"
)

// PHI lists the identifying values of sample patients, as a log check
// looks for them: names (family and given), identifier values (MRNs and
// device serial numbers), birth dates, phone numbers and address lines.
func PHI(patients ...string) ([]string, error) {
	s, err := LoadSample()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range patients {
		for _, line := range s.Lines[p] {
			var r struct {
				ResourceType string `json:"resourceType"`
				Name         []struct {
					Family string   `json:"family"`
					Given  []string `json:"given"`
				} `json:"name"`
				Identifier []struct {
					Value string `json:"value"`
				} `json:"identifier"`
				BirthDate string `json:"birthDate"`
				Telecom   []struct {
					Value string `json:"value"`
				} `json:"telecom"`
				Address []struct {
					Line []string `json:"line"`
				} `json:"address"`
				SerialNumber string `json:"serialNumber"`
			}
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				return nil, err
			}
			if r.ResourceType != "Patient" && r.ResourceType != "Device" {
				continue
			}
			for _, n := range r.Name {
				out = append(out, n.Family)
				out = append(out, n.Given...)
			}
			for _, i := range r.Identifier {
				out = append(out, i.Value)
			}
			for _, t := range r.Telecom {
				out = append(out, t.Value)
			}
			for _, a := range r.Address {
				out = append(out, a.Line...)
			}
			out = append(out, r.BirthDate, r.SerialNumber)
		}
	}
	out = slices.DeleteFunc(out, func(s string) bool { return len(s) < 3 })
	slices.Sort(out)
	return slices.Compact(out), nil
}
