package db

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"codeberg.org/opteos/roomgate/gateway"
)

// BookingsOf returns every booking of the meeting (organizer, uid): all
// occurrences, any status, ordered by RecurrenceID.
func (t *tx) BookingsOf(ctx context.Context, organizer, uid string) ([]gateway.Booking, error) {
	var rows []bookingRow
	if t.s.hot != nil {
		if err := t.scanHot(ctx, t.s.hot.bookingsOf, &rows, organizer, uid); err != nil {
			return nil, fmt.Errorf("bookings of a meeting: %w", err)
		}
		return bookings(rows), nil
	}
	if rows, ok := t.ahead.bookingsOf(organizer, uid); ok {
		return rows, nil
	}
	if err := t.bookingsOfQuery(&rows, nil, organizer, uid).Scan(ctx); err != nil {
		return nil, fmt.Errorf("bookings of a meeting: %w", err)
	}
	return bookings(rows), nil
}

// bookingsOfQuery is BookingsOf's query, scanned into model, with its
// arguments written in, or as placeholders added to p when not nil.
func (t *tx) bookingsOfQuery(model any, p *pgArgs, organizer, uid string) *bun.SelectQuery {
	return t.db.NewSelect().Model(model).
		Where("organizer = ?", p.v(organizer)).
		Where("uid = ?", p.v(uid)).
		Order("recurrence_id")
}

// quotaStatuses are the statuses of bookings that count in a person's
// quotas and holds (a hold until it expires: the gateway looks at
// ExpiresAt).
var quotaStatuses = []string{string(gateway.StatusAccepted), string(gateway.StatusPending),
	string(gateway.StatusWaiting), string(gateway.StatusHeld)}

// PersonBookings returns the bookings that count in a person's quotas and
// holds (see gateway.Tx), in any room, that end after `after`, ordered by
// Start: those they organize, by the (organizer, status, end_at) index,
// and those they asked for, by the partial (actor, status, end_at) index.
func (t *tx) PersonBookings(ctx context.Context, person string, after time.Time) ([]gateway.Booking, error) {
	bs, _, err := t.personBookings(ctx, person, after, false)
	return bs, err
}

// PersonBookingsOpen is PersonBookings that also says, in the same
// statement, which bookings belong to a series without end (a row of
// open_series, by its primary key): what OpenSeriesUIDs would say of their
// organizers, one round trip instead of two. It implements
// gateway.OpenBookingsReader.
func (t *tx) PersonBookingsOpen(ctx context.Context, person string, after time.Time) ([]gateway.Booking, []bool, error) {
	return t.personBookings(ctx, person, after, true)
}

// personBookingRow is a bookingRow with whether its meeting is a series
// without end.
type personBookingRow struct {
	bookingRow `bun:",extend"`
	OpenSeries bool `bun:"open_series,scanonly"`
}

func (t *tx) personBookings(ctx context.Context, person string, after time.Time, open bool) ([]gateway.Booking, []bool, error) {
	if t.s.hot != nil {
		if open {
			return t.personQuotaHot(ctx, person, after)
		}
		return t.personBookingsHot(ctx, person, after)
	}
	if bs, opens, ok := t.ahead.personBookings(person, after); ok {
		return bs, opens, nil
	}
	var rows []personBookingRow
	if err := t.personQuery(nil, person, after, open).Scan(ctx, &rows); err != nil {
		return nil, nil, fmt.Errorf("bookings of a person: %w", err)
	}
	sort.Slice(rows, func(i, j int) bool {
		if !rows[i].StartAt.Equal(rows[j].StartAt) {
			return rows[i].StartAt.Before(rows[j].StartAt)
		}
		return rows[i].ID < rows[j].ID
	})
	bs, opens := make([]gateway.Booking, len(rows)), make([]bool, len(rows))
	for i := range rows {
		bs[i], opens[i] = rows[i].booking(), rows[i].OpenSeries
	}
	return bs, opens, nil
}

// personQuery is personBookings' query on PostgreSQL, unordered: the
// booking's columns, then whether it is an open series when open.
func (t *tx) personQuery(p *pgArgs, person string, after time.Time, open bool) *bun.SelectQuery {
	return personBookingsQuery(t.db, p, person, after, open)
}

// personBookingsQuery is personBookings's query through bun: the rows
// organized by person, then those asked for by person and organized by
// someone else. Its arguments are written in, or placeholders added to p
// when not nil.
func personBookingsQuery(db bun.IDB, p *pgArgs, person string, after time.Time, open bool) *bun.SelectQuery {
	part := func(col string) *bun.SelectQuery {
		q := db.NewSelect().Model((*bookingRow)(nil))
		if open {
			q = q.ColumnExpr("?TableColumns").ColumnExpr(`EXISTS (SELECT 1 FROM open_series AS o
				WHERE o.organizer = booking_row.organizer AND o.uid = booking_row.uid) AS open_series`)
		}
		return q.Where("? = ?", bun.Ident(col), p.v(person)).
			Where("status IN (?)", bun.List(quotaStatuses)).
			Where("end_at > ?", p.v(utc(after)))
	}
	// A row both organized and asked for is read once, by its organizer.
	// The actor index holds only the rows with an actor: the condition
	// actor <> '' lets the planner use it.
	asked := part("actor").Where("actor <> ''").Where("organizer <> ?", p.v(person))
	return part("organizer").UnionAll(asked)
}

// personBookingsHot is personBookings by a prepared statement (hot.go),
// which always says which bookings are open series.
func (t *tx) personBookingsHot(ctx context.Context, person string, after time.Time) ([]gateway.Booking, []bool, error) {
	var rows []bookingRow
	var opens []bool
	if err := t.scanHotOpen(ctx, t.s.hot.personBookings, &rows, &opens, person, sqliteTime(after)); err != nil {
		return nil, nil, fmt.Errorf("bookings of a person: %w", err)
	}
	sortBookingRows(rows, func(i, j int) { opens[i], opens[j] = opens[j], opens[i] })
	bs, isOpen := make([]gateway.Booking, len(rows)), make([]bool, len(rows))
	for i := range rows {
		bs[i], isOpen[i] = rows[i].booking(), opens[i]
	}
	return bs, isOpen, nil
}

// personQuotaHot is PersonBookingsOpen by a prepared statement (hot.go)
// that reads only the fields a quota reads (quotaColumns), as
// gateway.OpenBookingsReader allows.
func (t *tx) personQuotaHot(ctx context.Context, person string, after time.Time) ([]gateway.Booking, []bool, error) {
	rows, opens, err := t.scanHotQuota(ctx, t.s.hot.personQuota, person, sqliteTime(after))
	if err != nil {
		return nil, nil, fmt.Errorf("bookings of a person: %w", err)
	}
	sortBookingRows(rows, func(i, j int) { opens[i], opens[j] = opens[j], opens[i] })
	bs := make([]gateway.Booking, len(rows))
	for i := range rows {
		bs[i] = rows[i].booking()
	}
	return bs, opens, nil
}

// occupying are the statuses of bookings that take the account: accepted,
// held for a proposal (until it expires: the gateway looks at ExpiresAt),
// and pending approval.
var occupying = []string{string(gateway.StatusAccepted), string(gateway.StatusHeld), string(gateway.StatusPending)}

// Overlapping returns the occupying bookings (see gateway.Tx) with Start <
// to and End > from, ordered by Start. Only bookings starting after from minus the maximum
// booking length (SetMaxBookingLength) are considered, so the query is a
// range scan of the (status, start_at) index.
func (t *tx) Overlapping(ctx context.Context, from, to time.Time) ([]gateway.Booking, error) {
	lower := from.Add(-time.Duration(t.s.maxLen.Load()))
	var rows []bookingRow
	if t.s.hot != nil {
		if err := t.scanHot(ctx, t.s.hot.overlapping, &rows, sqliteTime(lower), sqliteTime(to), sqliteTime(from)); err != nil {
			return nil, fmt.Errorf("overlapping bookings: %w", err)
		}
		sortBookingRows(rows, nil)
		return bookings(rows), nil
	}
	if bs, ok := t.ahead.overlapping(from, to, time.Duration(t.s.maxLen.Load())); ok {
		return bs, nil
	}
	if err := t.overlappingQuery(&rows, nil, from, to).Scan(ctx); err != nil {
		return nil, fmt.Errorf("overlapping bookings: %w", err)
	}
	return bookings(rows), nil
}

// overlappingQuery is Overlapping's query on PostgreSQL, scanned into
// model, with its arguments written in, or as placeholders added to p.
func (t *tx) overlappingQuery(model any, p *pgArgs, from, to time.Time) *bun.SelectQuery {
	lower := from.Add(-time.Duration(t.s.maxLen.Load()))
	return t.db.NewSelect().Model(model).
		Where("status IN (?)", bun.List(occupying)).
		Where("start_at > ?", p.v(utc(lower))).
		Where("start_at < ?", p.v(utc(to))).
		Where("end_at > ?", p.v(utc(from))).
		Order("start_at", "id")
}

// bookingUpdates are the columns an existing booking takes from a save;
// id, the key and created_at stay.
var bookingUpdates = []string{
	"room", "organizer_name", "summary", "start_at", "end_at",
	"sequence", "dtstamp", "status", "reason", "message_id", "lang", "updated_at",
	"request", "expires_at", "approval", "actor", "host", "provider", "tool_room", "options",
}

// SaveBooking inserts or updates the booking keyed by (Organizer, UID,
// RecurrenceID)
// and sets b.ID. b.ID is not used to find the row. A zero UpdatedAt is set
// to now, a zero CreatedAt to UpdatedAt; on update the stored CreatedAt is
// kept and copied to b.
func (t *tx) SaveBooking(ctx context.Context, b *gateway.Booking) error {
	if b.UpdatedAt.IsZero() {
		b.UpdatedAt = now()
	}
	if b.CreatedAt.IsZero() {
		b.CreatedAt = b.UpdatedAt
	}
	r := toBookingRow(b)
	if t.s.hot != nil {
		if err := t.saveBookingHot(ctx, r); err != nil {
			return fmt.Errorf("save booking %s: %w", b.UID, err)
		}
		b.ID, b.CreatedAt = r.ID, utc(r.CreatedAt)
		return nil
	}
	if kept, err := t.saveBookingBehind(b, r); kept {
		if err != nil {
			return fmt.Errorf("save booking %s: %w", b.UID, err)
		}
		return nil
	}
	if err := t.upsertBookingQuery(r).Returning("id, created_at").Scan(ctx); err != nil {
		return fmt.Errorf("save booking %s: %w", b.UID, err)
	}
	b.ID, b.CreatedAt = r.ID, utc(r.CreatedAt)
	return nil
}

// upsertBookingQuery is SaveBooking's statement on PostgreSQL.
func (t *tx) upsertBookingQuery(r *bookingRow) *bun.InsertQuery {
	q := t.db.NewInsert().Model(r).ExcludeColumn("id").
		On("CONFLICT (organizer, uid, recurrence_id) DO UPDATE")
	for _, c := range bookingUpdates {
		q = q.Set(c + " = EXCLUDED." + c)
	}
	return q
}

// ListBookings returns the bookings of any status that overlap [from, to)
// (Start < to and End > from), ordered by Start. Only bookings starting
// after from minus the longest booking (SetMaxBookingLength) are read, so
// the query is a range scan of the start_at index as long as the window,
// however long the history: the agenda and the feeds cost the same with
// 1k or 100k stored bookings. A request longer than that, which can only
// have been declined, is not listed when it starts before that bound.
func (s *Store) ListBookings(ctx context.Context, from, to time.Time) ([]gateway.Booking, error) {
	var rows []bookingRow
	err := s.r.NewSelect().Model(&rows).
		Where("start_at > ?", utc(from.Add(-time.Duration(s.maxLen.Load())))).
		Where("start_at < ?", utc(to)).
		Where("end_at > ?", utc(from)).
		Order("start_at", "id").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list bookings: %w", err)
	}
	return bookings(rows), nil
}

// spansPerQuery bounds the OR terms of one OverlappingAny query.
const spansPerQuery = 64

// OverlappingAny returns the accepted bookings that overlap at least one of
// the spans, each once, ordered by Start. Every span is a range scan of the
// (status, start_at) index, as in Overlapping; the spans are asked in a
// few queries rather than one query each (on SQLite, in one prepared
// statement).
func (t *tx) OverlappingAny(ctx context.Context, spans []gateway.Span) ([]gateway.Booking, error) {
	maxLen := time.Duration(t.s.maxLen.Load())
	seen := map[int64]bool{}
	var out []gateway.Booking
	if t.s.hot != nil && len(spans) > 0 {
		js, width := spansText(spans, maxLen)
		var rows []bookingRow
		if err := t.scanHot(ctx, t.s.hot.overlappingAny, &rows, js, int64(width)); err != nil {
			return nil, fmt.Errorf("overlapping bookings: %w", err)
		}
		for i := range rows {
			if !seen[rows[i].ID] {
				seen[rows[i].ID] = true
				out = append(out, rows[i].booking())
			}
		}
		spans = nil
	}
	if bs, ok := t.ahead.overlappingAny(spans, maxLen); ok {
		return bs, nil
	}
	var chunks [][]gateway.Span
	for len(spans) > 0 {
		chunks = append(chunks, spans[:min(spansPerQuery, len(spans))])
		spans = spans[len(chunks[len(chunks)-1]):]
	}
	var rows []bookingRow
	if t.conn != nil && len(chunks) > 0 {
		var err error
		if rows, err = t.overlappingAnyPrepared(ctx, chunks, maxLen); err != nil {
			return nil, fmt.Errorf("overlapping bookings: %w", err)
		}
		chunks = nil
	}
	for _, chunk := range chunks {
		if err := overlappingAnyQuery(t.db, nil, chunk, maxLen).Scan(ctx, &rows); err != nil {
			return nil, fmt.Errorf("overlapping bookings: %w", err)
		}
	}
	for i := range rows {
		if !seen[rows[i].ID] {
			seen[rows[i].ID] = true
			out = append(out, rows[i].booking())
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// overlappingAnyQuery is OverlappingAny's query on PostgreSQL: the spans
// as three arrays, each row of their unnest driving one range scan of the
// (status, start_at) index in a nested loop. A UNION ALL of one SELECT per
// span, as before, cost PostgreSQL about 90 ms of planning for the 52
// dates of a weekly series. The arrays are written in, or are
// placeholders added to p when not nil. The columns are a bookingRow's,
// in its order (scanBookingRows).
func overlappingAnyQuery(db bun.IDB, p *pgArgs, spans []gateway.Span, maxLen time.Duration) *bun.RawQuery {
	lo, hi, fr := make([]time.Time, len(spans)), make([]time.Time, len(spans)), make([]time.Time, len(spans))
	for i, sp := range spans {
		lo[i], hi[i], fr[i] = utc(sp.Start.Add(-maxLen)), utc(sp.End), utc(sp.Start)
	}
	arrays := []any{pgdialect.Array(lo), pgdialect.Array(hi), pgdialect.Array(fr)}
	if p != nil {
		arrays = []any{p.v(lo), p.v(hi), p.v(fr)}
	}
	// OFFSET 0 keeps the subquery a subquery, so that it is planned as a
	// range scan per span whatever the table's statistics.
	return db.NewRaw(`SELECT b.`+strings.Join(bookingRowColumns, ", b.")+`
		FROM unnest(?::timestamptz[], ?::timestamptz[], ?::timestamptz[]) AS w(lo, hi, fr)
		CROSS JOIN LATERAL (SELECT `+bookingColumns+` FROM bookings AS b
			WHERE b.status IN (?) AND b.start_at > w.lo AND b.start_at < w.hi AND b.end_at > w.fr OFFSET 0) AS b`,
		append(arrays, bun.List(occupying))...)
}

// bookingsPerInsert bounds the rows of one SaveBookings statement.
const bookingsPerInsert = 100

// SaveBookings is SaveBooking for many bookings: on PostgreSQL in a few
// statements (one per bookingsPerInsert rows; prepared within Update, see
// pgseries.go), on SQLite by a prepared statement per row (see
// saveBookingSQL).
func (t *tx) SaveBookings(ctx context.Context, bs []*gateway.Booking) error {
	if t.s.hot != nil {
		return t.saveBookingsHot(ctx, bs)
	}
	for len(bs) > 0 {
		chunk := bs[:min(bookingsPerInsert, len(bs))]
		bs = bs[len(chunk):]
		rows := make([]bookingRow, len(chunk))
		for i, b := range chunk {
			if b.UpdatedAt.IsZero() {
				b.UpdatedAt = now()
			}
			if b.CreatedAt.IsZero() {
				b.CreatedAt = b.UpdatedAt
			}
			rows[i] = *toBookingRow(b)
		}
		if kept, err := t.saveBookingsBehind(chunk, rows); kept {
			if err != nil {
				return fmt.Errorf("save %d bookings: %w", len(rows), err)
			}
			continue
		}
		if t.conn != nil {
			if err := t.saveBookingsPrepared(ctx, chunk, rows); err != nil {
				return fmt.Errorf("save %d bookings: %w", len(rows), err)
			}
			continue
		}
		q := t.db.NewInsert().Model(&rows).ExcludeColumn("id").
			On("CONFLICT (organizer, uid, recurrence_id) DO UPDATE")
		for _, c := range bookingUpdates {
			q = q.Set(c + " = EXCLUDED." + c)
		}
		var saved []bookingRow
		if err := q.Returning("id, organizer, uid, recurrence_id, created_at").Scan(ctx, &saved); err != nil {
			return fmt.Errorf("save %d bookings: %w", len(rows), err)
		}
		if err := setSaved(chunk, saved); err != nil {
			return fmt.Errorf("save bookings: %w", err)
		}
	}
	return nil
}

// setSaved gives each booking of chunk the ID and creation time of its
// row in saved, the rows an upsert returned (ID, organizer, UID,
// recurrence ID and creation time), matched by their key: RETURNING
// promises no order.
func setSaved(chunk []*gateway.Booking, saved []bookingRow) error {
	byKey := make(map[[3]string]*bookingRow, len(saved))
	for i := range saved {
		r := &saved[i]
		byKey[[3]string{r.Organizer, r.UID, r.RecurrenceID}] = r
	}
	for _, b := range chunk {
		r, ok := byKey[[3]string{b.Organizer, b.UID, b.RecurrenceID}]
		if !ok {
			return fmt.Errorf("%s %s not returned", b.UID, b.RecurrenceID)
		}
		b.ID, b.CreatedAt = r.ID, utc(r.CreatedAt)
	}
	return nil
}

// saveBookingsHot is SaveBookings on SQLite: each row upserted by the
// prepared saveBookingSQL, then the ids and creation times of the saved
// rows read back, one statement per meeting (organizer, uid) saved.
func (t *tx) saveBookingsHot(ctx context.Context, bs []*gateway.Booking) error {
	if len(bs) == 0 {
		return nil
	}
	type meeting struct{ organizer, uid string }
	var meetings []meeting
	upsert := t.btx.StmtContext(ctx, t.s.hot.upsertBooking)
	defer upsert.Close()
	for _, b := range bs {
		if b.UpdatedAt.IsZero() {
			b.UpdatedAt = now()
		}
		if b.CreatedAt.IsZero() {
			b.CreatedAt = b.UpdatedAt
		}
		r := toBookingRow(b)
		_, err := execStmt(ctx, upsert, bookingValues(r, sqliteAt)...)
		if err != nil {
			return fmt.Errorf("save booking %s: %w", b.UID, err)
		}
		if m := (meeting{b.Organizer, b.UID}); len(meetings) == 0 || meetings[len(meetings)-1] != m {
			meetings = append(meetings, m)
		}
	}
	type saved struct {
		id      int64
		created time.Time
	}
	byKey := make(map[[3]string]saved, len(bs))
	keys := t.btx.StmtContext(ctx, t.s.hot.bookingKeys)
	defer keys.Close()
	read := map[meeting]bool{}
	for _, m := range meetings {
		if read[m] {
			continue
		}
		read[m] = true
		statements.Add(1)
		rows, err := keys.QueryContext(ctx, m.organizer, m.uid)
		if err != nil {
			return fmt.Errorf("save bookings: %w", err)
		}
		for rows.Next() {
			var rid, created string
			var s saved
			if err = rows.Scan(&rid, &s.id, &created); err != nil {
				break
			}
			if s.created, err = time.Parse(sqliteTimeLayout, created); err != nil {
				break
			}
			byKey[[3]string{m.organizer, m.uid, rid}] = s
		}
		if err = errors.Join(err, rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("save bookings: %w", err)
		}
	}
	for _, b := range bs {
		s, ok := byKey[[3]string{b.Organizer, b.UID, b.RecurrenceID}]
		if !ok {
			return fmt.Errorf("save bookings: %s %s not found after saving", b.UID, b.RecurrenceID)
		}
		b.ID, b.CreatedAt = s.id, utc(s.created)
	}
	return nil
}

// Waiting returns the bookings that wait for their slot (StatusWaiting)
// and start after `after`, in the order they arrived (CreatedAt).
func (t *tx) Waiting(ctx context.Context, after time.Time) ([]gateway.Booking, error) {
	var rows []bookingRow
	err := t.db.NewSelect().Model(&rows).
		Where("status = ?", string(gateway.StatusWaiting)).
		Where("start_at > ?", utc(after)).
		Order("created_at", "id").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("waiting bookings: %w", err)
	}
	return bookings(rows), nil
}

// ExpireWaiting declines, without a word, the waiting bookings that start
// at or before now, and returns how many.
func (t *tx) ExpireWaiting(ctx context.Context, now time.Time) (int, error) {
	res, err := t.db.NewUpdate().Model((*bookingRow)(nil)).
		Set("status = ?", string(gateway.StatusDeclined)).
		Set("reason = ?", gateway.ReasonConflict+": the slot did not free before the meeting").
		Set("request = NULL").
		Set("updated_at = ?", now.UTC()).
		Where("status = ?", string(gateway.StatusWaiting)).
		Where("start_at <= ?", utc(now)).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("expire waiting bookings: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// holdStatuses are the statuses of requests that hold the account without
// being accepted (a proposal until it expires).
var holdStatuses = []string{string(gateway.StatusPending), string(gateway.StatusWaiting), string(gateway.StatusHeld)}

// Holds returns the bookings pending, waiting or held that end after
// `after`, ordered by start: a range scan of the (status, start_at,
// end_at) index for each status, from `after` less the longest booking
// (as Overlapping), so that the expired proposals of the past are not read.
func (t *tx) Holds(ctx context.Context, after time.Time) ([]gateway.Booking, error) {
	var rows []bookingRow
	if t.s.hot != nil {
		lower := after.Add(-time.Duration(t.s.maxLen.Load()))
		if err := t.scanHot(ctx, t.s.hot.holds, &rows, sqliteTime(lower), sqliteTime(after)); err != nil {
			return nil, fmt.Errorf("requests not yet accepted: %w", err)
		}
		sortBookingRows(rows, nil)
		return bookings(rows), nil
	}
	if bs, ok := t.ahead.holdsAfter(after, time.Duration(t.s.maxLen.Load())); ok {
		return bs, nil
	}
	if err := t.holdsQuery(&rows, nil, after).Scan(ctx); err != nil {
		return nil, fmt.Errorf("requests not yet accepted: %w", err)
	}
	return bookings(rows), nil
}

// holdsQuery is Holds' query on PostgreSQL, scanned into model, with its
// arguments written in, or as placeholders added to p.
func (t *tx) holdsQuery(model any, p *pgArgs, after time.Time) *bun.SelectQuery {
	return t.db.NewSelect().Model(model).
		Where("status IN (?)", bun.List(holdStatuses)).
		Where("start_at > ?", p.v(utc(after.Add(-time.Duration(t.s.maxLen.Load()))))).
		Where("end_at > ?", p.v(utc(after))).
		Order("start_at", "id")
}

// ApprovalBookings returns the bookings whose approval nonce is nonce.
func (t *tx) ApprovalBookings(ctx context.Context, nonce string) ([]gateway.Booking, error) {
	var rows []bookingRow
	if nonce == "" {
		return nil, nil
	}
	err := t.db.NewSelect().Model(&rows).Where("approval = ?", nonce).Order("start_at", "id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("bookings of an approval: %w", err)
	}
	return bookings(rows), nil
}

// PendingDue returns the bookings pending approval that start at or
// before now, ordered by start.
func (t *tx) PendingDue(ctx context.Context, now time.Time) ([]gateway.Booking, error) {
	var rows []bookingRow
	err := t.db.NewSelect().Model(&rows).
		Where("status = ?", string(gateway.StatusPending)).
		Where("start_at <= ?", utc(now)).
		Order("start_at", "id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("pending bookings due: %w", err)
	}
	return bookings(rows), nil
}
