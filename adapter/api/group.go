package api

import (
	"context"
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
	if !validID(id) {
		writeError(c, Errorf(EINVALID, "the group id is not a FHIR id"))
		return
	}
	p, err := s.params(c)
	if err != nil {
		writeError(c, err)
		return
	}
	async := preferAsync(c.Request.Header.Values("Prefer"))
	if !async && !s.inflight.tryAcquire() {
		// Admission only: the members queue for slots one by one below.
		writeError(c, errBusy)
		return
	} else if !async {
		s.inflight.release()
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
	defer cancel()
	members, err := s.svc.GroupMembers(ctx, id)
	if err != nil {
		writeError(c, err)
		return
	}
	if async && s.cfg.Jobs != nil {
		s.startDurableJob(c, id, members, p)
		return
	}
	if async {
		s.startGroupJob(c, id, members, p)
		return
	}
	if len(members) > s.cfg.SyncGroupLimit {
		writeError(c, Errorf(EBUSINESS, "the group has %d members; more than %d need Prefer: respond-async",
			len(members), s.cfg.SyncGroupLimit))
		return
	}
	rows := s.evaluateMembers(ctx, members, p.job, p.write, false,
		s.log.With("request_id", requestID(c)), func() {})
	body, err := groupBundle(linesOf(rows, false), s.cfg.Now(), s.cfg.FHIRBase)
	if err != nil {
		writeError(c, err)
		return
	}
	writeFHIR(c, http.StatusOK, body)
}

// startGroupJob answers 202 with the status URL of a new job. Groups over
// GroupBundleLimit get a summary instead of every resource.
func (s *Server) startGroupJob(c *gin.Context, group string, members []string, p evalParams) {
	if len(members) > s.cfg.MaxJobMembers {
		writeError(c, Errorf(EBUSINESS, "the group has %d members; one job may evaluate at most %d",
			len(members), s.cfg.MaxJobMembers))
		return
	}
	summary := len(members) > s.cfg.GroupBundleLimit
	who := callerOf(c)
	spec := jobSpec{owner: who.label, write: p.write, total: len(members), timeout: s.cfg.JobTimeout,
		onEnd: s.auditJobEnd(c, group, p.write)}
	id, err := s.jobs.start(spec, func(ctx context.Context, ref string, step func()) ([]byte, error) {
		log := s.log.With("job", ref)
		log.Info("job started", "patients", len(members), "summary", summary)
		rows := s.evaluateMembers(ctx, members, p.job, p.write, summary, log, step)
		log.Info("job finished", "patients", len(members))
		if summary {
			return groupSummary(linesOf(rows, true), p.write, s.cfg.Now(), s.cfg.FHIRBase)
		}
		return groupBundle(linesOf(rows, false), s.cfg.Now(), s.cfg.FHIRBase)
	})
	if err != nil {
		writeError(c, err)
		return
	}
	s.acceptedJob(c, id, len(members))
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

// baseURL is PublicURL, else the listen address; never anything of the
// request (Host, X-Forwarded-*), which a client chooses (issue 11, point
// 14). Without either, the link is relative to the server.
func (s *Server) baseURL() string {
	switch {
	case s.cfg.PublicURL != "":
		return s.cfg.PublicURL
	case s.cfg.ListenAddr != "":
		scheme := "http"
		if s.cfg.TLS {
			scheme = "https"
		}
		return scheme + "://" + s.cfg.ListenAddr
	}
	return ""
}
