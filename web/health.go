package web

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// healthReport is the body of /healthz. It says what works, never why not.
type healthReport struct {
	Status   string `json:"status"`   // "ok" or "failing"
	IMAP     string `json:"imap"`     // "connected", "standby", "disconnected" or "login failed"
	Database string `json:"database"` // "ok" or "unreachable"
	Outbox   string `json:"outbox"`   // "ok", "stuck" or "unknown"
	// Inbox is "stuck" when a message read from the inbox has waited
	// longer than InboxStuckAfter for its decision to be recorded.
	Inbox   string `json:"inbox"` // "ok" or "stuck"
	Version string `json:"version,omitempty"`
}

// health answers 200 when IMAP is connected (or another instance reads
// the mailbox while this one stands by), the database answers, no
// mail has waited in the outbox longer than StuckAfter and no message in
// the inbox longer than InboxStuckAfter; 503 otherwise. It
// needs no token and reveals nothing sensitive.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	rep := healthReport{Status: "ok", IMAP: "connected", Database: "ok", Outbox: "ok", Inbox: "ok", Version: s.opt.Version}
	if s.opt.Waiting != nil && waitedFor(s.opt.Waiting(), s.opt.Now()) > s.opt.InboxStuckAfter {
		rep.Inbox, rep.Status = "stuck", "failing"
	}
	if s.opt.Metrics.MailboxStandby() && !s.opt.Metrics.IMAPConnected() {
		rep.IMAP = "standby" // another instance reads the mailbox
	} else if !s.opt.Metrics.IMAPConnected() {
		rep.IMAP, rep.Status = "disconnected", "failing"
		if s.opt.Metrics.IMAPLoginFailed() {
			rep.IMAP = "login failed"
		}
	}
	if err := s.opt.Store.Ping(ctx); err != nil {
		rep.Database, rep.Outbox, rep.Status = "unreachable", "unknown", "failing"
	} else if _, oldest, err := s.opt.Store.PendingOutbox(ctx); err != nil {
		rep.Outbox, rep.Status = "unknown", "failing"
	} else if !oldest.IsZero() && s.opt.Now().Sub(oldest) > s.opt.StuckAfter {
		rep.Outbox, rep.Status = "stuck", "failing"
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.Status != "ok" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	if r.Method != http.MethodHead {
		json.NewEncoder(w).Encode(rep)
	}
}
