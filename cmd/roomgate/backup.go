package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"codeberg.org/opteos/roomgate/db"
)

func runBackup(args []string, stdout io.Writer) error {
	fs := newFlagSet("backup")
	path := fs.String("config", "roomgate.toml", "configuration `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("give the backup file to write, e.g. roomgate-$(date +%F).db")
	}
	out := fs.Arg(0)
	cfg, err := LoadConfig(*path)
	if err != nil {
		return err
	}
	if cfg.Database.Driver == db.DriverPostgres {
		return db.ErrBackupPostgres
	}
	ctx := context.Background()
	store, err := db.Open(ctx, db.Options{Driver: cfg.Database.Driver, DSN: cfg.Database.DSN, Logger: newLogger("warn", cfg.LogFormat)})
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Backup(ctx, out); err != nil {
		return err
	}
	sum, err := summarizeFile(ctx, out)
	if err != nil {
		return fmt.Errorf("the backup %s does not open: %w", out, err)
	}
	fmt.Fprintf(stdout, "backup written to %s: %s\n", out, describe(sum))
	return nil
}

func runRestore(args []string, stdout io.Writer) error {
	fs := newFlagSet("restore")
	path := fs.String("config", "roomgate.toml", "configuration `file`")
	force := fs.Bool("force", false, "restore even though the database looks in use (a -wal file beside it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("give the backup file to restore")
	}
	cfg, err := LoadConfig(*path)
	if err != nil {
		return err
	}
	if cfg.Database.Driver == db.DriverPostgres {
		return errors.New("a PostgreSQL database is restored with pg_restore or psql (docs/operator.md, \"Back up\")")
	}
	res, err := db.RestoreSQLite(context.Background(), fs.Arg(0), cfg.Database.DSN, *force, newLogger("warn", cfg.LogFormat))
	if errors.Is(err, db.ErrInUse) {
		return fmt.Errorf("%w: stop roomgate first (systemctl stop roomgate); if it is stopped, it did not stop cleanly: "+
			"run roomgate check once, which closes the database properly, then restore again", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s from %s: %s\n", cfg.Database.DSN, fs.Arg(0), describe(res.Summary))
	if res.Aside != "" {
		fmt.Fprintf(stdout, "the database it replaced is kept as %s\n", res.Aside)
	}
	restoreWarning(stdout, res)
	return nil
}

// restoreWarning says what a restore loses: the bookings made after the
// backup, which members' calendars still show as accepted by the room.
func restoreWarning(w io.Writer, res db.Restored) {
	lost := ""
	if res.Aside != "" {
		if before, err := summarizeFile(context.Background(), res.Aside); err == nil && before.Bookings > res.Summary.Bookings {
			lost = fmt.Sprintf(" (the replaced database held %d more)", before.Bookings-res.Summary.Bookings)
		}
	}
	fmt.Fprintf(w, "WARNING: the bookings made after this backup are lost%s, while the members' calendars still\n"+
		"show them as accepted by the room: the room may now give their slots to others. Ask the members\n"+
		"who booked since the backup to send their invitation again (edit the meeting and save it):\n"+
		"the room then answers it anew.\n", lost)
}

// summarizeFile opens a SQLite file read-only and counts what it holds.
func summarizeFile(ctx context.Context, path string) (db.Summary, error) {
	if _, err := os.Stat(path); err != nil {
		return db.Summary{}, err
	}
	s, err := db.OpenReadOnly(ctx, path)
	if err != nil {
		return db.Summary{}, err
	}
	defer s.Close()
	return s.Summarize(ctx)
}

func describe(s db.Summary) string {
	return fmt.Sprintf("%d booking(s), %d message(s) decided, %d outbox mail(s), schema version %d",
		s.Bookings, s.Messages, s.Outbox, s.SchemaVersion)
}
