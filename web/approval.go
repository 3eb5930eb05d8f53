package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"codeberg.org/opteos/roomgate/gateway"
)

// Approvals carries out the facilitators' signed links (the gateway
// implements it). The token is the whole proof: the pages need no other.
type Approvals interface {
	// Approval says what a link is about, changing nothing.
	Approval(ctx context.Context, token string) (gateway.ApprovalView, error)
	// DecideApproval carries the link's action out, once.
	DecideApproval(ctx context.Context, token, note string) (gateway.ApprovalView, error)
}

// maxApprovalForm bounds the confirmation form's body.
const maxApprovalForm = 16 << 10

// approvalPage is the data of the confirmation page.
type approvalPage struct {
	page
	Token string
	View  gateway.ApprovalView
	// Outcome is "ask" (the form), "done" (just decided), or what stops
	// the link: "invalid", "expired", "replaced", "decided".
	Outcome string
}

// approvalGET shows what a link would do, with a form that does it:
// following a link never changes anything (mail scanners follow links).
func (s *Server) approvalGET(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("t")
	v, err := s.opt.Approvals.Approval(r.Context(), tok)
	s.approvalResult(w, r, tok, v, err, "ask")
}

// approvalPOST carries out the action of the link the form holds.
func (s *Server) approvalPOST(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxApprovalForm)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	tok := r.PostForm.Get("t")
	v, err := s.opt.Approvals.DecideApproval(r.Context(), tok, strings.TrimSpace(r.PostForm.Get("note")))
	s.approvalResult(w, r, tok, v, err, "done")
}

// approvalResult renders the page for an outcome, with the status code
// that goes with it.
func (s *Server) approvalResult(w http.ResponseWriter, r *http.Request, tok string, v gateway.ApprovalView, err error, ok string) {
	p := approvalPage{page: s.pageOf(access{}, "title.approval"), View: v, Outcome: ok}
	p.Nav = nil
	code := http.StatusOK
	switch {
	case err == nil:
		if ok == "ask" {
			p.Token = tok
		}
	case errors.Is(err, gateway.ErrApprovalInvalid):
		p.Outcome, p.View, code = "invalid", gateway.ApprovalView{}, http.StatusForbidden
	case errors.Is(err, gateway.ErrApprovalExpired):
		p.Outcome, code = "expired", http.StatusGone
	case errors.Is(err, gateway.ErrApprovalReplaced):
		p.Outcome, code = "replaced", http.StatusGone
	case errors.Is(err, gateway.ErrApprovalDone):
		p.Outcome, code = "decided", http.StatusConflict
	default:
		s.fail(w, "approval", err)
		return
	}
	s.renderStatus(w, r, code, "approval", p)
}
