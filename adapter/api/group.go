package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// groupOperation answers POST /fhir/Group/{id}/$rpm-eligibility: at once
// for a group of at most SyncGroupLimit members, or as an async job with
// Prefer: respond-async (the FHIR asynchronous request pattern). A larger
// group without respond-async is a business-rule refusal (422): answering
// it synchronously would outlast any proxy's patience.
func (s *Server) groupOperation(c *gin.Context) {
	id := c.Param("id")
	if !fhirID.MatchString(id) {
		writeError(c, Errorf(EINVALID, "the group id is not a FHIR id"))
		return
	}
	p, err := s.params(c)
	if err != nil {
		writeError(c, err)
		return
	}
	async := preferAsync(c.Request.Header.Values("Prefer"))
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
	defer cancel()
	members, err := s.svc.GroupMembers(ctx, id)
	if err != nil {
		writeError(c, err)
		return
	}
	if async {
		s.startGroupJob(c, members, p)
		return
	}
	if len(members) > s.cfg.SyncGroupLimit {
		writeError(c, Errorf(EBUSINESS, "the group has %d members; more than %d need Prefer: respond-async",
			len(members), s.cfg.SyncGroupLimit))
		return
	}
	rows := s.evaluateMembers(ctx, members, p.job, p.write, false,
		s.log.With("request_id", requestID(c)), func() {})
	body, err := groupBundle(rows, s.cfg.Now())
	if err != nil {
		writeError(c, err)
		return
	}
	writeFHIR(c, http.StatusOK, body)
}

// startGroupJob answers 202 with the status URL of a new job. Groups over
// GroupBundleLimit get a summary instead of every resource.
func (s *Server) startGroupJob(c *gin.Context, members []string, p evalParams) {
	summary := len(members) > s.cfg.GroupBundleLimit
	id, err := s.jobs.start(len(members), s.cfg.JobTimeout, func(ctx context.Context, ref string, step func()) ([]byte, error) {
		log := s.log.With("job", ref)
		log.Info("job started", "patients", len(members), "summary", summary)
		rows := s.evaluateMembers(ctx, members, p.job, p.write, summary, log, step)
		log.Info("job finished", "patients", len(members))
		if summary {
			return groupSummary(rows, p.write, s.cfg.Now())
		}
		return groupBundle(rows, s.cfg.Now())
	})
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Content-Location", s.baseURL(c)+"/fhir/_jobs/"+id)
	c.Header("Preference-Applied", "respond-async")
	writeFHIR(c, http.StatusAccepted, information(fmt.Sprintf("accepted: %d patients", len(members))))
}

// preferAsync says whether a Prefer header asks for respond-async
// (RFC 7240: comma-separated preferences, each with optional parameters).
func preferAsync(headers []string) bool {
	for _, h := range headers {
		for pref := range strings.SplitSeq(h, ",") {
			tok, _, _ := strings.Cut(pref, ";")
			name, _, _ := strings.Cut(tok, "=")
			if strings.EqualFold(strings.TrimSpace(name), "respond-async") {
				return true
			}
		}
	}
	return false
}

// baseURL is PublicURL, or the scheme and Host of the request when unset.
func (s *Server) baseURL(c *gin.Context) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}
