package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // charsets for the demo's mail reader

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/ical"
)

// demoMX stands for the cooperative's receiving server in the demo.
const demoMX = "mx.coop.example"

// demoStep is one scene of the demo story.
type demoStep struct {
	title  string
	invite *sampleInvite // nil for a raw message
	raw    []byte
	reply  bool // whether a reply is expected
}

func runDemo(args []string, stdout io.Writer) error {
	fs := newFlagSet("demo")
	lang := fs.String("lang", "fr", "language of the mails: fr or en")
	verbose := fs.Bool("v", false, "show the daemon's log")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "roomgate-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	env, err := startDemoServers()
	if err != nil {
		return err
	}
	defer env.Close()
	env.out = stdout
	cfg := demoConfig(*lang, env, filepath.Join(dir, "roomgate.db"))
	level := "error"
	if *verbose {
		level = "info"
	}
	log := newLogger(level, "text")
	ctx, cancel := context.WithCancel(context.Background())
	stopped, err := startDemoDaemon(ctx, cfg, log)
	if err != nil {
		cancel()
		return err
	}
	defer func() { cancel(); stopped.Wait() }()
	fmt.Fprintf(stdout, "roomgate demo: an in-process IMAP server on %s, an SMTP sink on %s,\na temporary SQLite database, and the daemon reading the mailbox with IDLE.\n",
		env.imapAddr, env.smtpAddr)
	fmt.Fprintf(stdout, "Room %q <%s>; the account hosts one meeting at a time; %s kept free around each booking.\n\n",
		cfg.Rooms[0].Name, cfg.Rooms[0].Address, humanDuration(cfg.Policy.Buffer.Duration))
	for i, st := range demoStory(cfg) {
		if err := env.play(i+1, st, cfg.location); err != nil {
			return err
		}
	}
	env.printFolders(cfg)
	return nil
}

// demoConfig is the configuration of the demo: the cooperative of the
// README, pointed at the in-process servers.
func demoConfig(lang string, env *demoServers, dsn string) *Config {
	cfg := &Config{Language: lang, Timezone: "Europe/Paris",
		Contact: "tech@coop.example", ServiceName: "Salles Zoom d'Opteos",
		Database: DatabaseConfig{Driver: "sqlite", DSN: dsn},
		IMAP: IMAPConfig{Address: env.imapAddr, Security: "insecure", Username: demoUser, Password: demoPassword,
			PollInterval: Duration{time.Second}},
		SMTP:    SMTPConfig{Address: env.smtpAddr, Security: "insecure"},
		Account: AccountConfig{HostKey: "483920"},
		Policy:  PolicyConfig{Organizers: []string{"@coop.example"}, Buffer: Duration{10 * time.Minute}},
		Rooms: []RoomConfig{{Name: "Salle Opteos", Address: demoUser, JoinURL: "https://zoom.us/j/81234567890?pwd=demo",
			MeetingID: "812 3456 7890", Passcode: "opteos"}},
		// The demo's mail arrives as the cooperative's receiving server
		// would deliver it, with its Authentication-Results field.
		Auth: AuthConfig{AuthservID: demoMX},
	}
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		panic(err) // the demo's own configuration is a constant
	}
	return cfg
}

// startDemoDaemon runs what `roomgate serve` runs, in goroutines.
func startDemoDaemon(ctx context.Context, cfg *Config, log *slog.Logger) (*sync.WaitGroup, error) {
	a, err := openApp(ctx, cfg, log, nil)
	if err != nil {
		return nil, err
	}
	src, err := a.newIMAP(nil, nil)
	if err != nil {
		a.Close()
		return nil, err
	}
	sender, err := cfg.newSMTP(log)
	if err != nil {
		a.Close()
		return nil, err
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a.gw.RunOutbox(ctx, sender, gateway.OutboxOptions{Interval: time.Second}) }()
	go func() {
		defer wg.Done()
		a.gw.Run(ctx, src)
		src.Close()
		a.Close()
	}()
	return &wg, nil
}

// demoStory is the story of the README: tomorrow at 10:00 in Paris.
func demoStory(cfg *Config) []demoStep {
	loc := cfg.location
	now := time.Now()
	d := now.In(loc).AddDate(0, 0, 1)
	at := func(h, m int) time.Time { return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, loc) }
	room := cfg.Rooms[0].Address
	inv := func(uid, who, name, summary string, s, e time.Time) *sampleInvite {
		return &sampleInvite{Method: "REQUEST", UID: uid, Summary: summary, Organizer: who, OrganizerName: name,
			Room: room, Start: s, End: e, Stamp: now, AuthServ: demoMX}
	}
	alice := inv("demo-alice-compta", "alice@coop.example", "Alice Martin", "Atelier compta", at(10, 0), at(11, 0))
	cancel := *alice
	cancel.Method, cancel.Sequence, cancel.Stamp = "CANCEL", 1, now.Add(time.Second)
	dave := inv("demo-dave-ag", "dave@coop.example", "Dave Petit", "Préparation AG", at(14, 0), at(15, 0))
	forged := *dave
	forged.Method, forged.Sequence, forged.Stamp, forged.From = "CANCEL", 1, now.Add(2*time.Second), "mallory@elsewhere.example"
	return []demoStep{
		{title: "Alice invites the room to “Atelier compta”, tomorrow 10:00–11:00", invite: alice, reply: true},
		{title: "Bob invites the room for 10:30–11:30 the same day", invite: inv("demo-bob-point", "bob@coop.example", "Bob Durand", "Point clients", at(10, 30), at(11, 30)), reply: true},
		{title: "Alice cancels her meeting: the slot frees, and Bob's request, which waited, is accepted", invite: &cancel, reply: true},
		{title: "Dave books 14:00–15:00", invite: dave, reply: true},
		{title: "Mallory, who knows the meeting's UID, sends a cancellation in Dave's name", invite: &forged},
		{title: "Eve, who is not a member, invites the room", invite: inv("demo-eve", "eve@elsewhere.example", "Eve", "Webinaire", at(15, 0), at(16, 0)), reply: true},
		{title: "A member's calendar sends a broken invitation (no UID, no start): the room cannot read it, and says so",
			raw: []byte("Authentication-Results: " + demoMX + "; dkim=pass header.d=coop.example; dmarc=pass header.from=coop.example\r\n" +
				"From: carole@coop.example\r\nTo: " + room + "\r\nSubject: Bilan\r\nMessage-ID: <demo-broken@coop.example>\r\n" +
				"Content-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Bilan\r\n" +
				"ORGANIZER:mailto:carole@coop.example\r\nATTENDEE:mailto:" + room + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"), reply: true},
		{title: "A message that is not an invitation and not to the room (a newsletter)",
			raw: []byte("From: news@elsewhere.example\r\nTo: list@coop.example\r\nSubject: News\r\nList-Id: <news.elsewhere.example>\r\n\r\nHello.\r\n")},
	}
}

// play appends one message to the inbox and prints what roomgate did.
func (env *demoServers) play(n int, st demoStep, loc *time.Location) error {
	fmt.Fprintf(env.out, "%d. %s\n", n, st.title)
	raw := st.raw
	if st.invite != nil {
		raw = st.invite.mail()
	}
	before := env.counts()
	if err := env.appendInbox(raw); err != nil {
		return err
	}
	if !st.reply {
		if err := env.waitInboxEmpty(10 * time.Second); err != nil {
			return err
		}
		fmt.Fprintf(env.out, "   → no reply sent; the message was filed in %s\n\n", env.grownFolder(before))
		return nil
	}
	m, err := env.sink.wait(10 * time.Second)
	if err != nil {
		return err
	}
	partstat, subject, body := describeReply(m.data)
	if partstat == "?" {
		partstat = "a mail without calendar reply" // the answer to an unreadable invitation
	}
	fmt.Fprintf(env.out, "   → %s, reply to %s\n     Subject: %s\n", partstat, strings.Join(m.to, ", "), subject)
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		fmt.Fprintf(env.out, "     │ %s\n", strings.TrimRight(line, "\r"))
	}
	fmt.Fprintln(env.out)
	return env.waitInboxEmpty(10 * time.Second)
}

// describeReply reads the room's PARTSTAT, the subject and the text of a
// reply mail.
func describeReply(raw []byte) (partstat, subject, text string) {
	partstat = "?"
	if data, err := ical.FindCalendar(raw, 1<<20); err == nil {
		if cal, err := ical.Parse(data, ical.ParseOptions{}); err == nil && len(cal.Events) > 0 && len(cal.Events[0].Attendees) > 0 {
			partstat = cal.Events[0].Attendees[0].Param("PARTSTAT")
		}
	}
	e, err := message.Read(strings.NewReader(string(raw)))
	if err != nil && !message.IsUnknownCharset(err) {
		return partstat, "?", ""
	}
	subject, _ = e.Header.Text("Subject")
	_ = e.Walk(func(path []int, part *message.Entity, err error) error {
		if t, _, _ := part.Header.ContentType(); t == "text/plain" && text == "" {
			b, _ := io.ReadAll(part.Body)
			text = string(b)
		}
		return nil
	})
	return partstat, subject, text
}

// humanDuration says a duration as people do: "10 minutes", "1 hour",
// "1 hour 30 minutes" (not time.Duration's 10m0s).
func humanDuration(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	unit := func(n int, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case h == 0:
		return unit(m, "minute")
	case m == 0:
		return unit(h, "hour")
	}
	return unit(h, "hour") + " " + unit(m, "minute")
}
