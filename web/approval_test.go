package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"codeberg.org/opteos/roomgate/gateway"
)

// fakeApprovals answers for one token; it records the decisions asked.
type fakeApprovals struct {
	mu        sync.Mutex
	decisions []string // token|note
	err       error    // returned by both methods when set
	view      gateway.ApprovalView
}

func (f *fakeApprovals) Approval(_ context.Context, tok string) (gateway.ApprovalView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if tok != "good" {
		return gateway.ApprovalView{}, gateway.ErrApprovalInvalid
	}
	return f.view, f.err
}

// set changes the answers while a server may be serving.
func (f *fakeApprovals) set(edit func(*fakeApprovals)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	edit(f)
}

func (f *fakeApprovals) DecideApproval(_ context.Context, tok, note string) (gateway.ApprovalView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if tok != "good" {
		return gateway.ApprovalView{}, gateway.ErrApprovalInvalid
	}
	if f.err != nil {
		return f.view, f.err
	}
	f.decisions = append(f.decisions, tok+"|"+note)
	v := f.view
	v.State = gateway.ApprovalRefused
	return v, nil
}

func post(t *testing.T, h http.Handler, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func approvalServer(t *testing.T, f *fakeApprovals) *Server {
	f.view = gateway.ApprovalView{Action: gateway.ApprovalRefuse, State: gateway.ApprovalPending, Summary: hostile,
		Organizer: "alice@coop.example", Room: "Salle Opteos", When: gateway.Slot{Start: at(1, 8, 0), End: at(1, 18, 0)},
		Dates: 1, Rules: []string{gateway.ApproveTooLong}, Expires: at(1, 8, 0)}
	return newServer(t, sampleStore(), func(o *Options) { o.Approvals = f })
}

// TestApprovalPage: following a link shows what it would do and a form,
// and changes nothing; only the form's POST acts.
func TestApprovalPage(t *testing.T) {
	f := &fakeApprovals{}
	s := approvalServer(t, f)
	res, body := get(t, s, "/approval?t=good")
	wantStatus(t, res, body, http.StatusOK)
	wantContains(t, "page", body, "Refuse this request?", `<form method="post" action="approval">`,
		`name="t" value="good"`, `<textarea id="note" name="note"`, "longer than an ordinary booking", "&lt;script&gt;")
	wantLacks(t, "page", body, "<script>")
	if len(f.decisions) != 0 {
		t.Fatal("GET decided")
	}
	if res, _ = get(t, s, "/approval?t=good", "X-Probe", "1"); res.StatusCode != http.StatusOK || len(f.decisions) != 0 {
		t.Fatalf("second GET: %d, %d decisions", res.StatusCode, len(f.decisions))
	}
	res, body = post(t, s, "/approval", url.Values{"t": {"good"}, "note": {"  Kept for the assembly.  "}})
	wantStatus(t, res, body, http.StatusOK)
	wantContains(t, "done", body, "Request refused: the member is told.")
	wantLacks(t, "done", body, "<form")
	if len(f.decisions) != 1 || f.decisions[0] != "good|Kept for the assembly." {
		t.Errorf("decisions %q", f.decisions)
	}
}

// TestApprovalPageErrors: a bad, expired, replaced or used link says so,
// with a status of its own and no form.
func TestApprovalPageErrors(t *testing.T) {
	tests := []struct {
		name  string
		tok   string
		err   error
		code  int
		words string
	}{
		{"forged", "forged", nil, http.StatusForbidden, "This link is not valid."},
		{"expired", "good", gateway.ErrApprovalExpired, http.StatusGone, "This link has expired"},
		{"replaced", "good", gateway.ErrApprovalReplaced, http.StatusGone, "The organizer changed the request"},
		{"used", "good", gateway.ErrApprovalDone, http.StatusConflict, "This request was already"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeApprovals{}
			s := approvalServer(t, f)
			f.err = tt.err
			if tt.err == gateway.ErrApprovalDone {
				f.view.State = gateway.ApprovalApproved
			}
			for _, do := range []func() (*http.Response, string){
				func() (*http.Response, string) { return get(t, s, "/approval?t="+tt.tok) },
				func() (*http.Response, string) { return post(t, s, "/approval", url.Values{"t": {tt.tok}}) },
			} {
				res, body := do()
				wantStatus(t, res, body, tt.code)
				wantContains(t, tt.name, body, tt.words)
				wantLacks(t, tt.name, body, "<form")
				if tt.name == "forged" {
					wantLacks(t, tt.name, body, "alice@coop.example")
				}
			}
			if len(f.decisions) != 0 {
				t.Errorf("decided: %q", f.decisions)
			}
		})
	}
}

// TestApprovalRouteOff: without approvals, the route does not exist.
func TestApprovalRouteOff(t *testing.T) {
	res, body := get(t, newServer(t, sampleStore()), "/approval?t=good")
	wantStatus(t, res, body, http.StatusNotFound)
}

// TestOperatorPending: the operator page lists the requests waiting for a
// facilitator, one row per request.
func TestOperatorPending(t *testing.T) {
	st := sampleStore()
	for i, day := range []int{3, 10} {
		b := gateway.Booking{ID: int64(10 + i), UID: "weekly", Room: roomAddr, Organizer: "anna@partner.example", OrganizerName: "Anna",
			Summary: "Séminaire", Start: at(day, 7, 0).UTC(), End: at(day, 9, 0).UTC(), Status: gateway.StatusPending}
		b.RecurrenceID, b.Approval = gateway.RecurrenceKey(b.Start), "0123456789abcdef0123456789abcdef"
		b.Reason = gateway.ReasonApproval + ": " + gateway.ApproveOutsideHours + ", " + gateway.ApproveEndless
		st.bookings = append(st.bookings, b)
	}
	res, body := get(t, newServer(t, st), "/operator/?token="+operatorToken)
	wantStatus(t, res, body, http.StatusOK)
	wantContains(t, "operator", body, "Requests to approve", "Séminaire", "anna@partner.example", "(2 dates)",
		"outside the room&#39;s ordinary hours, a recurring meeting without an end date")
	res, body = get(t, newServer(t, sampleStore()), "/operator/?token="+operatorToken)
	wantStatus(t, res, body, http.StatusOK)
	wantContains(t, "operator", body, "No request waits for a facilitator.")
}
