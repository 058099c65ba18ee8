package fhirmap

import (
	"reflect"
	"strings"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
)

// strictValidator runs google/fhir's validating R4 unmarshaller over whole
// inputs (Options.Strict). It is for harnesses: it builds a full proto of
// every resource and checks every element, many times slower than the
// decoder, and it never changes what the decoder returns.
type strictValidator struct {
	u *jsonformat.Unmarshaller
}

func newStrictValidator() (*strictValidator, error) {
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		return nil, err
	}
	return &strictValidator{u: u}, nil
}

// maxStrictIssues bounds what one resource can add.
const maxStrictIssues = 20

// strictCollector is a jsonformat error reporter that keeps element paths and the
// library's safe detail texts only: google/fhir keeps values from the input
// in a separate Diagnostics field, which is never read here.
type strictCollector struct{ issues []Issue }

func (c *strictCollector) ReportValidationError(path string, err error) error {
	c.add(path, err, SeverityWarning)
	return nil
}

func (c *strictCollector) ReportValidationWarning(path string, err error) error {
	c.add(path, err, SeverityInformation)
	return nil
}

func (c *strictCollector) add(path string, err error, sev Severity) {
	if len(c.issues) >= maxStrictIssues {
		return
	}
	c.issues = append(c.issues, Issue{Path: safePath(path), Code: CodeStrictInvalid, Severity: sev,
		Message: "R4 validation: " + safeDetails(err)})
}

func (v *strictValidator) validate(b []byte, res Resource) []Issue {
	var c strictCollector
	if _, err := v.u.UnmarshalWithErrorReporter(b, &c); err != nil {
		c.add(pathOf(err), err, SeverityWarning)
	}
	for i := range c.issues {
		if res != nil {
			c.issues[i].ResourceType, c.issues[i].ID = res.ResourceType(), res.ResourceID()
		}
	}
	return c.issues
}

// safeDetails returns the Details of a google/fhir UnmarshalError (or of the
// first of a list), which the library writes without input values; any other
// error gets a fixed text.
func safeDetails(err error) string {
	if s := strictErrField(err, "Details"); s != "" {
		return s
	}
	return "the resource does not conform to FHIR R4"
}

func pathOf(err error) string { return safePath(strictErrField(err, "Path")) }

// safePath keeps a path only when it looks like one: element names, dots and
// indexes.
func safePath(p string) string {
	if strings.IndexFunc(p, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '[' || r == ']' || r == '_')
	}) >= 0 {
		return ""
	}
	return p
}

// strictErrField reads a string field of the error's struct (the library's error
// types are internal, so reflection is the only way to reach them).
func strictErrField(err error, name string) string {
	v := reflect.ValueOf(err)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.Slice && v.Len() > 0 { // UnmarshalErrorList
		if e, ok := v.Index(0).Interface().(error); ok {
			return strictErrField(e, name)
		}
		return ""
	}
	if v.Kind() != reflect.Struct {
		return ""
	}
	f := v.FieldByName(name)
	if !f.IsValid() || f.Kind() != reflect.String {
		return ""
	}
	return f.String()
}
