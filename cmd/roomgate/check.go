package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/db"
	"codeberg.org/opteos/roomgate/templates"
)

func runCheck(args []string, stdout io.Writer) error {
	fs := newFlagSet("check")
	path := fs.String("config", "roomgate.toml", "configuration `file`")
	skipFlag := fs.String("skip", "", "`checks` to leave out, comma-separated: imap, smtp, bbb, galene (say, before the servers exist), placeholders (a test set-up with .example addresses)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	skip, err := checkSkips(*skipFlag)
	if err != nil {
		return err
	}
	cfg, err := LoadConfig(*path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "version     %s\n", readBuildInfo())
	fmt.Fprintf(stdout, "config      ok  %s (%d room(s), language %s, zone %s)\n", *path, len(cfg.Rooms), cfg.Language, cfg.Timezone)
	for _, w := range cfg.warnings {
		fmt.Fprintf(stdout, "config      WARNING %s\n", w)
	}
	printPool(stdout, cfg)
	printTools(stdout, cfg)
	failed := 0
	if found := placeholders(cfg); len(found) > 0 && !skip["placeholders"] {
		failed++
		fmt.Fprintf(stdout, "%-11s FAIL %d value(s) still copied from roomgate.example.toml:\n", "placeholders", len(found))
		for _, f := range found {
			fmt.Fprintf(stdout, "            - %s\n", f)
		}
	} else if skip["placeholders"] {
		fmt.Fprintf(stdout, "%-11s skipped\n", "placeholders")
	} else {
		fmt.Fprintf(stdout, "%-11s ok\n", "placeholders")
	}
	log := newLogger("error", cfg.LogFormat)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	step := func(name string, f func() error) {
		if skip[name] {
			fmt.Fprintf(stdout, "%-11s skipped\n", name)
			return
		}
		if err := f(); err != nil {
			failed++
			fmt.Fprintf(stdout, "%-11s FAIL %v\n", name, err)
			return
		}
		fmt.Fprintf(stdout, "%-11s ok\n", name)
	}
	step("templates", func() error { _, err := templates.Load(cfg.TemplatesDir); return err })
	var store *db.Store
	step("database", func() error {
		store, err = db.Open(ctx, db.Options{Driver: cfg.Database.Driver, DSN: cfg.Database.DSN, Logger: log})
		if err != nil {
			return err
		}
		return store.Ping(ctx)
	})
	var authserv []string
	if store != nil {
		defer store.Close()
		step("imap", func() error {
			a := &app{cfg: cfg, log: log, store: store}
			src, err := a.newIMAP(nil, nil)
			if err != nil {
				return err
			}
			defer src.Close()
			if err := src.Check(ctx); err != nil {
				return err
			}
			authserv = checkAuthserv(ctx, cfg, src)
			return nil
		})
	}
	for _, l := range authserv {
		fmt.Fprintln(stdout, l)
	}
	step("smtp", func() error {
		s, err := cfg.newSMTP(log)
		if err != nil {
			return err
		}
		return s.Check(ctx)
	})
	for _, p := range cfg.Video.probes {
		step(p.name, func() error { return p.probe(ctx) })
	}
	if cfg.ZoomAPI.Enabled {
		if what, err := cfg.ZoomAPI.check(ctx, log, cfg.Account.Hosts); err != nil {
			failed++
			fmt.Fprintf(stdout, "%-11s FAIL %v\n", "zoom api", err)
		} else {
			fmt.Fprintf(stdout, "%-11s ok  %s\n", "zoom api", what)
		}
	}
	if cfg.Chat != nil {
		if what, err := cfg.checkChat(ctx); err != nil {
			failed++
			fmt.Fprintf(stdout, "%-11s FAIL %v\n", "chat", err)
		} else {
			fmt.Fprintf(stdout, "%-11s ok  %s\n", "chat", what)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d check(s) failed", failed)
	}
	return nil
}

// checkSkips parses -skip.
func checkSkips(list string) (map[string]bool, error) {
	skip := map[string]bool{}
	for name := range strings.SplitSeq(list, ",") {
		switch name = strings.TrimSpace(name); name {
		case "":
		case "imap", "smtp", "placeholders", "bbb", "galene":
			skip[name] = true
		default:
			return nil, fmt.Errorf("-skip: %q is not imap, smtp, placeholders, bbb or galene", name)
		}
	}
	return skip, nil
}
