package web

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// Limits of the operator pages.
const (
	auditDays    = 7   // default span of the decisions page
	rejectedDays = 30  // default span of the rejected mail page
	maxDays      = 366 // largest ?days=
	maxRows      = 500 // rows shown at most, newest first
)

// operatorIndex shows the messages processed per action.
func (s *Server) operatorIndex(w http.ResponseWriter, r *http.Request, a access) {
	counts, err := s.opt.Store.CountMessages(r.Context())
	if err != nil {
		s.fail(w, "count messages", err)
		return
	}
	type count struct {
		Action string
		N      int
	}
	pending, err := s.pendingApprovals(r)
	if err != nil {
		s.fail(w, "list pending approvals", err)
		return
	}
	data := struct {
		page
		Counts  []count
		Pending []pendingRow
	}{page: s.operatorPage(a, "title.operator"), Pending: pending}
	for action, n := range counts {
		data.Counts = append(data.Counts, count{action, n})
	}
	sort.Slice(data.Counts, func(i, j int) bool { return data.Counts[i].Action < data.Counts[j].Action })
	s.render(w, r, "operator", data)
}

// pendingRow is one request waiting for a facilitator, on the operator
// page: its first date and how many it holds.
type pendingRow struct {
	Slot, Summary, Organizer, Room string
	Rules                          []string // gateway.Approve* rules
	Dates                          int
}

// pendingApprovals lists the requests pending approval ahead, one row per
// request (its dates share one approval), soonest first.
func (s *Server) pendingApprovals(r *http.Request) ([]pendingRow, error) {
	now := s.opt.Now()
	bs, err := s.opt.Store.ListBookings(r.Context(), now, now.Add(2*s.opt.BookingWindow+24*time.Hour))
	if err != nil {
		return nil, err
	}
	var rows []pendingRow
	seen := map[string]int{}
	for _, b := range bs {
		if b.Status != gateway.StatusPending {
			continue
		}
		key := b.Approval
		if key == "" {
			key = strconv.FormatInt(b.ID, 10)
		}
		if i, ok := seen[key]; ok {
			rows[i].Dates++
			continue
		}
		seen[key] = len(rows)
		_, rules, _ := strings.Cut(b.Reason, ": ")
		rows = append(rows, pendingRow{Slot: s.stamp(b.Start) + "–" + b.End.In(s.opt.Location).Format("15:04"),
			Summary: b.Summary, Organizer: b.Organizer, Room: s.roomName(b.Room), Rules: strings.Split(rules, ", "), Dates: 1})
	}
	return rows, nil
}

// auditRow is one audit entry as the operator pages show it.
type auditRow struct {
	At, Slot                     string
	Kind, Action, UID, MessageID string
	Organizer, Room, Reason      string
	// ReasonLang is "en" for a reason left in English on a French page.
	ReasonLang string
}

// auditPage is the data of the decisions and rejected pages.
type auditPage struct {
	page
	Days    int
	Entries []auditRow
}

// operatorAudit shows the recent decisions with their reasons, newest
// first; ?days=N widens the span.
func (s *Server) operatorAudit(w http.ResponseWriter, r *http.Request, a access) {
	s.auditPage(w, r, a, "title.audit", "operator-audit", auditDays, func(gateway.AuditEntry) bool { return true })
}

// operatorRejected shows the messages moved to the rejected folder, with
// why, from the audit log.
func (s *Server) operatorRejected(w http.ResponseWriter, r *http.Request, a access) {
	s.auditPage(w, r, a, "title.rejected", "operator-rejected", rejectedDays, func(e gateway.AuditEntry) bool {
		return e.Action == gateway.ActionRejected
	})
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, a access, title, tmpl string, days int, keep func(gateway.AuditEntry) bool) {
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxDays {
			http.Error(w, "days: a number from 1 to 366", http.StatusBadRequest)
			return
		}
		days = n
	}
	entries, err := s.opt.Store.ListAudit(r.Context(), s.opt.Now().AddDate(0, 0, -days), 0)
	if err != nil {
		s.fail(w, "list audit log", err)
		return
	}
	data := auditPage{page: s.operatorPage(a, title), Days: days}
	for _, e := range slices.Backward(entries) {
		if len(data.Entries) == maxRows {
			break
		}
		if keep(e) {
			data.Entries = append(data.Entries, s.auditRow(e))
		}
	}
	s.render(w, r, tmpl, data)
}

func (s *Server) auditRow(e gateway.AuditEntry) auditRow {
	row := auditRow{At: s.stamp(e.At), Kind: string(e.Kind), Action: string(e.Action), UID: e.UID,
		MessageID: e.MessageID, Organizer: e.Organizer, Reason: e.Reason}
	if s.opt.Lang == "fr" && row.Reason != "" {
		var ok bool
		if row.Reason, ok = reasonInFrench(row.Reason); !ok {
			row.ReasonLang = "en"
		}
	}
	if e.Room != "" {
		row.Room = s.roomName(e.Room)
	}
	if !e.Start.IsZero() {
		row.Slot = s.stamp(e.Start)[:len("2006-01-02")] + " " + s.when(e.Start, e.End)
	}
	return row
}

// outboxRow is one outbox mail as the operator page shows it: never its
// bytes.
type outboxRow struct {
	ID                        int64
	Created, Next, Status, To string
	Attempts                  int
	LastError, UID            string
}

// operatorOutbox lists the outbox, newest first.
func (s *Server) operatorOutbox(w http.ResponseWriter, r *http.Request, a access) {
	ms, err := s.opt.Store.ListOutbox(r.Context(), "", maxRows)
	if err != nil {
		s.fail(w, "list outbox", err)
		return
	}
	data := struct {
		page
		Mails []outboxRow
	}{page: s.operatorPage(a, "title.outbox")}
	for _, m := range ms {
		row := outboxRow{ID: m.ID, Created: s.stamp(m.CreatedAt), Status: string(m.Status),
			To: strings.Join(m.To, ", "), Attempts: m.Attempts, LastError: m.LastError, UID: m.UID}
		if m.Status == gateway.OutboxPending {
			row.Next = s.stamp(m.NextAttempt)
		}
		data.Mails = append(data.Mails, row)
	}
	s.render(w, r, "operator-outbox", data)
}

func (s *Server) operatorPage(a access, title string) page {
	return s.pageOf(a, title)
}

// stamp formats an instant in the configured zone: "2026-12-01 10:00".
func (s *Server) stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.opt.Location).Format("2006-01-02 15:04")
}
