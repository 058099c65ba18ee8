package bulk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

// Manifest is the completion manifest of an export, with where each file
// went on disk.
type Manifest struct {
	// TransactionTime is when the server took its snapshot: the data is
	// complete up to this instant, and it is the _since of the next
	// incremental export.
	TransactionTime time.Time
	// Request is the kick-off URL as the server echoes it.
	Request string
	// RequiresAccessToken says whether the files needed the token. A
	// manifest that omits it is taken to require it (the safer reading:
	// the token still goes to the FHIR server's origin only).
	RequiresAccessToken bool

	Output  []File // exported resources, in manifest order
	Error   []File // OperationOutcome files: problems the server met while exporting
	Deleted []File // Bundles naming resources deleted since _since

	// Cleanup is the failure of the final DELETE of the job, if any. The
	// export itself succeeded; the server may keep its files until they
	// expire.
	Cleanup error
}

// File is one file of the manifest.
type File struct {
	Type  string // resource type the server says the file holds
	Count int64  // resources the manifest announces; -1 when it gives none
	Path  string // where it was written
	Lines int64  // non-blank lines written, one resource each
	Bytes int64

	// src holds the absolute download URL. On object storage it is a signed
	// URL, i.e. a credential: unexported and behind a pointer, so that
	// printing a File or a Manifest with any verb shows an address, not it.
	src *source
}

type source struct{ url string }

type manifestJSON struct {
	TransactionTime     string     `json:"transactionTime"`
	Request             string     `json:"request"`
	RequiresAccessToken *bool      `json:"requiresAccessToken"`
	Output              []fileJSON `json:"output"`
	Error               []fileJSON `json:"error"`
	Deleted             []fileJSON `json:"deleted"`
	Link                []struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	} `json:"link"`
}

type fileJSON struct {
	Type  string `json:"type"`
	URL   string `json:"url"`
	Count *int64 `json:"count"`
}

// maxManifestPages bounds the manifest pages followed through
// link[relation=next] (IG v2.0 allows a server to page a long manifest).
const maxManifestPages = 1000

// readManifest decodes a completion manifest, follows its next links, and
// checks every file before anything is downloaded: a type that is a
// resource type (it becomes a file name), a usable URL, and the token
// rule. JSON errors are reported without the body, which lists URLs.
func readManifest(ctx context.Context, c *fhirclient.Client, body []byte, opts Options) (*Manifest, error) {
	var m *Manifest
	seen := map[string]bool{}
	for page := 1; ; page++ {
		var mj manifestJSON
		if err := json.Unmarshal(body, &mj); err != nil {
			return nil, fmt.Errorf("bulk: manifest page %d is not valid JSON: %w", page, fhirclient.ErrProtocol)
		}
		if m == nil {
			t, err := time.Parse(time.RFC3339Nano, mj.TransactionTime)
			if err != nil {
				return nil, fmt.Errorf("bulk: manifest transactionTime is missing or not an instant: %w", fhirclient.ErrProtocol)
			}
			m = &Manifest{TransactionTime: t, Request: mj.Request, RequiresAccessToken: mj.RequiresAccessToken == nil || *mj.RequiresAccessToken}
		}
		for _, part := range []struct {
			name string
			in   []fileJSON
			out  *[]File
		}{{"output", mj.Output, &m.Output}, {"error", mj.Error, &m.Error}, {"deleted", mj.Deleted, &m.Deleted}} {
			for _, fj := range part.in {
				f, err := checkFile(c, m.RequiresAccessToken, fj, opts)
				if err != nil {
					return nil, fmt.Errorf("bulk: %s file %d: %w", part.name, len(*part.out)+1, err)
				}
				*part.out = append(*part.out, f)
			}
		}
		next := ""
		for _, l := range mj.Link {
			if l.Relation == "next" {
				next = l.URL
			}
		}
		if next == "" {
			return m, nil
		}
		u, err := c.ResolveURL(next)
		switch {
		case err != nil:
			return nil, fmt.Errorf("bulk: manifest next link is not a URL: %w", fhirclient.ErrProtocol)
		case !c.SameOrigin(u):
			return nil, fmt.Errorf("bulk: manifest next link on %s refused: %w", u.Host, fhirclient.ErrOrigin)
		case !c.UnderBase(u):
			return nil, fmt.Errorf("bulk: manifest next link outside the FHIR base path refused: %w", fhirclient.ErrOrigin)
		case seen[u.String()] || page >= maxManifestPages:
			return nil, fmt.Errorf("bulk: manifest pages repeat or exceed %d: %w", maxManifestPages, fhirclient.ErrProtocol)
		}
		seen[u.String()] = true
		resp, err := c.Do(ctx, &fhirclient.Request{URL: u.String()})
		if err != nil {
			return nil, fmt.Errorf("bulk: manifest page %d: %w", page+1, err)
		}
		body = resp.Body
	}
}

func checkFile(c *fhirclient.Client, token bool, fj fileJSON, opts Options) (File, error) {
	if !typeRe.MatchString(fj.Type) {
		return File{}, fmt.Errorf("type is not a resource type: %w", fhirclient.ErrProtocol)
	}
	f := File{Type: fj.Type, Count: -1}
	if fj.Count != nil {
		if *fj.Count < 0 {
			return File{}, fmt.Errorf("negative count: %w", fhirclient.ErrProtocol)
		}
		f.Count = *fj.Count
	}
	if fj.URL == "" {
		return File{}, fmt.Errorf("no url: %w", fhirclient.ErrProtocol)
	}
	u, err := c.ResolveURL(fj.URL)
	if err != nil {
		return File{}, fmt.Errorf("url is not an http or https URL: %w", fhirclient.ErrProtocol)
	}
	if token && !c.UnderBase(u) {
		return File{}, fmt.Errorf("%s file on %s needs the access token, which goes under the FHIR base only: %w",
			f.Type, u.Host, fhirclient.ErrOrigin)
	}
	if !opts.fileAllowed(c, u) {
		// Only the host is named: a signed URL's query is a secret.
		return File{}, fmt.Errorf("%s file on %s is neither under the FHIR base nor on an allowed file origin: %w",
			f.Type, u.Host, fhirclient.ErrOrigin)
	}
	f.src = &source{url: u.String()}
	return f, nil
}

// fileAllowed says whether an output file, or a redirect while fetching
// one, may be fetched from u: under the FHIR base, or on one of the
// configured file origins (issue 11, point 15).
func (o Options) fileAllowed(c *fhirclient.Client, u *url.URL) bool {
	if c.UnderBase(u) {
		return true
	}
	for _, origin := range o.origins {
		if strings.EqualFold(u.Scheme, origin.Scheme) && strings.EqualFold(u.Host, origin.Host) {
			return true
		}
	}
	return false
}
