package gateway_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/ical"
	"codeberg.org/opteos/roomgate/templates"
)

// The fixed world of these tests.
const (
	roomAddr = "zoom@coop.example"
	hostKey  = "483920"
	passcode = "opteos"
	joinURL  = "https://zoom.us/j/81234567890?pwd=x"
	alice    = "alice@coop.example"
	bob      = "bob@coop.example"
	carol    = "carol@coop.example"
	dave     = "dave@coop.example"
	eve      = "eve@elsewhere.example"
)

var (
	paris = mustLoad("Europe/Paris")
	// t0 is the tests' "now": Monday 30 November 2026, 09:00 in Paris.
	t0 = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at returns a wall time in Paris.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, paris)
}

// tomorrow returns a wall time in Paris on Tuesday 1 December 2026.
func tomorrow(hh, mm int) time.Time { return at(2026, 12, 1, hh, mm) }

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var (
	renderOnce sync.Once
	renderer   *templates.Set
	renderErr  error
)

// realTemplates loads the embedded templates once for all tests.
func realTemplates(t *testing.T) *templates.Set {
	t.Helper()
	renderOnce.Do(func() { renderer, renderErr = templates.Load("") })
	if renderErr != nil {
		t.Fatalf("templates.Load: %v", renderErr)
	}
	return renderer
}

// harness is a Gateway over an in-memory store with a fixed clock.
type harness struct {
	t     *testing.T
	g     *gateway.Gateway
	st    *memStore
	clock *fakeClock
}

// baseOptions is the configuration every test starts from.
func baseOptions(t *testing.T, st gateway.Store, clock *fakeClock) gateway.Options {
	return gateway.Options{
		Store:    st,
		Renderer: realTemplates(t),
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Rooms: []gateway.Room{{Name: "Salle Opteos", Address: roomAddr, JoinURL: joinURL,
			MeetingID: "812 3456 7890", Passcode: passcode}},
		HostKey: hostKey,
		Policy: gateway.Policy{
			Organizers:           []string{"@coop.example", "partner@other.example"},
			MaxDuration:          8 * time.Hour,
			BookingWindow:        180 * 24 * time.Hour,
			Buffer:               10 * time.Minute,
			AllowSeries:          true,
			SeriesMaxBusy:        8,
			SeriesMaxBusyPercent: 50,
		},
		Lang:     "en",
		Location: paris,
		Now:      clock.Now,
	}
}

// authentic makes the gateway trust mx's Authentication-Results and
// require authentic mail, as a configured server does.
func authentic(o *gateway.Options) {
	o.Auth = gateway.AuthOptions{AuthservID: mx}
	o.Policy.RequireAuthentic = true
}

// hasBooking reports whether a booking of that UID and RECURRENCE-ID is
// stored, whoever organizes it.
func (h *harness) hasBooking(uid, rid string) bool {
	for _, b := range h.st.bookings() {
		if b.UID == uid && b.RecurrenceID == rid {
			return true
		}
	}
	return false
}

func newHarness(t *testing.T, edit ...func(*gateway.Options)) *harness {
	t.Helper()
	h := &harness{t: t, st: newMemStore(), clock: &fakeClock{now: t0}}
	opt := baseOptions(t, h.st, h.clock)
	for _, e := range edit {
		e(&opt)
	}
	g, err := gateway.New(opt)
	if err != nil {
		t.Fatalf("gateway.New: %v", err)
	}
	h.g = g
	return h
}

// handle decides one message and fails the test on an error.
func (h *harness) handle(raw []byte) gateway.Outcome {
	h.t.Helper()
	return h.handleIn(gateway.Incoming{Ref: "INBOX/1/1", Raw: raw, Size: int64(len(raw))})
}

func (h *harness) handleIn(in gateway.Incoming) gateway.Outcome {
	h.t.Helper()
	out, err := h.g.Handle(context.Background(), in)
	if err != nil {
		h.t.Fatalf("Handle: %v", err)
	}
	return out
}

// queued returns the outbox mails queued since the outbox had n mails.
func (h *harness) queuedSince(n int) []gateway.OutboxMail {
	return h.st.outbox()[n:]
}

// booking returns the booking (uid, rid), failing the test when absent.
func (h *harness) booking(uid, rid string) gateway.Booking {
	h.t.Helper()
	for _, b := range h.st.bookings() {
		if b.UID == uid && b.RecurrenceID == rid {
			return b
		}
	}
	h.t.Fatalf("no booking %q %q", uid, rid)
	return gateway.Booking{}
}

// vevent describes one VEVENT of a test invitation.
type vevent struct {
	UID        string
	Seq        int
	Stamp      time.Time // zero: t0
	Start, End time.Time
	Paris      bool   // DTSTART/DTEND with TZID=Europe/Paris instead of UTC
	Organizer  string // "" writes no ORGANIZER
	Attendees  []string
	Summary    string
	Lines      []string // extra lines, e.g. RRULE, EXDATE, RECURRENCE-ID
	Omit       []string // property names not to write: UID, DTSTART, DTEND, SEQUENCE
}

// invite describes a whole iMIP message.
type invite struct {
	Method    string // METHOD and the MIME method parameter; REQUEST when ""
	Events    []vevent
	From      string   // From: address; the first organizer when ""
	MessageID string   // derived from the calendar when ""
	Header    []string // extra header lines, e.g. "Auto-Submitted: auto-generated"
	CTE       string   // transfer encoding of the calendar part: 8bit when ""
	Charset   string   // charset parameter: UTF-8 when ""
	Body      string   // when set, replaces the encoded calendar part body
	// ProdID is the calendar's PRODID ("-//roomgate tests//EN" when "");
	// CalLines are extra calendar properties.
	ProdID   string
	CalLines []string
	// AuthResults is the Authentication-Results field the receiving
	// server (mx) writes on top; "" writes a DMARC pass for the From
	// domain, "-" writes none.
	AuthResults string
	// RawFrom, when set, is written as the From field's value.
	RawFrom string
}

// meeting is the usual invitation: one event, organizer and room attending.
func meeting(method, uid, org string, seq int, start, end time.Time) invite {
	return invite{Method: method, Events: []vevent{{UID: uid, Seq: seq, Start: start, End: end,
		Organizer: org, Attendees: []string{roomAddr}, Summary: "Meeting " + uid}}}
}

const parisVTimezone = "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nX-LIC-LOCATION:Europe/Paris\r\n" +
	"BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\n" +
	"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n" +
	"BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\n" +
	"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"

func (iv invite) method() string {
	if iv.Method == "" {
		return "REQUEST"
	}
	return iv.Method
}

// calendar writes the VCALENDAR with CRLF line ends.
func (iv invite) calendar() string {
	var b strings.Builder
	w := func(s string) { b.WriteString(s + "\r\n") }
	w("BEGIN:VCALENDAR")
	prodID := iv.ProdID
	if prodID == "" {
		prodID = "-//roomgate tests//EN"
	}
	w("PRODID:" + prodID)
	w("VERSION:2.0")
	w("METHOD:" + iv.method())
	for _, l := range iv.CalLines {
		w(l)
	}
	for _, e := range iv.Events {
		if e.Paris {
			b.WriteString(parisVTimezone)
			break
		}
	}
	for _, e := range iv.Events {
		e.write(w)
	}
	w("END:VCALENDAR")
	return b.String()
}

func (e vevent) write(w func(string)) {
	omit := func(name string) bool {
		for _, o := range e.Omit {
			if o == name {
				return true
			}
		}
		return false
	}
	stamp := e.Stamp
	if stamp.IsZero() {
		stamp = t0
	}
	w("BEGIN:VEVENT")
	if !omit("UID") {
		w("UID:" + e.UID)
	}
	if !omit("SEQUENCE") {
		w(fmt.Sprintf("SEQUENCE:%d", e.Seq))
	}
	w("DTSTAMP:" + stamp.UTC().Format("20060102T150405Z"))
	if !omit("DTSTART") {
		w("DTSTART" + e.timeValue(e.Start))
	}
	if !omit("DTEND") {
		w("DTEND" + e.timeValue(e.End))
	}
	if e.Summary != "" {
		w("SUMMARY:" + e.Summary)
	}
	if e.Organizer != "" {
		w("ORGANIZER;CN=" + nameOf(e.Organizer) + ":mailto:" + e.Organizer)
		w("ATTENDEE;CN=" + nameOf(e.Organizer) + ";PARTSTAT=ACCEPTED;ROLE=CHAIR:mailto:" + e.Organizer)
	}
	for _, a := range e.Attendees {
		w("ATTENDEE;CUTYPE=RESOURCE;ROLE=NON-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:" + a)
	}
	for _, l := range e.Lines {
		w(l)
	}
	w("END:VEVENT")
}

// timeValue writes ":20261201T090000Z" or ";TZID=Europe/Paris:20261201T100000".
func (e vevent) timeValue(t time.Time) string {
	if e.Paris {
		return ";TZID=Europe/Paris:" + t.In(paris).Format("20060102T150405")
	}
	return ":" + t.UTC().Format("20060102T150405Z")
}

// nameOf gives a display name: "alice@coop.example" → "Alice".
func nameOf(addr string) string {
	local, _, _ := strings.Cut(addr, "@")
	if local == "" {
		return "X"
	}
	return strings.ToUpper(local[:1]) + local[1:]
}

// bytes writes the iMIP message: multipart/alternative with a text part and
// the calendar part, CRLF line ends.
func (iv invite) bytes() []byte {
	cal := iv.calendar()
	from := iv.From
	if from == "" && len(iv.Events) > 0 {
		from = iv.Events[0].Organizer
	}
	if from == "" {
		from = "someone@coop.example"
	}
	mid := iv.MessageID
	if mid == "" {
		sum := sha256.Sum256([]byte(cal))
		mid = "<" + hex.EncodeToString(sum[:8]) + "@tests.example>"
	}
	cte, cs := iv.CTE, iv.Charset
	if cte == "" {
		cte = "8bit"
	}
	if cs == "" {
		cs = "UTF-8"
	}
	body := iv.Body
	if body == "" {
		body = cal
		if cte == "base64" {
			body = wrap76(base64.StdEncoding.EncodeToString([]byte(cal)))
		}
	}
	var b strings.Builder
	w := func(s string) { b.WriteString(s + "\r\n") }
	switch iv.AuthResults {
	case "":
		_, dom, _ := strings.Cut(from, "@")
		w("Authentication-Results: " + mx + "; dmarc=pass header.from=" + dom)
	case "-":
	default:
		w("Authentication-Results: " + iv.AuthResults)
	}
	if iv.RawFrom != "" {
		w("From: " + iv.RawFrom)
	} else {
		w("From: " + nameOf(from) + " <" + from + ">")
	}
	w("To: Salle Opteos <" + roomAddr + ">")
	w("Subject: Invitation")
	w("Date: " + t0.Format(time.RFC1123Z))
	w("Message-ID: " + mid)
	w("References: <earlier@tests.example>")
	for _, l := range iv.Header {
		w(l)
	}
	w("MIME-Version: 1.0")
	w(`Content-Type: multipart/alternative; boundary="alt"`)
	w("")
	w("--alt")
	w("Content-Type: text/plain; charset=UTF-8")
	w("")
	w("You are invited.")
	w("--alt")
	w("Content-Type: text/calendar; charset=" + cs + "; method=" + iv.method())
	w("Content-Transfer-Encoding: " + cte)
	w("")
	b.WriteString(body)
	if !strings.HasSuffix(body, "\r\n") {
		w("")
	}
	w("--alt--")
	return []byte(b.String())
}

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return b.String() + s + "\r\n"
}

// messageID returns the Message-ID header of a raw message.
func messageID(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	return m.Header.Get("Message-Id")
}

// replyMail is a queued reply, decoded.
type replyMail struct {
	Header     mail.Header
	Text, HTML string // with no-break spaces and word joiners as plain spaces (see plain)
	// ExactText is the text part as sent, typography included.
	ExactText string
	CalType   string // Content-Type of the calendar part
	Cal       *ical.Calendar
	Raw       string
}

// decodeReply takes a queued mail apart: its header, its text and HTML
// parts (quoted-printable decoded), and its calendar parsed with ical.
func decodeReply(t *testing.T, raw []byte) replyMail {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read reply: %v", err)
	}
	r := replyMail{Header: m.Header, Raw: string(raw)}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("reply Content-Type = %q (%v), want multipart/alternative", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reply part: %v", err)
		}
		body, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("read reply part: %v", err)
		}
		ct := p.Header.Get("Content-Type")
		switch {
		case strings.HasPrefix(ct, "text/plain"):
			r.ExactText = strings.ReplaceAll(string(body), "\r\n", "\n")
			r.Text = plain(r.ExactText)
		case strings.HasPrefix(ct, "text/html"):
			r.HTML = plain(strings.ReplaceAll(string(body), "\r\n", "\n"))
		case strings.HasPrefix(ct, "text/calendar"):
			r.CalType = ct
		}
	}
	data, err := ical.FindCalendar(raw, 0)
	if err != nil {
		t.Fatalf("FindCalendar(reply): %v", err)
	}
	if r.Cal, err = ical.Parse(data, ical.ParseOptions{Location: paris}); err != nil {
		t.Fatalf("Parse(reply calendar): %v\n%s", err, data)
	}
	return r
}

// onlyMail returns the single mail queued since n, failing otherwise.
func (h *harness) onlyMail(n int) (gateway.OutboxMail, replyMail) {
	h.t.Helper()
	q := h.queuedSince(n)
	if len(q) != 1 {
		h.t.Fatalf("%d mails queued, want 1", len(q))
	}
	return q[0], decodeReply(h.t, q[0].Raw)
}

// attendeeLine finds the one ATTENDEE of a reply VEVENT.
func attendeeLine(t *testing.T, ev *ical.Event) *ical.Property {
	t.Helper()
	if len(ev.Attendees) != 1 {
		t.Fatalf("reply VEVENT %s has %d ATTENDEEs, want exactly 1", ev.UID, len(ev.Attendees))
	}
	return ev.Attendees[0]
}

// partStat returns the PARTSTAT of the reply VEVENT's only attendee.
func partStat(t *testing.T, ev *ical.Event) string {
	t.Helper()
	return attendeeLine(t, ev).Param("PARTSTAT")
}

// secrets are the room details only an accepted booking may show.
var secrets = []string{hostKey, passcode, joinURL, "81234567890", "812 3456 7890"}

// noSecrets fails when a mail shows any room detail.
func noSecrets(t *testing.T, raw []byte, r replyMail) {
	t.Helper()
	for _, s := range secrets {
		for where, text := range map[string]string{"raw mail": string(raw), "text": r.Text, "html": r.HTML} {
			if strings.Contains(text, s) {
				t.Errorf("%s shows %q", where, s)
			}
		}
	}
}

// plain reads typography as plain text: a no-break space as a space, a
// word joiner as nothing. The templates package pins the typography
// itself; these tests read the words.
func plain(s string) string {
	return strings.NewReplacer("\u00a0", " ", "\u2060", "").Replace(s)
}
