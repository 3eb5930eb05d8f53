package gateway_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
)

// downError is the memStore's "database unreachable".
type downError string

func (e downError) Error() string     { return string(e) }
func (e downError) Unavailable() bool { return true }

// memStore is an in-memory gateway.Store. One mutex serializes Update and
// guards the state; a failing transaction restores the snapshot taken
// before it. failUpdate, when set, makes Update fail without running fn.
type memStore struct {
	mu         sync.Mutex
	st         memState
	failUpdate error
	updates    int   // Update calls, failed ones included
	claims     int64 // ClaimOutbox calls, the claims' tokens
	limits     []int // the limit of each ClaimOutbox call
	// failRecord, when set, may refuse a message's record, as a database
	// refuses a value it cannot hold.
	failRecord func(gateway.ProcessedMessage) error
}

// memState is everything the store holds. clone makes a deep copy.
type memState struct {
	messages map[string]gateway.ProcessedMessage
	bookings []gateway.Booking
	outbox   []gateway.OutboxMail
	audit    []gateway.AuditEntry
	nextID   int64
	// reminders is the reminder state of each booking ID (see
	// remind_store_test.go).
	reminders map[int64]memReminder
	// versions holds the versions of components by organizer, UID and
	// RECURRENCE-ID.
	versions map[[3]string]gateway.Version
	// series holds the open-ended series by organizer and UID.
	series map[string]memSeries
}

// memSeries is an open-ended series and when it was saved, as a counter.
type memSeries struct {
	gateway.OpenSeries
	saved int64
}

func newMemStore() *memStore {
	return &memStore{st: memState{messages: map[string]gateway.ProcessedMessage{}}}
}

func (s memState) clone() memState {
	c := memState{messages: make(map[string]gateway.ProcessedMessage, len(s.messages)),
		bookings: slices.Clone(s.bookings), audit: slices.Clone(s.audit), nextID: s.nextID}
	for k, v := range s.messages {
		c.messages[k] = v
	}
	c.reminders = maps.Clone(s.reminders)
	c.series = maps.Clone(s.series)
	c.versions = maps.Clone(s.versions)
	for _, m := range s.outbox {
		m.To, m.Raw = slices.Clone(m.To), slices.Clone(m.Raw)
		c.outbox = append(c.outbox, m)
	}
	return c
}

func (s *memStore) Update(ctx context.Context, fn func(gateway.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates++
	if s.failUpdate != nil {
		return s.failUpdate
	}
	snap := s.st.clone()
	done := false
	defer func() {
		if !done { // fn failed or panicked: roll back
			s.st = snap
		}
	}()
	tx := &memTx{s: &s.st, failRecord: s.failRecord}
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.storeBodies(); err != nil {
		return err
	}
	done = true
	return nil
}

func (s *memStore) setFailUpdate(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failUpdate = err
}

func (s *memStore) Message(ctx context.Context, key string) (*gateway.ProcessedMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return (&memTx{s: &s.st}).Message(ctx, key)
}

func (s *memStore) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]gateway.OutboxMail, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claims++
	s.limits = append(s.limits, limit)
	var due []gateway.OutboxMail
	for i, m := range s.st.outbox {
		if m.Status == gateway.OutboxPending && !m.NextAttempt.After(now) && len(due) < limit {
			s.st.outbox[i].NextAttempt, s.st.outbox[i].Claim = now.Add(lease), s.claims
			due = append(due, s.st.outbox[i])
		}
	}
	return due, nil
}

func (s *memStore) LeaseOutbox(ctx context.Context, claim int64, ids []int64, until time.Time) ([]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var held []int64
	for i, m := range s.st.outbox {
		if slices.Contains(ids, m.ID) && m.Status == gateway.OutboxPending && m.Claim == claim {
			s.st.outbox[i].NextAttempt = until
			held = append(held, m.ID)
		}
	}
	return held, nil
}

func (s *memStore) OutboxPostpone(ctx context.Context, channel string, dueBy, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, m := range s.st.outbox {
		if m.Status == gateway.OutboxPending && m.Channel == channel && !m.NextAttempt.After(dueBy) {
			s.st.outbox[i].NextAttempt = until
		}
	}
	return nil
}

// OutboxAccepted records nothing, as on PostgreSQL: the mark is the
// record, and the sender waits for it.
func (s *memStore) OutboxAccepted(context.Context, ...gateway.AcceptedMail) (bool, error) {
	return false, nil
}

func (s *memStore) OutboxSent(ctx context.Context, at time.Time, ids ...int64) error {
	for _, id := range ids {
		err := s.editOutbox(id, func(m *gateway.OutboxMail) {
			if m.Status != gateway.OutboxSent {
				m.Status, m.SentAt, m.Claim = gateway.OutboxSent, at, 0
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *memStore) OutboxRetry(ctx context.Context, id int64, next time.Time, errText string, permanent bool) error {
	return s.editOutbox(id, func(m *gateway.OutboxMail) {
		if m.Status != gateway.OutboxPending {
			return
		}
		m.Attempts++
		m.NextAttempt, m.LastError, m.Claim = next, errText, 0
		if permanent {
			m.Status = gateway.OutboxFailed
		}
	})
}

func (s *memStore) editOutbox(id int64, edit func(*gateway.OutboxMail)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.st.outbox {
		if s.st.outbox[i].ID == id {
			edit(&s.st.outbox[i])
			return nil
		}
	}
	return errors.New("no such outbox mail")
}

func (s *memStore) Ping(ctx context.Context) error { return nil }

// Accessors for tests: copies taken under the lock.

func (s *memStore) outbox() []gateway.OutboxMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.clone().outbox
}

func (s *memStore) bookings() []gateway.Booking {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.bookings)
}

func (s *memStore) auditLog() []gateway.AuditEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.audit)
}

func (s *memStore) processed(key string) (gateway.ProcessedMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.st.messages[key]
	return m, ok
}

// memTx is the transaction view; the store's mutex is held while it is used.
type memTx struct {
	s          *memState
	failRecord func(gateway.ProcessedMessage) error
	// later are the outbox mails whose bytes come at the end, as the
	// SQLite store's EnqueueLater does: every scenario runs through it.
	later []memLater
}

type memLater struct {
	id  int64
	raw func() ([]byte, error)
}

// EnqueueLater is gateway.BodyLater: the mail counts at once, its bytes
// are stored when fn returns (storeBodies).
func (t *memTx) EnqueueLater(ctx context.Context, m *gateway.OutboxMail, raw func() ([]byte, error)) error {
	if err := t.Enqueue(ctx, m); err != nil {
		return err
	}
	t.later = append(t.later, memLater{m.ID, raw})
	return nil
}

func (t *memTx) storeBodies() error {
	for _, l := range t.later {
		b, err := l.raw()
		if err != nil {
			return err
		}
		for i := range t.s.outbox {
			if t.s.outbox[i].ID == l.id {
				t.s.outbox[i].Raw = b
			}
		}
	}
	t.later = nil
	return nil
}

func (t *memTx) Message(ctx context.Context, key string) (*gateway.ProcessedMessage, error) {
	if m, ok := t.s.messages[key]; ok {
		return &m, nil
	}
	return nil, nil
}

// Messages is Message for several keys (gateway.MessageLookup), as db's.
func (t *memTx) Messages(ctx context.Context, keys []string) (map[string]*gateway.ProcessedMessage, error) {
	out := map[string]*gateway.ProcessedMessage{}
	for _, k := range keys {
		if m, ok := t.s.messages[k]; ok {
			out[k] = &m
		}
	}
	return out, nil
}

func (t *memTx) RecordMessage(ctx context.Context, m gateway.ProcessedMessage) error {
	if t.failRecord != nil {
		if err := t.failRecord(m); err != nil {
			return err
		}
	}
	if _, ok := t.s.messages[m.Key]; ok {
		return gateway.ErrDuplicate
	}
	t.s.messages[m.Key] = m
	return nil
}

func (t *memTx) BookingsOf(ctx context.Context, organizer, uid string) ([]gateway.Booking, error) {
	var out []gateway.Booking
	for _, b := range t.s.bookings {
		if b.Organizer == organizer && b.UID == uid {
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RecurrenceID < out[j].RecurrenceID })
	return out, nil
}

func (t *memTx) PersonBookings(ctx context.Context, person string, after time.Time) ([]gateway.Booking, error) {
	var out []gateway.Booking
	for _, b := range t.s.bookings {
		counts := b.Status == gateway.StatusAccepted || b.Status == gateway.StatusPending ||
			b.Status == gateway.StatusWaiting || b.Status == gateway.StatusHeld
		if (b.Organizer == person || b.Actor == person) && counts && b.End.After(after) {
			out = append(out, b)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

func (t *memTx) Holds(ctx context.Context, after time.Time) ([]gateway.Booking, error) {
	var out []gateway.Booking
	for _, b := range t.s.bookings {
		hold := b.Status == gateway.StatusPending || b.Status == gateway.StatusWaiting || b.Status == gateway.StatusHeld
		if hold && b.End.After(after) {
			out = append(out, b)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

func (t *memTx) BookingByID(ctx context.Context, id int64) (*gateway.Booking, error) {
	for _, b := range t.s.bookings {
		if b.ID == id {
			return &b, nil
		}
	}
	return nil, nil
}

// occupying are the statuses Overlapping returns, as the database does.
func occupying(s gateway.BookingStatus) bool {
	return s == gateway.StatusAccepted || s == gateway.StatusHeld || s == gateway.StatusPending
}

func (t *memTx) Overlapping(ctx context.Context, from, to time.Time) ([]gateway.Booking, error) {
	var out []gateway.Booking
	for _, b := range t.s.bookings {
		if occupying(b.Status) && b.Start.Before(to) && b.End.After(from) {
			out = append(out, b)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

func (t *memTx) SaveBooking(ctx context.Context, b *gateway.Booking) error {
	for i := range t.s.bookings {
		if t.s.bookings[i].Organizer == b.Organizer && t.s.bookings[i].UID == b.UID && t.s.bookings[i].RecurrenceID == b.RecurrenceID {
			b.ID = t.s.bookings[i].ID
			t.s.bookings[i] = *b
			return nil
		}
	}
	t.s.nextID++
	b.ID = t.s.nextID
	t.s.bookings = append(t.s.bookings, *b)
	return nil
}

func (t *memTx) HandOver(ctx context.Context, h gateway.Handover) error {
	kept := make([]gateway.Booking, 0, len(t.s.bookings))
	for _, b := range t.s.bookings {
		if b.Organizer == h.To && b.UID == h.UID {
			continue
		}
		if b.Organizer == h.From && b.UID == h.UID {
			b.Organizer, b.OrganizerName, b.UpdatedAt = h.To, h.ToName, h.At.UTC()
		}
		kept = append(kept, b)
	}
	t.s.bookings = kept
	if os, ok := t.s.series[h.From+"\x00"+h.UID]; ok {
		delete(t.s.series, h.From+"\x00"+h.UID)
		os.Organizer = h.To
		t.s.series[h.To+"\x00"+h.UID] = os
	} else {
		delete(t.s.series, h.To+"\x00"+h.UID)
	}
	return nil
}

func (t *memTx) SaveBookings(ctx context.Context, bs []*gateway.Booking) error {
	for _, b := range bs {
		if err := t.SaveBooking(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

func (t *memTx) OverlappingAny(ctx context.Context, spans []gateway.Span) ([]gateway.Booking, error) {
	var out []gateway.Booking
	for _, b := range t.s.bookings {
		for _, sp := range spans {
			if occupying(b.Status) && b.Start.Before(sp.End) && b.End.After(sp.Start) {
				out = append(out, b)
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

func (t *memTx) Enqueue(ctx context.Context, m *gateway.OutboxMail) error {
	t.s.nextID++
	m.ID = t.s.nextID
	c := *m
	c.To, c.Raw = slices.Clone(m.To), slices.Clone(m.Raw)
	t.s.outbox = append(t.s.outbox, c)
	return nil
}

func (t *memTx) CountOutbox(ctx context.Context, q gateway.OutboxQuery) (int, error) {
	n := 0
	for _, m := range t.s.outbox {
		switch {
		case m.CreatedAt.Before(q.Since):
		case q.UID != "" && m.UID != q.UID:
		case q.To != "" && strings.Join(m.To, "\n") != q.To:
		case q.Kind != "" && m.Kind != q.Kind:
		default:
			n++
		}
	}
	return n, nil
}

func (t *memTx) LastOutbox(ctx context.Context, q gateway.OutboxQuery) (time.Time, error) {
	var last time.Time
	for _, m := range t.s.outbox {
		switch {
		case m.CreatedAt.Before(q.Since):
		case q.UID != "" && m.UID != q.UID:
		case q.To != "" && strings.Join(m.To, "\n") != q.To:
		case q.Kind != "" && m.Kind != q.Kind:
		case m.CreatedAt.After(last):
			last = m.CreatedAt
		}
	}
	return last, nil
}

func (t *memTx) Audit(ctx context.Context, e gateway.AuditEntry) error {
	t.s.nextID++
	e.ID = t.s.nextID
	t.s.audit = append(t.s.audit, e)
	return nil
}

func (t *memTx) SaveOpenSeries(ctx context.Context, os gateway.OpenSeries) error {
	if t.s.series == nil {
		t.s.series = map[string]memSeries{}
	}
	t.s.nextID++
	t.s.series[os.Organizer+"\x00"+os.UID] = memSeries{os, t.s.nextID}
	return nil
}

func (t *memTx) DeleteOpenSeries(ctx context.Context, organizer, uid string) error {
	delete(t.s.series, organizer+"\x00"+uid)
	return nil
}

func (t *memTx) OpenSeriesUIDs(ctx context.Context, organizer string) ([]string, error) {
	var out []string
	for _, os := range t.s.series {
		if os.Organizer == organizer {
			out = append(out, os.UID)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (t *memTx) OpenSeriesDue(ctx context.Context, before time.Time, limit int) ([]gateway.OpenSeries, error) {
	var due []memSeries
	for _, os := range t.s.series {
		if os.Horizon.Before(before) {
			due = append(due, os)
		}
	}
	// The one saved the longest ago first, as the database orders them.
	sort.Slice(due, func(i, j int) bool { return due[i].saved < due[j].saved })
	if limit > 0 && len(due) > limit {
		due = due[:limit]
	}
	out := make([]gateway.OpenSeries, len(due))
	for i, os := range due {
		out[i] = os.OpenSeries
	}
	return out, nil
}

func (t *memTx) Versions(ctx context.Context, organizer, uid string) ([]gateway.Version, error) {
	var out []gateway.Version
	for k, v := range t.s.versions {
		if k[0] == organizer && k[1] == uid {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RecurrenceID < out[j].RecurrenceID })
	return out, nil
}

func (t *memTx) SaveVersions(ctx context.Context, organizer, uid string, vs []gateway.Version) error {
	if t.s.versions == nil {
		t.s.versions = map[[3]string]gateway.Version{}
	}
	for _, v := range vs {
		t.s.versions[[3]string{organizer, uid, v.RecurrenceID}] = v
	}
	return nil
}

func (t *memTx) Waiting(ctx context.Context, after time.Time) ([]gateway.Booking, error) {
	var out []gateway.Booking
	for _, b := range t.s.bookings {
		if b.Status == gateway.StatusWaiting && b.Start.After(after) {
			out = append(out, b)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (t *memTx) ExpireWaiting(ctx context.Context, now time.Time) (int, error) {
	n := 0
	for i := range t.s.bookings {
		if b := &t.s.bookings[i]; b.Status == gateway.StatusWaiting && !b.Start.After(now) {
			b.Status, b.Reason, b.Request, b.UpdatedAt = gateway.StatusDeclined, gateway.ReasonConflict+": the slot did not free before the meeting", nil, now.UTC()
			n++
		}
	}
	return n, nil
}

func (t *memTx) ApprovalBookings(ctx context.Context, nonce string) ([]gateway.Booking, error) {
	var out []gateway.Booking
	for _, b := range t.s.bookings {
		if nonce != "" && b.Approval == nonce {
			out = append(out, b)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

func (t *memTx) PendingDue(ctx context.Context, now time.Time) ([]gateway.Booking, error) {
	var out []gateway.Booking
	for _, b := range t.s.bookings {
		if b.Status == gateway.StatusPending && !b.Start.After(now) {
			out = append(out, b)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// Meetings returns nil: the in-memory store keeps no meetings.
func (t *memTx) Meetings() meetings.Tx { return nil }
