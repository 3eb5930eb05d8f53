package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// The rest of a decision's statements on SQLite, prepared once as those of
// hot.go: the person's bookings, the holds, the meeting's versions, the
// reply limits, and the writes (booking, outbox row, versions, audit entry,
// message record). Each is the statement bun would send, with the same
// values bound instead of written in: bun writes an instant as
// sqliteTimeLayout text, a nullzero zero instant and a nil []byte as NULL,
// and refuses a string holding NUL, as refuseNUL does.

// personBookingsSQL is personBookings with open, for one status
// (byStatus): the bookings a person organizes, by the (organizer, status,
// end_at) index, then those they asked for and do not organize, by the
// (actor, status, end_at) index, which holds only the rows whose actor is
// not empty: the condition saying so lets the planner use it. Arguments:
// person, after.
const personBookingsSQL = `SELECT ` + bookingColumns + `, EXISTS (SELECT 1 FROM open_series AS o
		WHERE o.organizer = b.organizer AND o.uid = b.uid) AS open_series
	FROM bookings AS b WHERE b.organizer = ?1 AND b.status = {status} AND b.end_at > ?2
	UNION ALL
	SELECT ` + bookingColumns + `, EXISTS (SELECT 1 FROM open_series AS o
		WHERE o.organizer = b.organizer AND o.uid = b.uid) AS open_series
	FROM bookings AS b WHERE b.actor = ?1 AND b.actor <> '' AND b.organizer <> ?1 AND b.status = {status} AND b.end_at > ?2`

// quotaColumns are the columns of a booking that a quota reads
// (gateway.OpenBookingsReader), in scanHotQuota's order.
const quotaColumns = `b.id, b.uid, b.recurrence_id, b.organizer, b.actor, b.status, b.start_at, b.end_at, b.expires_at`

// personQuotaSQL is personBookingsSQL reading only quotaColumns: a
// decision reads every booking ahead of the persons it counts, and
// modernc's SQLite costs about half a microsecond per column read.
var personQuotaSQL = strings.ReplaceAll(personBookingsSQL, bookingColumns, quotaColumns)

// holdsSQL is Holds for one status (byStatus), by the (status, start_at,
// end_at) index. Arguments: lower bound of start_at, after.
const holdsSQL = `SELECT ` + bookingColumns + ` FROM bookings AS b
	WHERE b.status = {status} AND b.start_at > ?1 AND b.end_at > ?2`

const versionsSQL = `SELECT recurrence_id, sequence, dtstamp FROM meeting_versions
	WHERE organizer = ? AND uid = ? ORDER BY recurrence_id`

const saveVersionSQL = `INSERT INTO meeting_versions (organizer, uid, recurrence_id, sequence, dtstamp, updated_at)
	VALUES (?, ?, ?, ?, ?, ?)
	ON CONFLICT (organizer, uid, recurrence_id) DO UPDATE
	SET sequence = EXCLUDED.sequence, dtstamp = EXCLUDED.dtstamp, updated_at = EXCLUDED.updated_at`

// bookingInsertColumns are bookingRow's columns but id, in field order.
var bookingInsertColumns = []string{"uid", "recurrence_id", "room", "organizer", "organizer_name", "summary",
	"start_at", "end_at", "sequence", "dtstamp", "status", "reason", "message_id", "lang",
	"created_at", "updated_at", "request", "expires_at", "approval", "actor",
	"host", "provider", "tool_room", "options"}

var saveBookingSQL = func() string {
	set := make([]string, len(bookingUpdates))
	for i, c := range bookingUpdates {
		set[i] = c + " = EXCLUDED." + c
	}
	return `INSERT INTO bookings (` + strings.Join(bookingInsertColumns, ", ") + `) VALUES (` + placeholders(len(bookingInsertColumns)) + `)
	ON CONFLICT (organizer, uid, recurrence_id) DO UPDATE SET ` + strings.Join(set, ", ") + `
	RETURNING id, created_at`
}()

// outboxInsertColumns are outboxRow's columns but id, in field order (its
// bytes, Raw, are outbox_bodies').
const outboxInsertColumns = `message_key, uid, mail_from, rcpt_to, status, attempts, next_attempt,
	last_error, created_at, sent_at, channel, kind, message_id, claim`

// enqueueSQL is Enqueue's insert. The new id is the connection's last
// inserted rowid (id is the INTEGER PRIMARY KEY): a RETURNING clause would
// make SQLite build an ephemeral table for it.
const enqueueSQL = `INSERT INTO outbox (` + outboxInsertColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// enqueueBodySQL is Enqueue's insert of the mail's bytes. Arguments: the
// outbox ID, the bytes.
const enqueueBodySQL = `INSERT INTO outbox_bodies (outbox_id, raw) VALUES (?, ?)`

const auditSQL = `INSERT INTO audit_log (logged_at, message_key, message_id, kind, action, uid, organizer, room,
	start_at, end_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const recordMessageSQL = insertMessageSQL + ` ON CONFLICT (key) DO NOTHING`

// insertMessageSQL records a message, failing on a key already recorded
// (RecordNew).
const insertMessageSQL = `INSERT INTO processed_messages (key, message_id, kind, action, uid, reason, folder, processed_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// messageSQL is message: a processed message by its key.
const messageSQL = `SELECT key, message_id, kind, action, uid, reason, folder, processed_at
	FROM processed_messages WHERE key = ?`

// messageHot is message by a prepared statement, on the transaction's
// connection when t is not nil, else on st's pool.
func messageHot(ctx context.Context, t *tx, st *sql.Stmt, key string) (*gateway.ProcessedMessage, error) {
	if err := refuseNUL([]any{key}); err != nil {
		return nil, fmt.Errorf("get processed message: %w", err)
	}
	if t != nil {
		st = t.btx.StmtContext(ctx, st)
		defer st.Close()
	}
	statements.Add(1)
	var r messageRow
	var at string
	err := st.QueryRowContext(ctx, key).Scan(&r.Key, &r.MessageID, &r.Kind, &r.Action, &r.UID, &r.Reason, &r.Folder, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err == nil {
		r.ProcessedAt, err = time.Parse(sqliteTimeLayout, at)
	}
	if err != nil {
		return nil, fmt.Errorf("get processed message: %w", err)
	}
	return r.message(), nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// hotCountShapes are the reply-limit statements the gateway runs for every
// reply (gateway.limitChecks, then the DTSTAMP's query): they are prepared;
// any other combination goes through bun.
var hotCountShapes = [][]gateway.OutboxQuery{
	{{UID: "u", To: "t", Since: time.Unix(1, 0)}, {To: "t", Kind: "k", Since: time.Unix(1, 0)}, {UID: "u", To: "t"}},
	{{UID: "u", To: "t", Since: time.Unix(1, 0)}, {To: "t", Kind: "k", Since: time.Unix(1, 0)}, {Kind: "k", Since: time.Unix(1, 0)}, {UID: "u", To: "t"}},
}

// outboxWhere is selectOutbox's condition with placeholders, and its
// arguments.
func outboxWhere(q gateway.OutboxQuery) (string, []any) {
	var conds []string
	var args []any
	if !q.Since.IsZero() {
		conds, args = append(conds, "created_at >= ?"), append(args, sqliteTime(q.Since))
	}
	if q.UID != "" {
		conds, args = append(conds, "uid = ?"), append(args, q.UID)
	}
	if q.To != "" {
		conds, args = append(conds, "rcpt_to = ?"), append(args, q.To)
	}
	if q.Kind != "" {
		conds, args = append(conds, "kind = ?"), append(args, q.Kind)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// countSQL is countOutboxes's statement for qs and last (the latest
// created_at of last's rows), with placeholders, and its arguments.
func countSQL(qs []gateway.OutboxQuery, last gateway.OutboxQuery) (string, []any) {
	parts := make([]string, 0, len(qs)+1)
	var args []any
	for _, q := range qs {
		w, a := outboxWhere(q)
		parts, args = append(parts, "(SELECT count(*) FROM outbox"+w+")"), append(args, a...)
	}
	w, a := outboxWhere(last)
	parts, args = append(parts, "(SELECT created_at FROM outbox"+w+" ORDER BY created_at DESC LIMIT 1)"), append(args, a...)
	return "SELECT " + strings.Join(parts, ", "), args
}

// prepareCounts prepares the statements of hotCountShapes, keyed by their
// countShape.
func (s *Store) prepareCounts(ctx context.Context, h *hotStatements) error {
	h.counts = make(map[string]*sql.Stmt, len(hotCountShapes))
	for _, shape := range hotCountShapes {
		qs, last := shape[:len(shape)-1], shape[len(shape)-1]
		text, _ := countSQL(qs, last)
		st, err := s.w.DB.PrepareContext(ctx, text)
		if err != nil {
			return fmt.Errorf("prepare statement: %w", err)
		}
		h.counts[countShape(qs, last)] = st
	}
	return nil
}

// countShape names countSQL's statement for qs and last without writing
// it: which fields of each query are set, of which the statement's text is
// made (TestCountShape). A decision looks its statement up by it, and
// countArgs gives the arguments.
func countShape(qs []gateway.OutboxQuery, last gateway.OutboxQuery) string {
	var b [8]byte
	key := b[:0]
	for _, q := range qs {
		key = append(key, querySet(q))
	}
	return string(append(key, querySet(last)))
}

// querySet is a letter saying which fields of q are set.
func querySet(q gateway.OutboxQuery) byte {
	set := byte('@') // 0x40: the four bits below are free
	if !q.Since.IsZero() {
		set |= 1
	}
	if q.UID != "" {
		set |= 2
	}
	if q.To != "" {
		set |= 4
	}
	if q.Kind != "" {
		set |= 8
	}
	return set
}

// countArgs are the arguments of countSQL's statement, in its order.
func countArgs(qs []gateway.OutboxQuery, last gateway.OutboxQuery) []any {
	args := make([]any, 0, 4*(len(qs)+1))
	for _, q := range qs {
		args = appendQueryArgs(args, q)
	}
	return appendQueryArgs(args, last)
}

// appendQueryArgs appends the arguments of outboxWhere(q).
func appendQueryArgs(args []any, q gateway.OutboxQuery) []any {
	if !q.Since.IsZero() {
		args = append(args, sqliteTime(q.Since))
	}
	if q.UID != "" {
		args = append(args, q.UID)
	}
	if q.To != "" {
		args = append(args, q.To)
	}
	if q.Kind != "" {
		args = append(args, q.Kind)
	}
	return args
}

var errStringNUL = errors.New("string contains a NUL byte")

// refuseNUL checks the arguments as bun would format them: a string with
// a NUL byte is refused.
func refuseNUL(args []any) error {
	for _, a := range args {
		if s, ok := a.(string); ok && strings.IndexByte(s, 0) >= 0 {
			return errStringNUL
		}
	}
	return nil
}

// execHot runs a prepared statement in the transaction.
func (t *tx) execHot(ctx context.Context, st *sql.Stmt, args ...any) (sql.Result, error) {
	ts := t.btx.StmtContext(ctx, st)
	defer ts.Close()
	return execStmt(ctx, ts, args...)
}

// execStmt runs ts, a prepared statement already bound to the
// transaction (Tx.StmtContext): a loop that runs one statement for many
// rows binds it once.
func execStmt(ctx context.Context, ts *sql.Stmt, args ...any) (sql.Result, error) {
	if err := refuseNUL(args); err != nil {
		return nil, err
	}
	statements.Add(1)
	return ts.ExecContext(ctx, args...)
}

// queryRowHot runs a prepared statement that returns one row and scans it.
func (t *tx) queryRowHot(ctx context.Context, st *sql.Stmt, dest []any, args ...any) error {
	if err := refuseNUL(args); err != nil {
		return err
	}
	ts := t.btx.StmtContext(ctx, st)
	defer ts.Close()
	statements.Add(1)
	return ts.QueryRowContext(ctx, args...).Scan(dest...)
}

// The values of the hot writes' placeholders, in the order of their
// statements' columns, each instant as at gives it to the driver: bun's
// text on SQLite (sqliteAt), the time.Time itself on PostgreSQL (pgAt). A
// nullzero instant that is zero is NULL.

// bookingValues are the values of bookingInsertColumns.
func bookingValues(r *bookingRow, at func(time.Time) any) []any {
	return []any{r.UID, r.RecurrenceID, r.Room, r.Organizer, r.OrganizerName, r.Summary,
		at(r.StartAt), at(r.EndAt), int64(r.Sequence), nullAt(r.DTStamp, at), r.Status, r.Reason, r.MessageID, r.Lang,
		at(r.CreatedAt), at(r.UpdatedAt), r.Request, nullAt(r.ExpiresAt, at), r.Approval, r.Actor,
		r.Host, r.Provider, r.ToolRoom, r.Options}
}

// outboxValues are the values of outboxInsertColumns.
func outboxValues(r *outboxRow, at func(time.Time) any) []any {
	return []any{r.MessageKey, r.UID, r.MailFrom, r.RcptTo, r.Status, int64(r.Attempts), at(r.NextAttempt),
		r.LastError, at(r.CreatedAt), nullAt(r.SentAt, at), r.Channel, r.Kind, r.MessageID, r.Claim}
}

// auditValues are the values of auditSQL.
func auditValues(r *auditRow, at func(time.Time) any) []any {
	return []any{at(r.LoggedAt), r.MessageKey, r.MessageID, r.Kind, r.Action,
		r.UID, r.Organizer, r.Room, nullAt(r.StartAt, at), nullAt(r.EndAt, at), r.Reason}
}

// messageValues are the values of recordMessageSQL.
func messageValues(r *messageRow, at func(time.Time) any) []any {
	return []any{r.Key, r.MessageID, r.Kind, r.Action, r.UID, r.Reason, r.Folder, at(r.ProcessedAt)}
}

// versionValues are the values of saveVersionSQL.
func versionValues(r *versionRow, at func(time.Time) any) []any {
	return []any{r.Organizer, r.UID, r.RecurrenceID, int64(r.Sequence), nullAt(r.DTStamp, at), at(r.UpdatedAt)}
}

func sqliteAt(t time.Time) any { return sqliteTime(t) }

// nullAt is at(t), or NULL when t is zero.
func nullAt(t time.Time, at func(time.Time) any) any {
	if t.IsZero() {
		return nil
	}
	return at(t)
}

func (t *tx) saveBookingHot(ctx context.Context, r *bookingRow) error {
	var created string
	err := t.queryRowHot(ctx, t.s.hot.saveBooking, []any{&r.ID, &created}, bookingValues(r, sqliteAt)...)
	if err != nil {
		return err
	}
	r.CreatedAt, err = time.Parse(sqliteTimeLayout, created)
	return err
}

func (t *tx) enqueueHot(ctx context.Context, r *outboxRow) error {
	res, err := t.execHot(ctx, t.s.hot.enqueue, outboxValues(r, sqliteAt)...)
	if err != nil {
		return err
	}
	if r.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	_, err = t.execHot(ctx, t.s.hot.enqueueBody, r.ID, r.Raw)
	return err
}

func (t *tx) auditHot(ctx context.Context, r *auditRow) error {
	_, err := t.execHot(ctx, t.s.hot.audit, auditValues(r, sqliteAt)...)
	return err
}

func (t *tx) recordMessageHot(ctx context.Context, r *messageRow) (int64, error) {
	res, err := t.execHot(ctx, t.s.hot.record, messageValues(r, sqliteAt)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *tx) saveVersionsHot(ctx context.Context, rows []versionRow) error {
	ts := t.btx.StmtContext(ctx, t.s.hot.saveVersion)
	defer ts.Close()
	for i := range rows {
		if _, err := execStmt(ctx, ts, versionValues(&rows[i], sqliteAt)...); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) versionsHot(ctx context.Context, organizer, uid string) ([]gateway.Version, error) {
	if err := refuseNUL([]any{organizer, uid}); err != nil {
		return nil, err
	}
	ts := t.btx.StmtContext(ctx, t.s.hot.versions)
	defer ts.Close()
	statements.Add(1)
	rows, err := ts.QueryContext(ctx, organizer, uid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []gateway.Version{}
	for rows.Next() {
		var v gateway.Version
		var stamp sql.NullString
		if err := rows.Scan(&v.RecurrenceID, &v.Sequence, &stamp); err != nil {
			return nil, err
		}
		if stamp.String != "" {
			if v.DTStamp, err = time.Parse(sqliteTimeLayout, stamp.String); err != nil {
				return nil, err
			}
			v.DTStamp = v.DTStamp.UTC()
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// countOutboxesHot runs countOutboxes's statement when it is prepared,
// and reports false when it is not.
func (t *tx) countOutboxesHot(ctx context.Context, qs []gateway.OutboxQuery, last gateway.OutboxQuery) ([]int, time.Time, bool, error) {
	st := t.s.hot.counts[countShape(qs, last)]
	if st == nil {
		return nil, time.Time{}, false, nil
	}
	args := countArgs(qs, last)
	out := make([]int, len(qs))
	dest := make([]any, len(qs)+1)
	for i := range out {
		dest[i] = &out[i]
	}
	var stamp sql.NullString
	dest[len(qs)] = &stamp
	if err := t.queryRowHot(ctx, st, dest, args...); err != nil {
		return nil, time.Time{}, true, fmt.Errorf("count outbox: %w", err)
	}
	if !stamp.Valid {
		return out, time.Time{}, true, nil
	}
	at, err := parseStoredTime(stamp.String)
	if err != nil {
		return nil, time.Time{}, true, fmt.Errorf("last outbox row: %w", err)
	}
	return out, at, true, nil
}
