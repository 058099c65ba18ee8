package api

import (
	"crypto/subtle"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
)

// WatchSecretHeader carries the secret that the adapter puts in its
// Subscriptions' channel.header: a notification without it is refused.
const WatchSecretHeader = "X-Rpm-Subscription-Secret"

// Watch routes: the FHIR server's rest-hook notifications, which carry the
// Subscription's secret and no bearer token (HAPI appends
// "/{type}/{id}" to the endpoint when it sends the resource), and the
// watch state for any token.
const (
	routeWatchNotify = "/fhir/_watch/notify"
	routeWatchStatus = "/fhir/_watch"
)

func (s *Server) watchRoutes(e *gin.Engine) {
	if s.cfg.Watch == nil {
		return
	}
	for _, m := range []string{http.MethodPost, http.MethodPut} {
		e.Handle(m, routeWatchNotify, s.watchNotify)
		e.Handle(m, routeWatchNotify+"/*resource", s.watchNotify)
	}
	e.GET(routeWatchStatus, s.auth.middleware, noStore, s.watchStatus)
}

// watchNotify queues what a notification names (adapter/watch): 401 and
// nothing queued without the secret; 200 with an informational
// OperationOutcome saying what was done otherwise, also for a resource
// about a patient nobody watches, so the server does not retry it.
func (s *Server) watchNotify(c *gin.Context) {
	got := c.GetHeader(WatchSecretHeader)
	if s.cfg.WatchSecret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.WatchSecret)) != 1 {
		s.cfg.Watch.Refused()
		writeError(c, &Error{Code: EUNAUTHORIZED, Message: "a valid subscription secret is required"})
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(c, Errorf(ETOOLARGE, "the notification is too large"))
			return
		}
		writeError(c, Errorf(EINVALID, "the notification could not be read"))
		return
	}
	outcome, err := s.cfg.Watch.Notify(c.Request.Context(), body)
	if err != nil {
		writeError(c, &Error{Code: EINTERNAL, Message: "the notification could not be queued", Err: err})
		return
	}
	writeFHIR(c, http.StatusOK, information("notification "+outcome))
}

func (s *Server) watchStatus(c *gin.Context) {
	b, err := s.cfg.Watch.Status(c.Request.Context())
	if err != nil {
		writeError(c, &Error{Code: EINTERNAL, Message: "the watch state could not be read", Err: err})
		return
	}
	c.Data(http.StatusOK, "application/json", b)
}
