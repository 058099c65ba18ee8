package e2etest

import (
	"context"
	"encoding/json"
	"fmt"
)

// TransactionOfPuts wraps resources (JSON lines) in a transaction Bundle of
// PUT [type]/[id] entries.
func TransactionOfPuts(lines []string) ([]byte, error) {
	type request struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	}
	type entry struct {
		FullURL  string          `json:"fullUrl,omitempty"`
		Resource json.RawMessage `json:"resource"`
		Request  request         `json:"request"`
	}
	bundle := struct {
		ResourceType string  `json:"resourceType"`
		Type         string  `json:"type"`
		Entry        []entry `json:"entry"`
	}{ResourceType: "Bundle", Type: "transaction"}
	for _, l := range lines {
		var head struct{ ResourceType, ID string }
		if err := json.Unmarshal([]byte(l), &head); err != nil {
			return nil, err
		}
		if head.ResourceType == "" || head.ID == "" {
			return nil, fmt.Errorf("a resource without type or id: %.80s", l)
		}
		ref := head.ResourceType + "/" + head.ID
		bundle.Entry = append(bundle.Entry, entry{Resource: json.RawMessage(l), Request: request{Method: "PUT", URL: ref}})
	}
	return json.Marshal(bundle)
}

// PutGroup creates (or replaces) a Group of the given server patient ids.
func PutGroup(ctx context.Context, srv *Server, id string, members []string) error {
	type ref struct {
		Reference string `json:"reference"`
	}
	type member struct {
		Entity ref `json:"entity"`
	}
	g := struct {
		ResourceType string   `json:"resourceType"`
		ID           string   `json:"id"`
		Type         string   `json:"type"`
		Actual       bool     `json:"actual"`
		Quantity     int      `json:"quantity"`
		Member       []member `json:"member"`
	}{ResourceType: "Group", ID: id, Type: "person", Actual: true, Quantity: len(members)}
	for _, m := range members {
		g.Member = append(g.Member, member{Entity: ref{Reference: "Patient/" + m}})
	}
	b, err := json.Marshal(g)
	if err != nil {
		return err
	}
	_, err = srv.Transaction(ctx, mustTx(b))
	return err
}

func mustTx(resource []byte) []byte {
	b, err := TransactionOfPuts([]string{string(resource)})
	if err != nil {
		panic(err)
	}
	return b
}
