package db

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/uptrace/bun"

	"codeberg.org/opteos/roomgate/gateway"
)

// Enqueue adds a mail to the outbox and sets m.ID. Defaults are filled in
// and copied to m: Status pending, CreatedAt now, NextAttempt CreatedAt (due
// at once). The mail's bytes go to a row of outbox_bodies beside the
// outbox row, so that the claim, the "sent" mark and the retries, which
// change the outbox row, do not write them again.
func (t *tx) Enqueue(ctx context.Context, m *gateway.OutboxMail) error {
	outboxDefaults(m)
	if m.MessageID == "" && m.Channel == gateway.ChannelMail {
		m.MessageID = rawMessageID(m.Raw)
	}
	r := toOutboxRow(m)
	if t.s.hot != nil {
		if err := t.enqueueHot(ctx, r); err != nil {
			return fmt.Errorf("enqueue mail: %w", err)
		}
		m.ID = r.ID
		return nil
	}
	if kept, err := t.enqueueBehind(m, r, false); kept {
		if err != nil {
			return fmt.Errorf("enqueue mail: %w", err)
		}
		return nil
	}
	if err := t.db.NewInsert().Model(r).ExcludeColumn("id").Returning("id").Scan(ctx); err != nil {
		return fmt.Errorf("enqueue mail: %w", err)
	}
	if _, err := t.db.NewInsert().Model(&outboxBodyRow{OutboxID: r.ID, Raw: r.Raw}).Exec(ctx); err != nil {
		return fmt.Errorf("enqueue mail: %w", err)
	}
	m.ID = r.ID
	return nil
}

// outboxDefaults fills in m's defaults (see Enqueue).
func outboxDefaults(m *gateway.OutboxMail) {
	if m.Status == "" {
		m.Status = gateway.OutboxPending
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now()
	}
	if m.NextAttempt.IsZero() {
		m.NextAttempt = m.CreatedAt
	}
}

// laterBody is an outbox row whose bytes raw gives (EnqueueLater).
type laterBody struct {
	id  int64
	raw func() ([]byte, error)
}

// EnqueueLater is gateway.BodyLater: the outbox row is inserted now (on
// PostgreSQL, kept with the other writes when it can be, as Enqueue
// does) and its bytes, in outbox_bodies, once the transaction's work is
// done (storeBodies), so that raw, started by the caller, runs
// meanwhile. m.MessageID must be set: it cannot be read from bytes not
// written yet.
func (t *tx) EnqueueLater(ctx context.Context, m *gateway.OutboxMail, raw func() ([]byte, error)) error {
	if m.MessageID == "" && m.Channel == gateway.ChannelMail {
		return errors.New("enqueue mail: EnqueueLater needs the mail's Message-ID")
	}
	outboxDefaults(m)
	r := toOutboxRow(m)
	switch kept, err := t.enqueueBehind(m, r, true); {
	case kept && err != nil:
		return fmt.Errorf("enqueue mail: %w", err)
	case kept:
	case t.s.hot != nil:
		res, err := t.execHot(ctx, t.s.hot.enqueue, outboxValues(r, sqliteAt)...)
		if err != nil {
			return fmt.Errorf("enqueue mail: %w", err)
		}
		if m.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("enqueue mail: %w", err)
		}
	default:
		if err := t.db.NewInsert().Model(r).ExcludeColumn("id").Returning("id").Scan(ctx); err != nil {
			return fmt.Errorf("enqueue mail: %w", err)
		}
		m.ID = r.ID
	}
	t.later = append(t.later, laterBody{id: m.ID, raw: raw})
	return nil
}

// storeBodies waits for the bytes of the rows EnqueueLater inserted and
// stores them, in the order they were queued: on SQLite at once, on
// PostgreSQL kept to go with the COMMIT when the transaction keeps its
// writes. Update calls it before committing; a read of outbox_bodies in
// the transaction must call it first.
func (t *tx) storeBodies(ctx context.Context) error {
	for len(t.later) > 0 {
		l := t.later[0]
		t.later = t.later[1:]
		b, err := l.raw()
		if err != nil {
			return fmt.Errorf("write mail %d: %w", l.id, err)
		}
		switch kept, err := t.deferPrepared("outbox_bodies", pgEnqueueBodySQL, l.id, b); {
		case kept:
			if err != nil {
				return fmt.Errorf("enqueue mail %d: %w", l.id, err)
			}
		case t.s.hot != nil:
			if _, err := t.execHot(ctx, t.s.hot.enqueueBody, l.id, b); err != nil {
				return fmt.Errorf("enqueue mail %d: %w", l.id, err)
			}
		default:
			if _, err := t.db.NewInsert().Model(&outboxBodyRow{OutboxID: l.id, Raw: b}).Exec(ctx); err != nil {
				return fmt.Errorf("enqueue mail %d: %w", l.id, err)
			}
		}
	}
	return nil
}

// selectOutbox selects the outbox rows q selects, with its arguments
// written in, or as placeholders added to p when not nil.
func (t *tx) selectOutbox(p *pgArgs, q gateway.OutboxQuery) *bun.SelectQuery {
	sel := t.db.NewSelect().Model((*outboxRow)(nil))
	if !q.Since.IsZero() {
		sel = sel.Where("created_at >= ?", p.v(utc(q.Since)))
	}
	if q.UID != "" {
		sel = sel.Where("uid = ?", p.v(q.UID))
	}
	if q.To != "" {
		sel = sel.Where("rcpt_to = ?", p.v(q.To))
	}
	if q.Kind != "" {
		sel = sel.Where("kind = ?", p.v(q.Kind))
	}
	return sel
}

// CountOutbox counts the outbox rows that q selects.
func (t *tx) CountOutbox(ctx context.Context, q gateway.OutboxQuery) (int, error) {
	n, err := t.selectOutbox(nil, q).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count outbox: %w", err)
	}
	return int(n), nil
}

// LastOutbox returns the latest CreatedAt of the outbox rows q selects,
// zero when there is none.
func (t *tx) LastOutbox(ctx context.Context, q gateway.OutboxQuery) (time.Time, error) {
	var rows []outboxRow
	if err := t.selectOutbox(nil, q).Column("created_at").Order("created_at DESC").Limit(1).Scan(ctx, &rows); err != nil {
		return time.Time{}, fmt.Errorf("last outbox row: %w", err)
	}
	if len(rows) == 0 {
		return time.Time{}, nil
	}
	return rows[0].CreatedAt.UTC(), nil
}

// ClaimOutbox returns up to limit pending mails due at now, oldest first,
// and leases them: their next attempt moves to now+lease, so another
// instance sharing the database does not send them meanwhile, and their
// claim token is a new random one (OutboxMail.Claim) that LeaseOutbox
// checks. A mail whose sender crashed is due again when its lease ends.
// The claim is one statement that reads the first due rows of the
// outbox_pending_id index, in id order, and stops at limit: on PostgreSQL
// rows locked by a concurrent claim are skipped (FOR UPDATE SKIP LOCKED);
// on SQLite the single writer serializes claims. The mails are returned
// leased: NextAttempt is the lease's end. On a SQLite file, a mail the
// accept log (acceptlog.go) says the server accepted is marked sent
// instead of returned.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]gateway.OutboxMail, error) {
	if err := s.releaseDeadHolders(ctx, now); err != nil {
		s.log.Warn("looking for outbox mails held by stopped instances failed; they wait for their lease", "err", err)
	}
	var rows []outboxRow
	var err error
	if s.hot != nil {
		rows, err = s.claimOutboxHot(ctx, now, lease, limit)
	} else {
		// SQLite's RETURNING names the table, not bun's alias.
		outer := "outbox_row"
		if s.driver == DriverSQLite {
			outer = "outbox"
		}
		err = s.w.NewUpdate().Model((*outboxRow)(nil)).
			Set("next_attempt = ?", utc(now.Add(lease))).
			Set("claim = ?", s.newClaim(ctx, now)).
			Where("id IN (?)", s.dueOutbox(now, limit)).
			Returning("*, "+outboxRaw(outer)).
			Scan(ctx, &rows)
	}
	if err != nil {
		return nil, markUnavailable(fmt.Errorf("claim outbox: %w", err))
	}
	slices.SortFunc(rows, func(a, b outboxRow) int { return cmp.Compare(a.ID, b.ID) })
	if s.accepted != nil && len(rows) > 0 {
		if rows, err = s.dropAccepted(ctx, now, rows); err != nil {
			return nil, markUnavailable(fmt.Errorf("claim outbox: %w", err))
		}
	}
	out := mails(rows)
	for i := range out {
		out[i].Claim = rows[i].Claim
	}
	return out, nil
}

// dueOutbox selects the IDs of the first limit pending rows due at now,
// in id order, through the outbox_pending_id index (SQLite's planner,
// left alone, prefers outbox_status_next and sorts every due row).
func (s *Store) dueOutbox(now time.Time, limit int) *bun.SelectQuery {
	due := s.w.NewSelect().Model((*outboxRow)(nil)).Column("id").
		Where("status = ?", string(gateway.OutboxPending)).
		Where("next_attempt <= ?", utc(now)).
		Order("id")
	if limit > 0 {
		due = due.Limit(int64(limit))
	}
	switch s.driver {
	case DriverSQLite:
		due = due.ModelTableExpr("outbox AS outbox_row INDEXED BY outbox_pending_id")
	case DriverPostgres:
		due = due.For("UPDATE SKIP LOCKED")
	}
	return due
}

// The claim on SQLite, by prepared statements in one transaction: the
// IDs of the due rows, in id order, through the outbox_pending_id index;
// each leased; each read back. bun's single UPDATE … WHERE id IN (SELECT
// …) RETURNING * made SQLite build an ephemeral table for the IN list and
// another for RETURNING, a page cache mapped and unmapped each time, and
// its rows were scanned by reflection: 0.26 s of CPU for 1,000 mails in a
// backlog (a tenth of the run). The read takes the mail's bytes from
// outbox_bodies (NULL when it has none).
const (
	outboxDueSQL = `SELECT id FROM outbox INDEXED BY outbox_pending_id
	WHERE status = 'pending' AND next_attempt <= ?1 ORDER BY id LIMIT ?2`
	outboxClaimOneSQL = `UPDATE outbox SET next_attempt = ?1, claim = ?2 WHERE id = ?3`
	outboxReadSQL     = `SELECT id, ` + outboxInsertColumns + `,
	(SELECT raw FROM outbox_bodies WHERE outbox_id = ?1) FROM outbox WHERE id = ?1`
)

// claimOutboxHot is ClaimOutbox's claim on SQLite (see above).
func (s *Store) claimOutboxHot(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]outboxRow, error) {
	if limit <= 0 {
		limit = -1 // no limit
	}
	until, claim := sqliteTime(now.Add(lease)), s.newClaim(ctx, now)
	var rows []outboxRow
	err := s.inTx(ctx, func(btx bun.Tx) error {
		rows = nil
		due := btx.StmtContext(ctx, s.hot.outboxDue)
		defer due.Close()
		statements.Add(1)
		res, err := due.QueryContext(ctx, sqliteTime(now), limit)
		if err != nil {
			return err
		}
		var ids []int64
		for res.Next() {
			var id int64
			if err := res.Scan(&id); err != nil {
				res.Close()
				return err
			}
			ids = append(ids, id)
		}
		if err := errors.Join(res.Err(), res.Close()); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		one := btx.StmtContext(ctx, s.hot.outboxClaimOne)
		defer one.Close()
		read := btx.StmtContext(ctx, s.hot.outboxRead)
		defer read.Close()
		for _, id := range ids {
			if _, err := execStmt(ctx, one, until, claim, id); err != nil {
				return err
			}
		}
		for _, id := range ids {
			r, err := scanOutboxRow(ctx, read, id)
			if err != nil {
				return err
			}
			rows = append(rows, r)
		}
		return nil
	})
	return rows, err
}

// scanOutboxRow reads the outbox row id by st (outboxReadSQL).
func scanOutboxRow(ctx context.Context, st *sql.Stmt, id int64) (outboxRow, error) {
	var r outboxRow
	var next, created string
	var sent sql.NullString
	var raw any
	statements.Add(1)
	err := st.QueryRowContext(ctx, id).Scan(&r.ID, &r.MessageKey, &r.UID, &r.MailFrom, &r.RcptTo, &r.Status,
		&r.Attempts, &next, &r.LastError, &created, &sent, &r.Channel, &r.Kind, &r.MessageID, &r.Claim, &raw)
	if err != nil {
		return r, fmt.Errorf("outbox mail %d: %w", id, err)
	}
	r.Raw = requestBytes(raw)
	for _, f := range []struct {
		dst *time.Time
		src string
	}{{&r.NextAttempt, next}, {&r.CreatedAt, created}, {&r.SentAt, sent.String}} {
		if f.src == "" {
			continue
		}
		if *f.dst, err = time.Parse(sqliteTimeLayout, f.src); err != nil {
			return r, fmt.Errorf("outbox mail %d: %w", id, err)
		}
	}
	return r, nil
}

// LeaseOutbox sets the next attempt of the mails of ids that are pending
// and still held by claim to until, and returns their IDs, ascending. It
// renews a lease (until later than now) or gives the mails back (until
// now). Mails already sent, or claimed again by another instance after
// the lease ended, are left alone and not returned.
func (s *Store) LeaseOutbox(ctx context.Context, claim int64, ids []int64, until time.Time) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var held []int64
	err := s.w.NewUpdate().Model((*outboxRow)(nil)).
		Set("next_attempt = ?", utc(until)).
		Where("id IN (?)", bun.List(ids)).
		Where("status = ?", string(gateway.OutboxPending)).
		Where("claim = ?", claim).
		Returning("id").
		Scan(ctx, &held)
	if err != nil {
		return nil, markUnavailable(fmt.Errorf("lease outbox mails: %w", err))
	}
	slices.Sort(held)
	return held, nil
}

// OutboxPostpone makes every pending row of the channel due at or before
// dueBy due at until instead (until >= dueBy: rows only move later). After
// the server failed for one mail, the others wait with it and leave in
// order once it answers again. A row leased by another instance's claim
// may move later too, which cannot make it leave twice.
func (s *Store) OutboxPostpone(ctx context.Context, channel string, dueBy, until time.Time) error {
	_, err := s.w.NewUpdate().Model((*outboxRow)(nil)).
		Set("next_attempt = ?", utc(until)).
		Where("status = ?", string(gateway.OutboxPending)).
		Where("channel = ?", channel).
		Where("next_attempt <= ?", utc(dueBy)).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("postpone outbox mails: %w", err)
	}
	return nil
}

// OutboxSent marks mails sent at the given time and counts the attempt,
// in one statement, whatever claim holds them (they left: even a claim
// lost meanwhile must not make them leave again). A mail already marked
// sent is left as it is, so a mark whose answer was lost may be run
// again. It fails with ErrNotFound if one of the IDs names no mail.
func (s *Store) OutboxSent(ctx context.Context, at time.Time, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	if s.hot != nil {
		return s.outboxSentHot(ctx, at, ids)
	}
	if s.driver == DriverPostgres {
		n, err := s.outboxSentPG(ctx, at, ids)
		if err != nil {
			return markUnavailable(fmt.Errorf("mark outbox mails %v sent: %w", ids, err))
		}
		if int(n) == len(ids) {
			return nil
		}
		return s.outboxExist(ctx, "mark outbox mail sent", ids)
	}
	res, err := s.w.NewUpdate().Model((*outboxRow)(nil)).
		Set("status = ?", string(gateway.OutboxSent)).
		Set("sent_at = ?", utc(at)).
		Set("attempts = attempts + 1").
		Set("claim = 0").
		Where("id IN (?)", bun.List(ids)).
		Where("status <> ?", string(gateway.OutboxSent)).
		Exec(ctx)
	if err != nil {
		return markUnavailable(fmt.Errorf("mark outbox mails %v sent: %w", ids, err))
	}
	if n, err := res.RowsAffected(); err == nil && int(n) == len(ids) {
		return nil
	}
	return s.outboxExist(ctx, "mark outbox mail sent", ids)
}

// pgOutboxSentSQL is OutboxSent on PostgreSQL, prepared on each
// connection (pgprepared.go): bun's statement was parsed and planned anew
// for every mail sent. Arguments: the instant, the IDs.
const pgOutboxSentSQL = `UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, claim = 0
	WHERE id = ANY($2) AND status <> 'sent'`

// outboxSentPG runs pgOutboxSentSQL on a connection of the pool and
// returns how many rows it marked.
func (s *Store) outboxSentPG(ctx context.Context, at time.Time, ids []int64) (int64, error) {
	c, err := s.w.DB.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	var n int64
	st := []pgStatement{{sql: pgOutboxSentSQL, args: []any{at.UTC(), ids}, prepare: true}}
	err = pipelineOn(ctx, c, st, countRows(st, &n))
	return n, err
}

// outboxSentSQL is OutboxSent for one mail, prepared on SQLite (hot.go):
// bun's statement with an IN list was parsed anew for every mark, and the
// list made SQLite build an ephemeral table each time. Arguments: the
// instant, the id.
const outboxSentSQL = `UPDATE outbox SET status = 'sent', sent_at = ?1, attempts = attempts + 1, claim = 0
	WHERE id = ?2 AND status <> 'sent'`

// outboxSentHot is OutboxSent on SQLite: the prepared statement once per
// mail, in one transaction.
func (s *Store) outboxSentHot(ctx context.Context, at time.Time, ids []int64) error {
	var n int64
	err := s.inTx(ctx, func(btx bun.Tx) error {
		t := &tx{s: s, db: btx, btx: btx}
		for _, id := range ids {
			res, err := t.execHot(ctx, s.hot.outboxSent, sqliteTime(at), id)
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	if err != nil {
		return markUnavailable(fmt.Errorf("mark outbox mails %v sent: %w", ids, err))
	}
	if int(n) == len(ids) {
		return nil
	}
	return s.outboxExist(ctx, "mark outbox mail sent", ids)
}

// outboxExist fails with ErrNotFound when one of ids names no mail.
func (s *Store) outboxExist(ctx context.Context, what string, ids []int64) error {
	n, err := s.w.NewSelect().Model((*outboxRow)(nil)).Where("id IN (?)", bun.List(ids)).Count(ctx)
	if err != nil {
		return markUnavailable(fmt.Errorf("%s: %w", what, err))
	}
	if int(n) < len(slices.Compact(slices.Sorted(slices.Values(ids)))) {
		return fmt.Errorf("%s %v: %w", what, ids, ErrNotFound)
	}
	return nil
}

// OutboxRetry records a failed attempt of a pending mail: Attempts+1,
// NextAttempt=next, LastError=errText, and its claim ends. If permanent,
// Status becomes failed. A mail that is no longer pending (sent by
// another instance meanwhile) is left as it is. It fails with ErrNotFound
// if there is no such mail.
func (s *Store) OutboxRetry(ctx context.Context, id int64, next time.Time, errText string, permanent bool) error {
	q := s.w.NewUpdate().Model((*outboxRow)(nil)).
		Set("attempts = attempts + 1").
		Set("next_attempt = ?", utc(next)).
		Set("last_error = ?", errText).
		Set("claim = 0").
		Where("id = ?", id).
		Where("status = ?", string(gateway.OutboxPending))
	if permanent {
		q = q.Set("status = ?", string(gateway.OutboxFailed))
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return markUnavailable(fmt.Errorf("record outbox failure %d: %w", id, err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return nil
	}
	return s.outboxExist(ctx, "record outbox failure", []int64{id})
}

func checkUpdated(res sql.Result, err error, what string, id int64) error {
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%s %d: %w", what, id, ErrNotFound)
	}
	return nil
}

// ListOutbox returns up to limit mails with the given status (any status
// if empty), newest first. A limit of 0 or less means no limit.
func (s *Store) ListOutbox(ctx context.Context, status gateway.OutboxStatus, limit int) ([]gateway.OutboxMail, error) {
	var rows []outboxRow
	q := s.r.NewSelect().Model(&rows).ColumnExpr("outbox_row.*").ColumnExpr(outboxRaw("outbox_row")).Order("id DESC")
	if status != "" {
		q = q.Where("status = ?", string(status))
	}
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return mails(rows), nil
}

// PendingOutbox returns how many mails wait to be sent and when the oldest
// of them was queued (zero when none), without reading the mails.
func (s *Store) PendingOutbox(ctx context.Context) (int, time.Time, error) {
	var res struct {
		N      int        `bun:"n"`
		Oldest *time.Time `bun:"oldest"`
	}
	err := s.r.NewSelect().Model((*outboxRow)(nil)).
		ColumnExpr("COUNT(*) AS n").ColumnExpr("MIN(created_at) AS oldest").
		Where("status = ?", string(gateway.OutboxPending)).
		Scan(ctx, &res)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("pending outbox: %w", err)
	}
	if res.Oldest == nil {
		return res.N, time.Time{}, nil
	}
	return res.N, utc(*res.Oldest), nil
}

// rawMessageID reads the Message-ID field of a mail (RFC 5322 §3.6.4),
// "" when it has none or its header cannot be read.
func rawMessageID(raw []byte) string {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return ""
	}
	id := strings.TrimSpace(h.Get("Message-Id"))
	if len(id) > 998 || strings.ContainsAny(id, "\r\n") {
		return ""
	}
	return id
}
