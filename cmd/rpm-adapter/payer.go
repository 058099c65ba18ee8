package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/rpm-adapter/rpm-adapter/rules"
)

// payerFlags choose the payer profiles (R-PAY-1, R-PAY-2).
type payerFlags struct {
	files     stringList
	profile   string
	deviceDOS string
	// Resolved by resolve: the loaded profiles.
	profiles []rules.Profile
}

// policyFlags are the flags that set a policy value; when the default
// profile comes from a file, these override its values only where given.
var policyFlags = []string{"in-person-interactive", "count-preliminary", "setup-min-days-2026",
	"max-99458-units", "tm-requires-data-in-month", "device-dos", "require-consent"}

func (p *payerFlags) register(fs *flag.FlagSet, pol *rules.Policy) {
	fs.Var(&p.files, "payer-profile-file", "payer profile JSON file (repeatable; rule book §9)")
	fs.StringVar(&p.profile, "payer-profile", rules.MedicareFFS, "id of the default payer profile, for patients no Coverage assigns (R-PAY-2)")
	fs.StringVar(&p.deviceDOS, "device-dos", string(pol.DeviceDOS), "policy: date of service of device codes, period-end or last-reading (R-DOS-1)")
	fs.BoolVar(&pol.RequireConsent, "require-consent", pol.RequireConsent, "policy: an active RPM Consent must cover each date of service (R-ELIG-1)")
}

// resolve loads the profile files and merges the default profile with the
// policy flags: the default profile's own values, overridden by each policy
// flag that was given (on the command line or in the environment).
func (p *payerFlags) resolve(fs *flag.FlagSet, pol *rules.Policy) error {
	dos, err := rules.ParseDeviceDOS(p.deviceDOS)
	if err != nil {
		return usagef("--device-dos: must be period-end or last-reading, got %q", p.deviceDOS)
	}
	pol.DeviceDOS = dos
	seen := map[string]string{}
	for _, name := range p.files {
		data, err := os.ReadFile(name)
		if err != nil {
			return usagef("--payer-profile-file %s: cannot be read", name)
		}
		prof, err := rules.ParseProfile(data)
		if err != nil {
			return usagef("--payer-profile-file %s: %v", name, err)
		}
		if other, dup := seen[prof.ID]; dup {
			return usagef("--payer-profile-file %s: id %q is also the id of %s", name, prof.ID, other)
		}
		seen[prof.ID] = name
		p.profiles = append(p.profiles, prof)
	}
	if p.profile == rules.MedicareFFS && seen[rules.MedicareFFS] == "" {
		return nil
	}
	var def *rules.Profile
	for i := range p.profiles {
		if p.profiles[i].ID == p.profile {
			def = &p.profiles[i]
		}
	}
	if def == nil {
		return usagef("--payer-profile %q: no loaded profile has this id", p.profile)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	merged := def.Policy
	for _, name := range policyFlags {
		if !given[name] {
			continue
		}
		switch name {
		case "in-person-interactive":
			merged.InPersonInteractive = pol.InPersonInteractive
		case "count-preliminary":
			merged.CountPreliminary = pol.CountPreliminary
		case "setup-min-days-2026":
			merged.SetupMinDays2026 = pol.SetupMinDays2026
		case "max-99458-units":
			merged.Max99458Units = pol.Max99458Units
		case "tm-requires-data-in-month":
			merged.TMRequiresDataInMonth = pol.TMRequiresDataInMonth
		case "device-dos":
			merged.DeviceDOS = pol.DeviceDOS
		case "require-consent":
			merged.RequireConsent = pol.RequireConsent
		default:
			panic(fmt.Sprintf("policy flag %s is not merged", name))
		}
	}
	*pol = merged
	return nil
}
