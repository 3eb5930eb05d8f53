package db

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// CountOutboxes counts as CountOutbox does, query by query, in one
// statement.
func TestCountOutboxes(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		toEve := mail("u3", at(11, 0), at(11, 0))
		toEve.To, toEve.Kind = []string{"eve@elsewhere.example"}, gateway.OutboxOutsider
		enqueueAll(t, s, []*gateway.OutboxMail{
			mail("u1", at(9, 0), at(9, 0)), mail("u1", at(10, 0), at(10, 0)),
			mail("u1", at(11, 0), at(11, 0)), mail("u2", at(11, 0), at(11, 0)), toEve,
		})
		to := mail("", at(0, 0), at(0, 0)).To[0]
		qs := []gateway.OutboxQuery{
			{UID: "u1", To: to, Since: at(10, 0)},
			{To: to, Kind: "", Since: at(0, 0)},
			{To: "eve@elsewhere.example", Kind: gateway.OutboxOutsider, Since: at(0, 0)},
			{Kind: gateway.OutboxOutsider, Since: at(11, 1)},
			{UID: "it's", Since: at(0, 0)},
		}
		want := []int{2, 4, 1, 0, 0}
		err := s.Update(ctx, func(tx gateway.Tx) error {
			got, err := tx.(gateway.OutboxCounter).CountOutboxes(ctx, qs)
			if err != nil {
				return err
			}
			diff(t, "CountOutboxes", got, want)
			for i, q := range qs {
				if n, err := tx.CountOutbox(ctx, q); err != nil || n != got[i] {
					t.Errorf("CountOutbox(%+v) = %d, %v; CountOutboxes said %d", q, n, err, got[i])
				}
			}
			return checkCountOutboxesLast(t, tx, qs, want)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// checkCountOutboxesLast checks that CountOutboxesLast counts as
// CountOutboxes and reads the instant LastOutbox reads, a row's or none.
func checkCountOutboxesLast(t *testing.T, tx gateway.Tx, qs []gateway.OutboxQuery, want []int) error {
	t.Helper()
	ctx := t.Context()
	to := mail("", at(0, 0), at(0, 0)).To[0]
	for _, last := range []gateway.OutboxQuery{{UID: "u1", To: to}, {UID: "u2", To: to}, {UID: "none", To: to}} {
		got, stamp, err := tx.(gateway.OutboxStamper).CountOutboxesLast(ctx, qs, last)
		if err != nil {
			return err
		}
		diff(t, "CountOutboxesLast", got, want)
		wantStamp, err := tx.LastOutbox(ctx, last)
		if err != nil {
			return err
		}
		if !stamp.Equal(wantStamp) || (last.UID != "none" && stamp.IsZero()) {
			t.Errorf("CountOutboxesLast(%+v) stamp %v, LastOutbox %v", last, stamp, wantStamp)
		}
	}
	return nil
}

// The writes kept on PostgreSQL (writebehind.go) are seen by the reads
// after them in the transaction, a duplicate record is still reported, and
// a transaction that ends on a kept write commits it.
func TestWriteBehind(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		msg := gateway.ProcessedMessage{Key: "k1", Kind: gateway.KindRequest, Action: gateway.ActionAccepted, At: at(9, 0)}
		err := s.Update(ctx, func(tx gateway.Tx) error {
			if err := tx.Audit(ctx, gateway.AuditEntry{At: at(9, 0), MessageKey: "k1", Reason: "first"}); err != nil {
				return err
			}
			if err := tx.SaveVersions(ctx, "ann@example.org", "u", []gateway.Version{{Sequence: 3, DTStamp: at(8, 0)}}); err != nil {
				return err
			}
			vs, err := tx.Versions(ctx, "ann@example.org", "u")
			if err != nil {
				return err
			}
			diff(t, "versions seen in the transaction", vs, []gateway.Version{{Sequence: 3, DTStamp: at(8, 0)}})
			if err := tx.RecordMessage(ctx, msg); err != nil {
				return err
			}
			if m, err := tx.Message(ctx, "k1"); err != nil || m == nil {
				t.Errorf("Message after RecordMessage = %v, %v", m, err)
			}
			ms, err := tx.(gateway.MessageLookup).Messages(ctx, []string{"k0", "k1"})
			if err != nil {
				return err
			}
			if len(ms) != 1 || ms["k1"] == nil || ms["k1"].Action != gateway.ActionAccepted {
				t.Errorf("Messages(k0, k1) = %v, want k1 alone", ms)
			}
			if err := tx.Audit(ctx, gateway.AuditEntry{At: at(9, 1), MessageKey: "k1", Reason: "again"}); err != nil {
				return err
			}
			if err := tx.RecordMessage(ctx, msg); !errors.Is(err, gateway.ErrDuplicate) {
				t.Errorf("second RecordMessage = %v, want ErrDuplicate", err)
			}
			return tx.Audit(ctx, gateway.AuditEntry{At: at(9, 2), MessageKey: "k1", Reason: "last"})
		})
		if err != nil {
			t.Fatal(err)
		}
		es, err := s.ListAudit(ctx, at(0, 0), 0)
		if err != nil {
			t.Fatal(err)
		}
		var reasons []string
		for _, e := range es {
			reasons = append(reasons, e.Reason)
		}
		diff(t, "audit reasons", reasons, []string{"first", "again", "last"})
	})
}

// TestReplyLimitPlan: on SQLite, the reply limits every decision counts
// (hotCountShapes) are answered inside an index, without reading a row of
// the outbox: the latest reply's query has no lower bound on created_at,
// so reading rows would cost more with each reply the member ever got.
func TestReplyLimitPlan(t *testing.T) {
	t.Parallel()
	s := openStore(t, Options{Driver: DriverSQLite, DSN: t.TempDir() + "/plan.db"})
	for _, shape := range hotCountShapes {
		text, args := countSQL(shape[:len(shape)-1], shape[len(shape)-1])
		plan, err := explainSQLite(t.Context(), s, text, args...)
		if err != nil {
			t.Fatal(err)
		}
		searches := 0
		for _, line := range plan {
			if !strings.Contains(line, "outbox") {
				continue
			}
			searches++
			if !strings.HasPrefix(line, "SEARCH outbox USING COVERING INDEX") {
				t.Errorf("%s:\n  %s\nwant a search inside an index (plan: %q)", text, line, plan)
			}
		}
		if searches != len(shape) {
			t.Errorf("%s: %d searches of outbox in %q, want %d", text, searches, plan, len(shape))
		}
	}
}

// TestCountShape: two lists of reply-limit queries have the same
// countShape exactly when countSQL writes them the same statement, and
// countArgs gives countSQL's arguments, for every combination of the
// fields that make the statement, in lists of one to four queries.
func TestCountShape(t *testing.T) {
	var queries []gateway.OutboxQuery
	for set := range 16 {
		var q gateway.OutboxQuery
		if set&1 != 0 {
			q.Since = time.Date(2026, 12, 6, 10, set, 0, 0, time.UTC)
		}
		if set&2 != 0 {
			q.UID = fmt.Sprintf("uid-%d", set)
		}
		if set&4 != 0 {
			q.To = fmt.Sprintf("to-%d@coop.example", set)
		}
		if set&8 != 0 {
			q.Kind = fmt.Sprintf("kind-%d", set)
		}
		queries = append(queries, q)
	}
	r := rand.New(rand.NewPCG(9, 10))
	textOf := map[string]string{}  // shape -> text
	shapeOf := map[string]string{} // text -> shape
	for range 20000 {
		qs := make([]gateway.OutboxQuery, r.IntN(4))
		for i := range qs {
			qs[i] = queries[r.IntN(len(queries))]
		}
		last := queries[r.IntN(len(queries))]
		text, args := countSQL(qs, last)
		shape := countShape(qs, last)
		if t2, ok := textOf[shape]; ok && t2 != text {
			t.Fatalf("shape %q names two statements:\n%s\n%s", shape, t2, text)
		}
		if s2, ok := shapeOf[text]; ok && s2 != shape {
			t.Fatalf("statement %s has two shapes, %q and %q", text, s2, shape)
		}
		textOf[shape], shapeOf[text] = text, shape
		// (no arguments: nil for one, empty for the other, alike in a call)
		if got := countArgs(qs, last); (len(got) > 0 || len(args) > 0) && !reflect.DeepEqual(got, args) {
			t.Fatalf("countArgs = %v, countSQL's %v", got, args)
		}
	}
}
