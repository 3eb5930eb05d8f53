package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// subcommand is one action of a command with actions (bookings, outbox).
type subcommand struct {
	name, usage, short string
	run                func(args []string, stdout io.Writer) error
}

// runSub dispatches to the action named by args[0].
func runSub(cmd string, subs []subcommand, args []string, stdout io.Writer) error {
	if len(args) > 0 {
		for _, s := range subs {
			if s.name == args[0] {
				return s.run(args[1:], stdout)
			}
		}
	}
	w := stdout
	if len(args) > 0 && args[0] != "-h" && args[0] != "--help" && args[0] != "help" {
		fmt.Fprintf(w, "roomgate %s: unknown action %q\n\n", cmd, args[0])
	}
	fmt.Fprintf(w, "Usage: roomgate %s ACTION [flags]\n\nActions:\n", cmd)
	for _, s := range subs {
		fmt.Fprintf(w, "  %-7s %s\n", s.name, s.short)
	}
	fmt.Fprintf(w, "\nEach action takes -h for its flags.\n")
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		return flag.ErrHelp
	}
	return fmt.Errorf("unknown action %q", args[0])
}

// subFlagSet returns a flag set whose -h prints the action's usage.
func subFlagSet(cmd string, s subcommand) *flag.FlagSet {
	fs := flag.NewFlagSet("roomgate "+cmd+" "+s.name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: roomgate %s %s %s\n\n%s.\n\nFlags:\n", cmd, s.name, s.usage, s.short)
		fs.PrintDefaults()
	}
	return fs
}

// bookingsActions are the actions of `roomgate bookings`.
func bookingsActions() []subcommand {
	return []subcommand{
		{"list", "[-config FILE] [-from DATE] [-to DATE] [-status S] [-json]", "list the bookings, by default the accepted ones of the next 30 days", runBookingsList},
		{"cancel", "[-config FILE] [-reason TEXT] [-outbox DIR] ID", "free a booked slot and tell its organizer (iTIP REPLY, declined)", runBookingsCancel},
	}
}

// outboxActions are the actions of `roomgate outbox`.
func outboxActions() []subcommand {
	return []subcommand{
		{"list", "[-config FILE] [-status S] [-json]", "list the mails of the outbox, newest first", runOutboxList},
		{"retry", "[-config FILE] [ID…]", "make failed or waiting mails due now (all of them without IDs)", runOutboxRetry},
	}
}

func runBookings(args []string, stdout io.Writer) error {
	return runSub("bookings", bookingsActions(), args, stdout)
}

func runOutbox(args []string, stdout io.Writer) error {
	return runSub("outbox", outboxActions(), args, stdout)
}

// openForCommand loads the configuration and opens the application quietly
// (warnings only on stderr).
func openForCommand(ctx context.Context, path string) (*app, error) {
	cfg, err := LoadConfig(path)
	if err != nil {
		return nil, err
	}
	return openApp(ctx, cfg, newLogger("warn", cfg.LogFormat), nil)
}

func runBookingsList(args []string, stdout io.Writer) error {
	fs := subFlagSet("bookings", bookingsActions()[0])
	path := fs.String("config", "roomgate.toml", "configuration `file`")
	fromFlag := fs.String("from", "", "first `date` (YYYY-MM-DD in the configured zone, or RFC 3339); today by default")
	toFlag := fs.String("to", "", "`date` before which bookings start (YYYY-MM-DD or RFC 3339); 30 days after -from by default")
	status := fs.String("status", "accepted", "`status` to list: accepted, waiting (for a slot to free), pending (approval), held (a proposed slot), declined, cancelled, released (its meeting had not started) or all")
	asJSON := fs.Bool("json", false, "print JSON for scripts instead of a table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch gateway.BookingStatus(*status) {
	case "all", gateway.StatusAccepted, gateway.StatusWaiting, gateway.StatusPending, gateway.StatusHeld,
		gateway.StatusDeclined, gateway.StatusCancelled, gateway.StatusReleased:
	default:
		return fmt.Errorf("-status %q: not accepted, waiting, pending, held, declined, cancelled, released or all", *status)
	}
	ctx := context.Background()
	a, err := openForCommand(ctx, *path)
	if err != nil {
		return err
	}
	defer a.Close()
	from, to, err := dateRange(*fromFlag, *toFlag, time.Now(), a.cfg.location)
	if err != nil {
		return err
	}
	bs, err := a.store.ListBookings(ctx, from, to)
	if err != nil {
		return err
	}
	bs = filterBookings(bs, *status)
	if *asJSON {
		return writeJSON(stdout, bookingsJSON(bs))
	}
	return bookingsTable(stdout, bs, a.cfg.location)
}

// dateRange reads -from and -to: dates are midnight in loc.
func dateRange(fromText, toText string, now time.Time, loc *time.Location) (from, to time.Time, err error) {
	y, m, d := now.In(loc).Date()
	from = time.Date(y, m, d, 0, 0, 0, 0, loc)
	if fromText != "" {
		if from, err = parseDate(fromText, loc); err != nil {
			return from, to, fmt.Errorf("-from: %w", err)
		}
	}
	to = from.AddDate(0, 0, 30)
	if toText != "" {
		if to, err = parseDate(toText, loc); err != nil {
			return from, to, fmt.Errorf("-to: %w", err)
		}
	}
	if !to.After(from) {
		return from, to, errors.New("-to must come after -from")
	}
	return from, to, nil
}

// parseDate reads YYYY-MM-DD (midnight in loc) or an RFC 3339 time.
func parseDate(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither YYYY-MM-DD nor RFC 3339", s)
}

// filterBookings keeps the bookings of a status ("all" keeps every one).
func filterBookings(bs []gateway.Booking, status string) []gateway.Booking {
	if status == "all" {
		return bs
	}
	out := bs[:0:0]
	for _, b := range bs {
		if string(b.Status) == status {
			out = append(out, b)
		}
	}
	return out
}

func runBookingsCancel(args []string, stdout io.Writer) error {
	fs := subFlagSet("bookings", bookingsActions()[1])
	path := fs.String("config", "roomgate.toml", "configuration `file`")
	reason := fs.String("reason", "", "a short explanation for the organizer (`text`)")
	outbox := fs.String("outbox", "", "write the mail into this `directory` (one .eml) instead of sending it by SMTP")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("give the ID of one booking (see roomgate bookings list)")
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("%q is not a booking ID", fs.Arg(0))
	}
	ctx := context.Background()
	a, err := openForCommand(ctx, *path)
	if err != nil {
		return err
	}
	defer a.Close()
	b, err := a.gw.CancelBooking(ctx, id, *reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "booking %d cancelled: %s, %s (%s)\n", b.ID, clean(b.Summary, 60),
		when(b.Start, a.cfg.location), b.Organizer)
	if err := flushProcessed(ctx, a, *outbox); err != nil {
		return fmt.Errorf("the booking is cancelled but the mail stays queued: %w", err)
	}
	return nil
}

// runAudit prints the decision log.
func runAudit(args []string, stdout io.Writer) error {
	fs := newFlagSet("audit")
	path := fs.String("config", "roomgate.toml", "configuration `file`")
	since := fs.Duration("since", 24*time.Hour, "show the entries of this last `duration` (e.g. 2h, 168h)")
	action := fs.String("action", "", "only this `action` (accepted, declined, cancelled, rejected…)")
	asJSON := fs.Bool("json", false, "print JSON for scripts instead of a table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	ctx := context.Background()
	a, err := openForCommand(ctx, *path)
	if err != nil {
		return err
	}
	defer a.Close()
	es, err := a.store.ListAudit(ctx, time.Now().Add(-*since), 0)
	if err != nil {
		return err
	}
	if *action != "" {
		kept := es[:0]
		for _, e := range es {
			if string(e.Action) == *action {
				kept = append(kept, e)
			}
		}
		es = kept
	}
	if *asJSON {
		return writeJSON(stdout, auditJSON(es))
	}
	return auditTable(stdout, es, a.cfg.location)
}

func runOutboxList(args []string, stdout io.Writer) error {
	fs := subFlagSet("outbox", outboxActions()[0])
	path := fs.String("config", "roomgate.toml", "configuration `file`")
	status := fs.String("status", "", "only this `status`: pending, sent or failed")
	asJSON := fs.Bool("json", false, "print JSON for scripts instead of a table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	a, err := openForCommand(ctx, *path)
	if err != nil {
		return err
	}
	defer a.Close()
	ms, err := a.store.ListOutbox(ctx, gateway.OutboxStatus(*status), 0)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, outboxJSON(ms))
	}
	return outboxTable(stdout, ms, a.cfg.location)
}

func runOutboxRetry(args []string, stdout io.Writer) error {
	fs := subFlagSet("outbox", outboxActions()[1])
	path := fs.String("config", "roomgate.toml", "configuration `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var ids []int64
	for _, arg := range fs.Args() {
		id, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("%q is not an outbox ID", arg)
		}
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	ctx := context.Background()
	a, err := openForCommand(ctx, *path)
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := a.store.RetryOutboxReport(ctx, time.Now(), a.cfg.outbox.Lease(), ids...)
	if err != nil {
		return err
	}
	return printRetry(stdout, res, len(ids) > 0, a.cfg.outbox.Lease(), a.cfg.location)
}

// clean makes a text typed by someone else safe for a terminal: control
// characters (escape sequences, line breaks) become spaces, and it is cut
// to max runes.
func clean(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if r := []rune(s); max > 0 && len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
