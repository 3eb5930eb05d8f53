// Command roomgate lets a community share one Zoom account through plain
// e-mail: members invite the room's address to their meetings, and
// roomgate accepts or declines each invitation with an iTIP reply.
//
// Run `roomgate help` for the commands.
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// command is one subcommand of roomgate.
type command struct {
	name  string
	usage string // arguments after the name
	short string
	run   func(args []string, stdout io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "-config FILE", "run the daemon: read the mailbox, decide, reply", runServe},
		{"process", "-config FILE [-outbox DIR] [-now RFC3339] MESSAGE.eml…", "handle messages from files, as the daemon would", runProcess},
		{"demo", "", "show the whole thing on this machine, with in-process servers", runDemo},
		{"check", "-config FILE", "validate the configuration and reach the servers", runCheck},
		{"bench", "[-imap ADDR|mem -user U -password P] [-n N] [-rate R | -backlog] [-driver sqlite|postgres -dsn URL] [-instances K] [-floor | -no-floor] [-floor-io] [-empty]", "measure throughput and latency against a real IMAP server", runBench},
		{"bookings", "list|cancel [flags]", "list the bookings, or cancel one and tell its organizer", runBookings},
		{"audit", "[-config FILE] [-since DURATION] [-action A] [-json]", "show the decisions and their reasons", runAudit},
		{"outbox", "list|retry [flags]", "list the mails to send, or make failed ones due again", runOutbox},
		{"backup", "-config FILE BACKUP", "write a consistent copy of the SQLite database while the daemon runs", runBackup},
		{"restore", "-config FILE [-force] BACKUP", "put a backup in place of the SQLite database (daemon stopped)", runRestore},
		{"healthcheck", "[-url URL | -config FILE] [-timeout D]", "ask a running daemon's /healthz; exit 1 unless healthy", runHealthcheck},
		{"version", "[-json]", "print the version, commit and Go version of this binary", runVersion},
		{"help", "", "list the commands", nil},
	}
}

func main() {
	tuneGC(os.Getenv)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] && c.run != nil {
			if err := c.run(args[1:], stdout); err != nil {
				if err == flag.ErrHelp {
					return 0
				}
				fmt.Fprintf(stderr, "roomgate %s: %v\n", c.name, err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "roomgate: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "roomgate: book a shared Zoom account by inviting its rooms from any calendar.")
	fmt.Fprintln(w, "\nUsage: roomgate COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.short)
	}
	fmt.Fprintln(w, "\nEach command takes -h for its flags.")
	fmt.Fprintln(w, "\n"+readBuildInfo().String())
}

// newFlagSet returns a flag set whose -h prints the command's usage.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("roomgate "+name, flag.ContinueOnError)
	fs.Usage = func() {
		for _, c := range commands() {
			if c.name == name {
				fmt.Fprintf(fs.Output(), "Usage: roomgate %s %s\n\n%s.\n\nFlags:\n", name, c.usage, c.short)
			}
		}
		fs.PrintDefaults()
	}
	return fs
}

// newLogger builds the logger the configuration asks for, on stderr.
func newLogger(level, format string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	opt := &slog.HandlerOptions{Level: lv}
	if strings.EqualFold(format, "json") {
		return slog.New(slog.NewJSONHandler(os.Stderr, opt))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opt))
}
