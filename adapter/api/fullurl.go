package api

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // UUID version 5 is defined on SHA-1 (RFC 9562 §5.5); no secret here
	"encoding/hex"
	"encoding/json"
	"strconv"
)

// Bundle.entry.fullUrl (R4 requires it in every entry outside a
// transaction; fhir-mapping.md §2). A resource the adapter wrote or would
// write lives at {FHIRBase}/{Type}/{id} when the service has a FHIR server:
// that is its fullUrl, and the relative references between the entries
// ("MeasureReport/rpm-mr-…" in ChargeItem.supportingInformation and
// Task.focus) resolve against it to the other entries' fullUrls (R4
// bundle.html, "Resolving references in Bundles"). Without a FHIR server
// (an NDJSON source) there is no RESTful base: the fullUrl is a urn:uuid
// derived from the type and id, and the references to the Bundle's own
// entries are rewritten to those urns, since a relative reference resolves
// only against a RESTful fullUrl. Entries without an id (the
// OperationOutcome, the summary's Parameters) get a urn:uuid derived from
// their place and content, so that the same answer has the same bytes
// (a job's result is compared across restarts).

// entryURLs assigns the fullUrls of one Bundle.
type entryURLs struct {
	base  string            // FHIR server base without trailing "/", or ""
	local map[string]string // "Type/id" → urn:uuid, when base is ""
	seen  map[string]bool   // fullUrls given out (bdl-7: unique)
}

func newEntryURLs(base string) *entryURLs {
	return &entryURLs{base: base, local: map[string]string{}, seen: map[string]bool{}}
}

// of returns the fullUrl of a resource and whether it is new to the Bundle:
// a Group answer could list the same member twice, and one resource may
// appear once (bdl-7).
func (u *entryURLs) of(resource []byte, place int) (string, bool) {
	var head struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
	}
	_ = json.Unmarshal(resource, &head) // the adapter's own JSON; a miss is an entry without id
	return u.ofTyped(resource, place, head.ResourceType, head.ID)
}

// ofTyped is of for a resource whose type and id are known.
func (u *entryURLs) ofTyped(resource []byte, place int, typ, id string) (string, bool) {
	head := struct{ ResourceType, ID string }{typ, id}
	var full string
	switch {
	case head.ID == "" || head.ResourceType == "":
		full = nameURN(strconv.Itoa(place) + "\x00" + string(resource))
	case u.base != "":
		full = u.base + "/" + head.ResourceType + "/" + head.ID
	default:
		full = nameURN(head.ResourceType + "/" + head.ID)
		u.local[head.ResourceType+"/"+head.ID] = full
	}
	if u.seen[full] {
		return full, false
	}
	u.seen[full] = true
	return full, true
}

// rewrite points the references of resource that name another entry of
// the Bundle by "Type/id" at that entry's urn:uuid. With a FHIR base there
// is nothing to do: relative references resolve against it.
func (u *entryURLs) rewrite(resource []byte) []byte {
	if len(u.local) == 0 {
		return resource
	}
	return rewriteReferences(resource, u.local)
}

// rewriteReferences replaces the string value of every "reference" member
// found in to. It scans the JSON rather than decoding it, so that the rest
// of the resource keeps its bytes.
func rewriteReferences(js []byte, to map[string]string) []byte {
	key := []byte(`"reference"`)
	var out []byte
	last, i := 0, 0
	for {
		k := bytes.Index(js[i:], key)
		if k < 0 {
			break
		}
		p := skipSpace(js, i+k+len(key))
		i = p
		if p >= len(js) || js[p] != ':' {
			continue
		}
		p = skipSpace(js, p+1)
		if p >= len(js) || js[p] != '"' {
			i = p
			continue
		}
		start := p + 1
		end := bytes.IndexByte(js[start:], '"')
		if end < 0 {
			break
		}
		end += start
		i = end + 1
		val := js[start:end]
		if bytes.IndexByte(val, '\\') >= 0 {
			continue // escapes never occur in "Type/id"
		}
		if urn, ok := to[string(val)]; ok {
			out = append(out, js[last:start]...)
			out = append(out, urn...)
			last = end
		}
	}
	if out == nil {
		return js
	}
	return append(out, js[last:]...)
}

func skipSpace(js []byte, p int) int {
	for p < len(js) && (js[p] == ' ' || js[p] == '\t' || js[p] == '\n' || js[p] == '\r') {
		p++
	}
	return p
}

// urnNamespace is the UUID namespace of the adapter's entry urns (a
// version 4 UUID chosen once; changing it changes every urn).
var urnNamespace = [16]byte{0x5b, 0x8e, 0x2f, 0x41, 0x0c, 0x7d, 0x4e, 0x2a, 0x9b, 0x13, 0x6a, 0xd0, 0x44, 0x1f, 0x87, 0xc2}

// nameURN is urn:uuid: and the version 5 UUID of name: the same resource
// has the same urn in every answer.
func nameURN(name string) string {
	h := sha1.New() //nolint:gosec // see the import
	h.Write(urnNamespace[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return "urn:uuid:" + formatUUID(u)
}

func formatUUID(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
