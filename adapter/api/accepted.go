package api

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
)

// acceptedJob answers 202 for a new async job (FHIR asynchronous request
// pattern): the status URL in Content-Location, and in the body too, for
// clients that never see the response headers (fhirpy): an OperationOutcome
// whose second issue's diagnostics is the status URL alone.
func (s *Server) acceptedJob(c *gin.Context, id string, members int) {
	status := s.baseURL() + "/fhir/_jobs/" + id
	c.Set(ctxJobRef, jobRef(id))
	c.Header("Content-Location", status)
	c.Header("Preference-Applied", "respond-async")
	writeFHIR(c, http.StatusAccepted, acceptedOutcome(status, members))
}

func acceptedOutcome(status string, members int) []byte {
	type details struct {
		Text string `json:"text"`
	}
	type issue struct {
		Severity    string   `json:"severity"`
		Code        string   `json:"code"`
		Details     *details `json:"details,omitempty"`
		Diagnostics string   `json:"diagnostics"`
	}
	b, err := json.Marshal(struct {
		ResourceType string  `json:"resourceType"`
		Issue        []issue `json:"issue"`
	}{"OperationOutcome", []issue{
		{Severity: "information", Code: "informational", Diagnostics: fmt.Sprintf("accepted: %d patients", members)},
		{Severity: "information", Code: "informational",
			Details:     &details{"status URL: GET it until it answers 200 with the result; DELETE cancels the job"},
			Diagnostics: status},
	}})
	if err != nil { // strings only: cannot happen
		panic(err)
	}
	return b
}
