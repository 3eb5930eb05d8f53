package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"

	"codeberg.org/opteos/roomgate/db/dbtest"
	"codeberg.org/opteos/roomgate/ical"
)

// envCorpus names the folder of real-world invitations
// (../shared/fixtures/realworld, described by its SOURCES.md). They are
// public mail kept for checking, never copied into this repository: the
// test reads them where they are.
const envCorpus = "ROOMGATE_TEST_CORPUS"

// corpusFile says how one file of the corpus is made an invitation of the
// room (SOURCES.md): the attendee whose address the room takes (or "" to
// add an ATTENDEE line for the room), and the organizer the case allows.
type corpusFile struct {
	replace   string
	organizer string
	// dmarc is what the receiving server writes about the From domain in
	// the Authentication-Results field added on top; "pass" when "".
	dmarc string
}

var corpusFiles = map[string]corpusFile{
	"blackberry-allday.ics":                      {replace: "rembrand@xs4all.nl", organizer: "rembrand@daxlab.com"},
	"exchange-cancel-occurrence-v5.eml":          {replace: "openbmc@lists.ozlabs.org", organizer: "neladk@microsoft.com"},
	"exchange-cancel-series-v6.eml":              {replace: "openbmc@lists.ozlabs.org", organizer: "neladk@microsoft.com"},
	"exchange-endless-cancel-0107.eml":           {replace: "openbmc@lists.ozlabs.org", organizer: "neladk@microsoft.com"},
	"exchange-endless-cancel-1224.eml":           {replace: "openbmc@lists.ozlabs.org", organizer: "neladk@microsoft.com"},
	"exchange-endless-cancel-series.eml":         {replace: "openbmc@lists.ozlabs.org", organizer: "neladk@microsoft.com"},
	"exchange-endless-series.eml":                {replace: "openbmc@lists.ozlabs.org", organizer: "neladk@microsoft.com"},
	"exchange-exception-v4.eml":                  {replace: "openbmc@lists.ozlabs.org", organizer: "neladk@microsoft.com"},
	"exchange-series-v0.eml":                     {replace: "openbmc@lists.ozlabs.org", organizer: "neladk@microsoft.com"},
	"exchange-series-v2.eml":                     {replace: "openbmc@lists.ozlabs.org", organizer: "neladk@microsoft.com"},
	"exchange-single-to-series-cancel-v2.eml":    {replace: "openbmc@lists.ozlabs.org", organizer: "neladk@microsoft.com"},
	"exchange-single-to-series-v1.eml":           {replace: "openbmc@lists.ozlabs.org", organizer: "neladk@microsoft.com"},
	"exchange-single-v0.eml":                     {replace: "openbmc@lists.ozlabs.org", organizer: "neladk@microsoft.com"},
	"exchange-teams-single.eml":                  {replace: "openbmc@lists.ozlabs.org", organizer: "neladk@microsoft.com"},
	"google-groups-occurrence.eml":               {replace: "kasan-dev@googlegroups.com", organizer: "google.com_bbf8m6m4n8nq5p2bfjpele0n5s@group.calendar.google.com"},
	"google-invite-ics-part.txt":                 {replace: "aduprat@linagora.com", organizer: "antduprat@gmail.com"},
	"google-openbmc-a.eml":                       {replace: "openbmc@lists.ozlabs.org", organizer: "rhanley@google.com"},
	"google-openbmc-b.eml":                       {replace: "openbmc@lists.ozlabs.org", organizer: "rhanley@google.com"},
	"google-openbmc-c-updated.eml":               {replace: "openbmc@lists.ozlabs.org", organizer: "rhanley@google.com"},
	"google-openbmc-c.eml":                       {replace: "openbmc@lists.ozlabs.org", organizer: "rhanley@google.com"},
	"lotus-notes6-request.ics":                   {replace: "SRoberts@certicom.com", organizer: "gpope@certicom.com"},
	"ncmail-request-application-ics.eml":         {replace: "john@example.org", organizer: "alice@example.org"},
	"ncmail-request-google.eml":                  {replace: "john@example.org", organizer: "alice@example.org"},
	"ncmail-request-outlook-com.eml":             {replace: "bob@example.org", organizer: "alice@example.org"},
	"ncmail-request-proton-bridge.eml":           {replace: "john@example.org", organizer: "alice@example.org"},
	"obm-request.ics":                            {replace: "baechler@linagora.com", organizer: "ouazana@linagora.com"},
	"proton-allday-dtstart-only.ics.tmpl":        {replace: "invitee@proton.me", organizer: "orgo@proton.me"},
	"proton-walk-on-the-moon.ics.tmpl":           {replace: "invitee@proton.me", organizer: "orgo@proton.me"},
	"pykolab-apple-recurring.eml":                {replace: "jane@example.com", organizer: "john.doe@example.org"},
	"pykolab-google-group-calendar.eml":          {replace: "john.sample@example.org", organizer: "kepjllr6mcq7d0959u4cdc7000@group.calendar.google.com"},
	"pykolab-roundcube-application-ics.eml":      {replace: "resource-collection-car@example.org", organizer: "john.doe@example.org"},
	"pykolab-roundcube-multipart.eml":            {replace: "resource-collection-car@example.org", organizer: "john.doe@example.org"},
	"pykolab-roundcube-non-multipart.eml":        {replace: "resource-collection-car@example.org", organizer: "john.doe@example.org"},
	"pykolab-roundcube-unicode-windows-tzid.eml": {replace: "resource-car-audia4@example.org", organizer: "john.doe@example.org"},
	"sabre-evolution-request.ics":                {replace: "dominik@fruux.com", organizer: "martin@fruux.com"},
	"sabre-recurrence-exception-only.ics":        {replace: "three@example.org", organizer: "strunk@example.org"},
	"sabre-recurrence-master-exception.ics":      {replace: "two@example.org", organizer: "strunk@example.org"},
	"sisdrug-no-method.eml":                      {dmarc: "fail"},
	"tb-cancel-repeat-event.eml":                 {replace: "receiver@example.com", organizer: "sender@example.com"},
	"tb-cancel-single-event.eml":                 {replace: "receiver@example.com", organizer: "sender@example.com"},
	"tb-event-with-file-attachment.eml":          {replace: "receiver@example.com", organizer: "sender@example.com"},
	"tb-exception-major.eml":                     {replace: "receiver@example.com", organizer: "sender@example.com"},
	"tb-exception-minor.eml":                     {replace: "receiver@example.com", organizer: "sender@example.com"},
	"tb-ext-invite.eml":                          {},
	"tb-meet-meeting-invite.eml":                 {replace: "homer@example.com", organizer: "example@gmail.com"},
	"tb-outlook-test-invite.eml":                 {replace: "homer@example.org", organizer: "marge@example.org"},
	"tb-repeat-event.eml":                        {replace: "receiver@example.com", organizer: "sender@example.com"},
	"tb-repeat-update-major.eml":                 {replace: "receiver@example.com", organizer: "sender@example.com"},
	"tb-repeat-update-minor.eml":                 {replace: "receiver@example.com", organizer: "sender@example.com"},
	"tb-single-event.eml":                        {replace: "receiver@example.com", organizer: "sender@example.com"},
	"tb-teams-meeting-invite.eml":                {replace: "homer@example.com", organizer: "marge@example.com"},
	"tb-update-major.eml":                        {replace: "receiver@example.com", organizer: "sender@example.com"},
	"tb-update-minor.eml":                        {replace: "receiver@example.com", organizer: "sender@example.com"},
	// Yahoo Calendar wrote this CANCEL in the organizer's name from Yahoo's
	// servers: microsoft.com's DMARC fails, as the list's own server said.
	"yahoo-cancel.eml":             {replace: "openbmc@lists.ozlabs.org", organizer: "neladk@microsoft.com", dmarc: "fail"},
	"yahoo-request.ics":            {replace: "ddolcimascolo@linagora.com", organizer: "obmlinagora@yahoo.fr"},
	"zoom-publish-many-parts.eml":  {},
	"zoom-publish-via-outlook.eml": {},
	"zoom-webinar-request.eml":     {replace: "linux-wpan@vger.kernel.org"},
}

// corpusStep is one message of a case and what must come of it.
type corpusStep struct {
	file string
	now  string // -now: when the message is decided
	// kind and action printed by `roomgate process`.
	kind, action string
	// reply is the room's PARTSTAT per VEVENT of the one reply expected
	// ("RECURRENCE-ID PARTSTAT" for an occurrence); nil: no reply at all.
	reply []string
	// others are the recipients of the other mails expected (alerts).
	others []string
	// bookings, when not nil, are every booking after this step, as
	// bookingText prints them; the last step of a case must give them.
	bookings []string
	// known, when set, describes a problem of the current code that this
	// step shows: its mismatches are logged, not failed (a broken rule of
	// interop.md still fails), and the test fails once the step is decided
	// right, so that the mark is removed.
	known string
}

// corpusCase is a sequence of messages replayed in order against one
// database, with extra configuration edits (old, new pairs).
type corpusCase struct {
	name   string
	config []string
	steps  []corpusStep
}

// TestRealWorldCorpus replays real calendar clients' mail, adapted to
// invite the room, through `roomgate process` and checks each decision,
// each reply (interop.md, with two parsers) and the bookings left.
func TestRealWorldCorpus(t *testing.T) {
	dir := os.Getenv(envCorpus)
	if dir == "" {
		t.Skipf("real-world corpus test skipped: set %s to the folder of ../shared/fixtures/realworld", envCorpus)
	}
	checkCorpusListed(t, dir)
	seen := map[string]bool{}
	for _, c := range corpusCases {
		for _, s := range c.steps {
			seen[s.file] = true
		}
	}
	for f := range corpusFiles {
		if !seen[f] {
			t.Errorf("corpus file %s is in no case", f)
		}
	}
	for _, c := range corpusCases {
		t.Run(c.name, func(t *testing.T) { runCorpusCase(t, dir, c) })
	}
}

// checkCorpusListed fails for a file of the folder this test does not
// know: a new fixture must get its expected outcome written here.
func checkCorpusListed(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("%s: %v", envCorpus, err)
	}
	for _, e := range entries {
		if _, ok := corpusFiles[e.Name()]; !ok && e.Name() != "SOURCES.md" && !e.IsDir() {
			t.Errorf("corpus file %s has no expected outcome in this test", e.Name())
		}
	}
}

func runCorpusCase(t *testing.T, dir string, c corpusCase) {
	driver, dsn := dbtest.New(t)
	var orgs []string
	for _, s := range c.steps {
		if o := corpusFiles[s.file].organizer; o != "" && !slices.Contains(orgs, o) {
			orgs = append(orgs, o)
		}
	}
	if len(orgs) == 0 {
		orgs = []string{"@coop.example"}
	}
	quoted, _ := json.Marshal(orgs)
	edits := append([]string{`organizers = ["@coop.example", "partner@other.example"]`, "organizers = " + string(quoted),
		`log_level = "info"`, `log_level = "error"`, `driver = "sqlite"`, `driver = "` + driver + `"`, `dsn = "/var/lib/roomgate/roomgate.db"`, `dsn = "` + dsn + `"`}, c.config...)
	cfg := writeConfig(t, edits...)
	if c.steps[len(c.steps)-1].bookings == nil {
		t.Fatal("the last step must say which bookings are left")
	}
	for i, s := range c.steps {
		runCorpusStep(t, dir, cfg, i, s)
	}
}

// runCorpusStep processes one message and compares what came of it.
func runCorpusStep(t *testing.T, dir, cfg string, i int, s corpusStep) {
	t.Helper()
	raw := adaptCorpusFile(t, dir, s.file)
	msg := filepath.Join(t.TempDir(), fmt.Sprintf("%02d-%s", i, strings.TrimSuffix(s.file, ".eml")+".eml"))
	if err := os.WriteFile(msg, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	outbox := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"process", "-config", cfg, "-outbox", outbox, "-now", s.now, msg}, &stdout, &stderr); code != 0 {
		t.Fatalf("%s: roomgate process exited %d: %s", s.file, code, stderr.String())
	}
	var got processLine
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &got); err != nil {
		t.Fatalf("%s: output %q: %v", s.file, stdout.String(), err)
	}
	var bad problems
	if string(got.Kind) != s.kind || string(got.Action) != s.action {
		bad.add("kind %s action %s (%s), want %s %s", got.Kind, got.Action, got.Reason, s.kind, s.action)
	}
	var rules problems // a broken interop.md rule fails even a known problem
	replies, others := readOutboxDir(t, outbox, corpusReplyContext(t, raw), &rules)
	for _, r := range rules {
		t.Errorf("%s: %s", s.file, r)
	}
	if r := strings.Join(replies, " | "); r != strings.Join(s.reply, " | ") || (s.reply == nil) != (replies == nil) {
		bad.add("reply %q, want %q", replies, s.reply)
	}
	if o := strings.Join(others, ","); o != strings.Join(s.others, ",") {
		bad.add("other mails to %q, want %q", others, s.others)
	}
	if s.bookings != nil {
		if b := listBookings(t, cfg); strings.Join(b, "\n") != strings.Join(s.bookings, "\n") {
			bad.add("bookings:\n\t%s\nwant:\n\t%s", strings.Join(b, "\n\t"), strings.Join(s.bookings, "\n\t"))
		}
	}
	reportStep(t, s, got, bad)
}

// reportStep fails the mismatches of a step, or logs those of a known
// problem (and fails when a known problem is gone).
func reportStep(t *testing.T, s corpusStep, got processLine, bad problems) {
	t.Helper()
	switch {
	case s.known == "":
		for _, b := range bad {
			t.Errorf("%s: %s", s.file, b)
		}
	case len(bad) == 0:
		t.Errorf("%s: now decided as expected; remove its known problem %q", s.file, s.known)
	default:
		t.Logf("%s: KNOWN PROBLEM (%s): %s", s.file, s.known, strings.Join(bad, "; "))
	}
	t.Logf("%s: %s %s: %s", s.file, got.Kind, got.Action, got.Reason)
}

// adaptCorpusFile reads a file of the corpus and makes it the message
// the room receives: wrapped in its envelope when it is no mail, the room
// put in place of the attendee SOURCES.md names (or added), and an
// Authentication-Results field added on top as the receiving server
// would write it.
func adaptCorpusFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	f, ok := corpusFiles[name]
	if !ok {
		t.Fatalf("no adaptation for %s", name)
	}
	raw, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(name, ".eml") {
		raw = corpusEnvelope(t, name, raw)
	}
	n := 0
	edit := addAttendee(&n)
	if f.replace != "" {
		edit = replaceAddress(f.replace, corpusRoom, &n)
	}
	raw = editCalendars(t, raw, edit)
	if n == 0 {
		t.Fatalf("%s: the adaptation changed nothing", name)
	}
	return withAuthResults(t, raw, f.dmarc)
}

// withAuthResults adds the receiving server's Authentication-Results
// field (RFC 8601) on top, about the From domain.
func withAuthResults(t *testing.T, raw []byte, dmarc string) []byte {
	t.Helper()
	if dmarc == "" {
		dmarc = "pass"
	}
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	from, _ := readFromAddress(h.Get("From"))
	eol := "\r\n"
	if i := bytes.IndexByte(raw, '\n'); i > 0 && raw[i-1] != '\r' {
		eol = "\n"
	}
	field := fmt.Sprintf("Authentication-Results: mx.coop.example; dmarc=%s header.from=%s%s", dmarc, from[strings.LastIndexByte(from, '@')+1:], eol)
	return append([]byte(field), raw...)
}

// corpusReplyContext reads the invitation as the reply is to answer it.
func corpusReplyContext(t *testing.T, raw []byte) replyContext {
	t.Helper()
	rc := replyContext{}
	h, _ := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	rc.messageID = strings.TrimSpace(h.Get("Message-Id"))
	data, err := ical.FindCalendar(raw, 0)
	if err != nil {
		return rc
	}
	if rc.req, err = ical.Parse(data, ical.ParseOptions{}); err != nil {
		return rc
	}
	for _, ev := range rc.req.Events {
		if ev.Attendee(func(a string) bool { return a == corpusRoom }) != nil {
			rc.organizer, _ = ev.Organizer.Mailbox()
			break
		}
	}
	return rc
}

// readOutboxDir reads the mails a step wrote: the PARTSTATs of each reply
// (checked against interop.md; what breaks a rule is in bad), and the
// recipients of the other mails (with the method of those holding another
// iTIP message, such as a COUNTER).
func readOutboxDir(t *testing.T, dir string, rc replyContext, bad *problems) (replies, others []string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	sort.Strings(files)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := readSent(filepath.Base(f), raw)
		if err != nil {
			bad.add("%v", err)
			continue
		}
		switch {
		case m.calendar == nil:
			others = append(others, m.to)
		case !strings.EqualFold(m.method, "REPLY"): // a COUNTER, say
			others = append(others, m.to+" "+strings.ToUpper(m.method))
		case rc.req == nil:
			bad.add("%s: a reply to an unreadable invitation", m.name)
		case replies != nil:
			bad.add("%s: a second reply", m.name)
		default:
			replies = checkCorpusReply(bad, m, rc)
		}
	}
	return replies, others
}

// listBookings returns every booking, as `roomgate bookings list -json`
// gives them, sorted by start.
func listBookings(t *testing.T, cfg string) []string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args := []string{"bookings", "list", "-config", cfg, "-from", "1990-01-01", "-to", "2100-01-01", "-status", "all", "-json"}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("bookings list exited %d: %s", code, stderr.String())
	}
	var bs []bookingLine
	if err := json.Unmarshal(stdout.Bytes(), &bs); err != nil {
		t.Fatalf("bookings list: %v: %s", err, stdout.String())
	}
	out := []string{}
	for _, b := range bs {
		out = append(out, bookingText(b.Status, b.Start, b.End))
	}
	sort.Strings(out)
	sort.SliceStable(out, func(i, j int) bool {
		return out[i][strings.IndexByte(out[i], ' '):] < out[j][strings.IndexByte(out[j], ' '):]
	})
	return out
}

// bookingText prints one booking: status, start in UTC, duration.
func bookingText(status string, start, end time.Time) string {
	return fmt.Sprintf("%s %s %s", status, start.UTC().Format("2006-01-02T15:04Z"), end.Sub(start))
}

// every returns n bookings of one status and duration, step apart,
// from first (2006-01-02T15:04Z), skipping the indexes in skip.
func every(status, first string, step time.Duration, n int, dur time.Duration, skip ...int) []string {
	t0, err := time.Parse("2006-01-02T15:04Z", first)
	if err != nil {
		panic(err)
	}
	var out []string
	for i := 0; i < n; i++ {
		if !slices.Contains(skip, i) {
			out = append(out, bookingText(status, t0.Add(time.Duration(i)*step), t0.Add(time.Duration(i)*step+dur)))
		}
	}
	return out
}

// join concatenates lists of bookings, sorted as listBookings sorts.
func join(lists ...[]string) []string {
	out := []string{}
	for _, l := range lists {
		out = append(out, l...)
	}
	sort.Strings(out)
	sort.SliceStable(out, func(i, j int) bool {
		return out[i][strings.IndexByte(out[i], ' '):] < out[j][strings.IndexByte(out[j], ' '):]
	})
	return out
}

// readFromAddress returns the address of a From field.
func readFromAddress(v string) (string, error) {
	a, err := (&mail.AddressParser{WordDecoder: &mime.WordDecoder{}}).Parse(v)
	if err != nil {
		return "", err
	}
	return strings.ToLower(a.Address), nil
}
