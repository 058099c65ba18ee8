package e2etest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	rpmadapter "github.com/rpm-adapter/rpm-adapter"
)

// Sample is the embedded sample export (testdata/sample-export) cut by
// patient: every line that references Patient/X (or is Patient X) belongs
// to X; Organizations and Practitioners are shared; the Group is dropped
// (tests make their own).
type Sample struct {
	// Lines holds each patient's resources, one JSON line each.
	Lines map[string][]string
	// Shared are the Organizations and Practitioners.
	Shared []string
	// Patients lists the patient ids in file order.
	Patients []string
}

var (
	sampleOnce sync.Once
	sample     *Sample
	sampleErr  error
	patientRef = regexp.MustCompile(`"reference":"Patient/([A-Za-z0-9\-.]+)"`)
)

// LoadSample reads and cuts the embedded sample once per process.
func LoadSample() (*Sample, error) {
	sampleOnce.Do(func() { sample, sampleErr = readSample() })
	return sample, sampleErr
}

func readSample() (*Sample, error) {
	fsys, err := rpmadapter.SampleExport()
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(fsys, "*.ndjson")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	// Patient.ndjson first, so Patients keeps the sample's order.
	slices.SortStableFunc(names, func(a, b string) int {
		return boolInt(b == "Patient.ndjson") - boolInt(a == "Patient.ndjson")
	})
	s := &Sample{Lines: map[string][]string{}}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			var head struct {
				ResourceType, ID string
			}
			if err := json.Unmarshal([]byte(line), &head); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			switch head.ResourceType {
			case "Group":
				continue
			case "Organization", "Practitioner":
				s.Shared = append(s.Shared, line)
				continue
			case "Patient":
				s.Patients = append(s.Patients, head.ID)
				s.Lines[head.ID] = append(s.Lines[head.ID], line)
				continue
			}
			m := patientRef.FindStringSubmatch(line)
			if m == nil {
				return nil, fmt.Errorf("%s/%s references no patient", head.ResourceType, head.ID)
			}
			s.Lines[m[1]] = append(s.Lines[m[1]], line)
		}
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Prefixed returns patient id's lines with every whole occurrence of id
// (between characters that cannot be part of an id word: not a letter or
// digit) replaced by prefix+id: the Patient's id, references to it, and the
// ids of its resources (obs-wc-c09-00001 → obs-<prefix>wc-c09-00001).
func (s *Sample) Prefixed(id, prefix string) ([]string, error) {
	lines, ok := s.Lines[id]
	if !ok {
		return nil, fmt.Errorf("no patient %q in the sample", id)
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = replaceWord(l, id, prefix+id)
	}
	return out, nil
}

// replaceWord replaces every occurrence of word in s that is not part of a
// longer run of letters and digits ("wc-c11" is not replaced in "wc-c11a").
func replaceWord(s, word, with string) string {
	var b strings.Builder
	from := 0 // s[:from] is written
	for pos := 0; ; {
		i := strings.Index(s[pos:], word)
		if i < 0 {
			b.WriteString(s[from:])
			return b.String()
		}
		i += pos
		end := i + len(word)
		if (i == 0 || !alnum(s[i-1])) && (end == len(s) || !alnum(s[end])) {
			b.WriteString(s[from:i])
			b.WriteString(with)
			from = end
		}
		pos = end
	}
}

func alnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// NewPrefix returns a fresh id prefix for one test: letters and hex digits
// and a dash ("e2e" + 8 hex + "-"), short enough that every prefixed sample
// id stays within FHIR's 64 characters, random so that reruns against the
// same server never meet earlier data.
func NewPrefix(t testing.TB) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "e2e" + hex.EncodeToString(b[:]) + "-"
}

// Dataset is a copy of some sample patients on the server, under a prefix.
type Dataset struct {
	Prefix string
	// Patients are the sample ids (without prefix), in load order.
	Patients []string
}

// ID is the server id of sample patient id.
func (d *Dataset) ID(id string) string { return d.Prefix + id }

// IDs are the server ids of all the dataset's patients.
func (d *Dataset) IDs() []string {
	out := make([]string, len(d.Patients))
	for i, p := range d.Patients {
		out[i] = d.ID(p)
	}
	return out
}

// Orig strips the prefix from a server patient id or reference.
func (d *Dataset) Orig(id string) string {
	return strings.TrimPrefix(strings.TrimPrefix(id, "Patient/"), d.Prefix)
}

// ChunkSize is the most entries per loading transaction.
const ChunkSize = 300

// Load puts copies of the sample patients under a new prefix on the server
// with transaction Bundles of PUT entries (at most ChunkSize each), after
// the shared Organizations and Practitioners, and fails the test on error.
func Load(t testing.TB, srv *Server, patients ...string) *Dataset {
	t.Helper()
	ds, err := LoadPrefixed(context.Background(), srv, NewPrefix(t), patients...)
	if err != nil {
		t.Fatalf("loading %d patients: %v", len(patients), err)
	}
	return ds
}

// LoadPrefixed is Load with a given prefix.
func LoadPrefixed(ctx context.Context, srv *Server, prefix string, patients ...string) (*Dataset, error) {
	s, err := LoadSample()
	if err != nil {
		return nil, err
	}
	if err := loadShared(ctx, srv, s); err != nil {
		return nil, err
	}
	var lines []string
	for _, p := range patients {
		ls, err := s.Prefixed(p, prefix)
		if err != nil {
			return nil, err
		}
		lines = append(lines, ls...)
	}
	// One transaction at a time: posting two at once was no faster on
	// HAPI, and a Bundle could then create a placeholder for an id that
	// another is creating (a 409 for one of them).
	for chunk := range slices.Chunk(lines, ChunkSize) {
		b, err := TransactionOfPuts(chunk)
		if err != nil {
			return nil, err
		}
		if _, err := srv.Transaction(ctx, b); err != nil {
			return nil, err
		}
	}
	return &Dataset{Prefix: prefix, Patients: slices.Clone(patients)}, nil
}

var (
	sharedMu     sync.Mutex
	sharedLoaded = map[string]bool{}
)

// loadShared puts the shared resources once per process and server. Test
// processes of several packages may race to create the same ids, which
// HAPI can refuse for the loser (a unique-constraint conflict), so a
// failure is retried: the second PUT is an update.
func loadShared(ctx context.Context, srv *Server, s *Sample) error {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedLoaded[srv.Base] {
		return nil
	}
	b, err := TransactionOfPuts(s.Shared)
	if err != nil {
		return err
	}
	for try := 1; ; try++ {
		_, err = srv.Transaction(ctx, b)
		if err == nil || try == 5 {
			break
		}
		time.Sleep(time.Duration(try) * 300 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("shared resources: %w", err)
	}
	sharedLoaded[srv.Base] = true
	return nil
}
