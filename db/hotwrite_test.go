package db

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// hotAndPlain opens two SQLite stores: one with its prepared statements,
// one whose statements all go through bun (switched off until the test
// ends), to compare what each stores and reads.
func hotAndPlain(t *testing.T) (hot, plain *Store) {
	t.Helper()
	hot = openStore(t, sqliteBackend.newDB(t))
	plain = openStore(t, sqliteBackend.newDB(t))
	if hot.hot == nil {
		t.Fatal("no prepared statements on SQLite")
	}
	h := plain.hot
	plain.hot = nil
	t.Cleanup(func() { plain.hot = h })
	return hot, plain
}

// TestHotStatementsMatchBun runs the same decision writes and reads on two
// SQLite databases, one through the prepared statements of hot.go and
// hotwrite.go, the other through bun (hot statements switched off), and
// compares every stored value with its SQLite type and every value read.
func TestHotStatementsMatchBun(t *testing.T) {
	hot, plain := hotAndPlain(t)

	stamp := at(9, 0).Add(123456 * time.Microsecond)
	type result struct {
		Bookings []gateway.Booking
		Open     []bool
		Holds    []gateway.Booking
		Versions []gateway.Version
		Counts   []int
		Last     time.Time
		IDs      []int64
		Dup      string
		Msg      []gateway.ProcessedMessage
	}
	run := func(s *Store) result {
		var res result
		err := s.Update(t.Context(), func(gtx gateway.Tx) error {
			tx := gtx.(*tx)
			ctx := context.Background()
			bs := []gateway.Booking{
				{UID: "u1", Room: "r", Organizer: "a@x.test", OrganizerName: "A 'quoted'", Summary: "S\nline",
					Start: at(10, 0), End: at(11, 0), Sequence: 2, DTStamp: stamp, Status: gateway.StatusAccepted,
					MessageID: "<m1@x>", Lang: "fr", Request: []byte("BEGIN:VCALENDAR"), Actor: "a@x.test",
					CreatedAt: stamp, UpdatedAt: stamp},
				{UID: "u2", RecurrenceID: "20300107T120000Z", Room: "r", Organizer: "b@x.test", Start: at(12, 0), End: at(13, 0),
					Status: gateway.StatusHeld, ExpiresAt: at(12, 30), Actor: "a@x.test", Approval: "n",
					Request: []byte{}, CreatedAt: stamp, UpdatedAt: stamp},
				{UID: "u3", Room: "r", Organizer: "a@x.test", Start: at(14, 0), End: at(15, 0),
					Status: gateway.StatusPending, CreatedAt: stamp, UpdatedAt: stamp},
			}
			for i := range bs {
				if err := tx.SaveBooking(ctx, &bs[i]); err != nil {
					return err
				}
				res.IDs = append(res.IDs, bs[i].ID)
			}
			// An update keeps id and created_at.
			bs[0].Summary, bs[0].CreatedAt, bs[0].UpdatedAt = "changed", time.Time{}, stamp.Add(time.Second)
			if err := tx.SaveBooking(ctx, &bs[0]); err != nil {
				return err
			}
			res.IDs = append(res.IDs, bs[0].ID, bs[0].CreatedAt.UnixMicro())
			if err := tx.SaveOpenSeries(ctx, gateway.OpenSeries{Organizer: "b@x.test", UID: "u2", Room: "r", Calendar: []byte("x"), Horizon: at(20, 0)}); err != nil {
				return err
			}
			var err error
			if res.Bookings, res.Open, err = tx.PersonBookingsOpen(ctx, "a@x.test", at(9, 0)); err != nil {
				return err
			}
			res.Bookings = quotaView(res.Bookings) // what OpenBookingsReader promises
			if res.Holds, err = tx.Holds(ctx, at(9, 0)); err != nil {
				return err
			}
			if err := tx.SaveVersions(ctx, "a@x.test", "u1", []gateway.Version{{Sequence: 2, DTStamp: stamp}, {RecurrenceID: "x", Sequence: 1}}); err != nil {
				return err
			}
			if res.Versions, err = tx.Versions(ctx, "a@x.test", "u1"); err != nil {
				return err
			}
			for i, raw := range [][]byte{[]byte("Message-ID: <r1@x>\r\n\r\nbody"), {}} {
				m := &gateway.OutboxMail{MessageKey: fmt.Sprint("k", i), UID: "u1", From: "room@x.test",
					To: []string{"a@x.test"}, Raw: raw, Channel: gateway.ChannelMail, Kind: "reply",
					CreatedAt: stamp.Add(time.Duration(i) * time.Minute)}
				if err := tx.Enqueue(ctx, m); err != nil {
					return err
				}
				res.IDs = append(res.IDs, m.ID)
			}
			since := stamp.Add(-time.Hour)
			for _, qs := range [][]gateway.OutboxQuery{
				{{UID: "u1", To: "a@x.test", Since: since}, {To: "a@x.test", Kind: "reply", Since: since}},
				{{UID: "u1", To: "a@x.test", Since: since}, {To: "a@x.test", Kind: "reply", Since: since}, {Kind: "reply", Since: since}},
			} {
				ns, last, err := tx.CountOutboxesLast(ctx, qs, gateway.OutboxQuery{UID: "u1", To: "a@x.test"})
				if err != nil {
					return err
				}
				res.Counts, res.Last = append(res.Counts, ns...), last
			}
			if _, last, err := tx.CountOutboxesLast(ctx, []gateway.OutboxQuery{{UID: "none", To: "a@x.test", Since: since}, {To: "a@x.test", Kind: "reply", Since: since}},
				gateway.OutboxQuery{UID: "none", To: "a@x.test"}); err != nil || !last.IsZero() {
				return fmt.Errorf("no row: %v %v", last, err)
			}
			if err := tx.Audit(ctx, gateway.AuditEntry{At: stamp, MessageKey: "k0", Kind: "request", Action: "accepted",
				UID: "u1", Organizer: "a@x.test", Start: at(10, 0), End: at(11, 0), Reason: "ok"}); err != nil {
				return err
			}
			if err := tx.Audit(ctx, gateway.AuditEntry{At: stamp, MessageKey: "k1", Action: "ignored"}); err != nil {
				return err
			}
			pm := gateway.ProcessedMessage{Key: "k0", MessageID: "<m1@x>", Kind: "request", Action: "accepted", UID: "u1", Folder: "Processed", At: stamp}
			if err := tx.RecordMessage(ctx, pm); err != nil {
				return err
			}
			if err := tx.RecordMessage(ctx, pm); errors.Is(err, gateway.ErrDuplicate) {
				res.Dup = err.Error()
			}
			for _, key := range []string{"k0", "missing"} {
				m, err := tx.Message(ctx, key)
				if err != nil {
					return err
				}
				res.Msg = append(res.Msg, deref(m))
			}
			if err := tx.Audit(ctx, gateway.AuditEntry{Reason: "nul\x00"}); err == nil {
				return fmt.Errorf("a string with NUL was stored")
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		for _, key := range []string{"k0", "missing"} {
			m, err := s.Message(t.Context(), key)
			if err != nil {
				t.Fatal(err)
			}
			res.Msg = append(res.Msg, deref(m))
		}
		return res
	}
	got, want := run(hot), run(plain)
	for i, f := range []string{"Bookings", "Open", "Holds", "Versions", "Counts", "Last", "IDs", "Dup", "Msg"} {
		g, w := reflect.ValueOf(got).Field(i).Interface(), reflect.ValueOf(want).Field(i).Interface()
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: %#v\nwant %#v", f, g, w)
		}
	}
	if got.Msg[0].Key != "k0" || got.Msg[1].Key != "" || got.Msg[2].Key != "k0" || got.Msg[3].Key != "" {
		t.Errorf("messages read = %+v, want k0 and none, twice", got.Msg)
	}
	if got.Dup == "" {
		t.Error("a second record of a message was not a duplicate")
	}
	for _, table := range []string{"bookings", "meeting_versions", "outbox", "outbox_bodies", "audit_log", "processed_messages"} {
		diff(t, table, dumpTable(t, hot, table), dumpTable(t, plain, table))
	}
}

func deref(m *gateway.ProcessedMessage) gateway.ProcessedMessage {
	if m == nil {
		return gateway.ProcessedMessage{}
	}
	return *m
}

// dumpTable prints every value of table with the type its driver gives
// it, except the updated_at of meeting versions (now()): rows in rowid
// order on SQLite, by their first columns on PostgreSQL.
func dumpTable(t *testing.T, s *Store, table string) string {
	t.Helper()
	order := "rowid"
	switch {
	case s.driver == DriverPostgres && table == "outbox_bodies":
		order = "1"
	case s.driver == DriverPostgres:
		order = "1, 2, 3"
	}
	var b strings.Builder
	scanRaw(t, s.r.DB, "SELECT * FROM "+table+" ORDER BY "+order, func(cols []string, vals []any) {
		for i, c := range cols {
			if table == "meeting_versions" && c == "updated_at" {
				continue
			}
			fmt.Fprintf(&b, "%s=%T:%q ", c, vals[i], fmt.Sprint(vals[i]))
		}
		b.WriteString("\n")
	})
	return b.String()
}

// TestHotStatementsWriteEveryColumn fails when a row type gains a column
// that the prepared inserts (hotwrite.go) do not write, or that the
// prepared reads of bookings do not read: bun would, the prepared
// statements would silently store its default or return it zero.
func TestHotStatementsWriteEveryColumn(t *testing.T) {
	s := openStore(t, sqliteBackend.newDB(t))
	for _, c := range []struct {
		model any
		sql   string
	}{
		{(*bookingRow)(nil), saveBookingSQL},
		{(*outboxRow)(nil), enqueueSQL},
		{(*outboxBodyRow)(nil), enqueueBodySQL},
		{(*auditRow)(nil), auditSQL},
		{(*messageRow)(nil), recordMessageSQL},
		{(*versionRow)(nil), saveVersionSQL},
	} {
		table := s.w.Table(reflect.TypeOf(c.model).Elem())
		open := strings.Index(c.sql, "(")
		cols := strings.Split(c.sql[open+1:strings.Index(c.sql, ")")], ",")
		written := map[string]bool{}
		for _, col := range cols {
			written[strings.TrimSpace(col)] = true
		}
		for _, f := range table.Fields {
			if f.Name == "id" {
				continue // autoincrement
			}
			if !written[f.Name] {
				t.Errorf("%s: column %s is not written by %q", table.Name, f.Name, c.sql)
			}
			delete(written, f.Name)
		}
		for col := range written {
			t.Errorf("%s: %s written but not in the model", table.Name, col)
		}
	}
	// And the prepared reads scan every column of a booking.
	read := map[string]bool{}
	for _, col := range strings.Split(bookingColumns, ",") {
		read[strings.TrimPrefix(strings.TrimSpace(col), "b.")] = true
	}
	for _, f := range s.w.Table(reflect.TypeOf(bookingRow{})).Fields {
		if !read[f.Name] {
			t.Errorf("bookings: column %s is not read by the prepared statements (bookingColumns)", f.Name)
		}
	}
}

// TestHotOutboxSentMatchesBun: the prepared "sent" mark stores what bun's
// statement stores (status, sent_at with its SQLite type, attempts,
// claim), leaves a mail already sent as it is, and fails with
// ErrNotFound for an unknown ID, as bun's does.
func TestHotOutboxSentMatchesBun(t *testing.T) {
	hot, plain := hotAndPlain(t)
	var dumps []string
	for _, s := range []*Store{hot, plain} {
		ms := []*gateway.OutboxMail{withMessageID("a", at(9, 0)), withMessageID("b", at(9, 0)), withMessageID("c", at(9, 0))}
		enqueueAll(t, s, ms)
		if _, err := s.ClaimOutbox(t.Context(), at(9, 0), time.Minute, 10); err != nil {
			t.Fatal(err)
		}
		sent := at(9, 1).Add(123456789 * time.Nanosecond)
		if err := s.OutboxSent(t.Context(), sent, ms[0].ID, ms[1].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.OutboxSent(t.Context(), at(10, 0), ms[0].ID); err != nil { // already sent: unchanged
			t.Fatal(err)
		}
		if err := s.OutboxSent(t.Context(), sent, 999); !errors.Is(err, ErrNotFound) {
			t.Errorf("hot=%v: mark of an unknown ID: %v, want ErrNotFound", s.hot != nil, err)
		}
		d := dumpTable(t, s, "outbox") + dumpTable(t, s, "outbox_bodies")
		// The claim token names the Store's holder: random.
		d = regexpClaim.ReplaceAllString(d, "claim=int64:X")
		dumps = append(dumps, d)
	}
	if dumps[0] != dumps[1] {
		t.Errorf("outbox rows differ:\nprepared:\n%s\nbun:\n%s", dumps[0], dumps[1])
	}
	if !strings.Contains(dumps[0], `status=string:"sent"`) {
		t.Errorf("no mail marked sent:\n%s", dumps[0])
	}
}

var regexpClaim = regexp.MustCompile(`claim=int64:"[0-9]+"`)

// TestHotOutboxClaimMatchesBun: SQLite's prepared claim (claimOutboxHot)
// returns the same mails, in the same order, and leaves the same rows as
// bun's single statement: the first due mails by id, up to the limit,
// leased until now+lease under one token; a mail not due, sent or failed
// is left alone.
func TestHotOutboxClaimMatchesBun(t *testing.T) {
	hot, plain := hotAndPlain(t)
	type result struct {
		Claims [][]gateway.OutboxMail
		Dump   string
	}
	var res []result
	for _, s := range []*Store{hot, plain} {
		ms := []*gateway.OutboxMail{withMessageID("a", at(9, 0)), withMessageID("later", at(11, 0)),
			withMessageID("b", at(9, 0)), withMessageID("sent", at(9, 0)), withMessageID("c", at(8, 30)),
			withMessageID("d", at(9, 0))}
		ms[0].Raw = append(ms[0].Raw, bytes.Repeat([]byte("x"), 9000)...) // overflow pages
		ms[2].To = []string{"a@x.test", "b@x.test"}
		enqueueAll(t, s, ms)
		if err := s.OutboxSent(t.Context(), at(9, 0), ms[3].ID); err != nil {
			t.Fatal(err)
		}
		var r result
		claim := func(now time.Time, limit int) {
			got, err := s.ClaimOutbox(t.Context(), now, time.Minute+1500*time.Nanosecond, limit)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if got[i].Claim != got[0].Claim || got[i].Claim == 0 {
					t.Errorf("hot=%v: claim tokens %d and %d in one claim", s.hot != nil, got[0].Claim, got[i].Claim)
				}
			}
			for i := range got {
				got[i].Claim = 0
			}
			r.Claims = append(r.Claims, got)
		}
		claim(at(9, 0), 2)  // a, b
		claim(at(9, 0), 10) // c, d
		claim(at(9, 0), 10) // none: leased
		claim(at(12, 0), 0) // all pending, no limit
		r.Dump = regexpClaim.ReplaceAllString(dumpTable(t, s, "outbox"), "claim=int64:X") + dumpTable(t, s, "outbox_bodies")
		res = append(res, r)
	}
	diff(t, "claims (prepared, then bun)", res[0].Claims, res[1].Claims)
	if res[0].Dump != res[1].Dump {
		t.Errorf("outbox rows differ:\nprepared:\n%s\nbun:\n%s", res[0].Dump, res[1].Dump)
	}
	if n := []int{len(res[0].Claims[0]), len(res[0].Claims[1]), len(res[0].Claims[2]), len(res[0].Claims[3])}; !slices.Equal(n, []int{2, 2, 0, 5}) {
		t.Errorf("claimed %v mails, want [2 2 0 5]", n)
	}
	// The bytes each claim returned are the bytes queued.
	for _, m := range res[0].Claims[3] {
		if want := fmt.Appendf(nil, "Message-ID: <%s@roomgate.test>\r\nSubject: x\r\n\r\nbody\r\n", m.UID); m.UID != "a" && !bytes.Equal(m.Raw, want) {
			t.Errorf("mail %s claimed with bytes %q, want %q", m.UID, m.Raw, want)
		}
	}
	if a := res[0].Claims[0][0]; a.UID != "a" || len(a.Raw) < 9000 {
		t.Errorf("first mail claimed: %s with %d bytes, want a with its 9,000 bytes and more", a.UID, len(a.Raw))
	}
}

// quotaView keeps of bookings the fields gateway.OpenBookingsReader
// promises, those a quota reads.
func quotaView(bs []gateway.Booking) []gateway.Booking {
	out := make([]gateway.Booking, len(bs))
	for i, b := range bs {
		out[i] = gateway.Booking{ID: b.ID, UID: b.UID, RecurrenceID: b.RecurrenceID, Organizer: b.Organizer,
			Actor: b.Actor, Status: b.Status, Start: b.Start, End: b.End, ExpiresAt: b.ExpiresAt}
	}
	return out
}
