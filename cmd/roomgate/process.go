package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/mailbox"
)

// processLine is the JSON line printed for each input file.
type processLine struct {
	File   string         `json:"file"`
	Kind   gateway.Kind   `json:"kind"`
	Action gateway.Action `json:"action"`
	UID    string         `json:"uid"`
	Reason string         `json:"reason"`
}

func runProcess(args []string, stdout io.Writer) error {
	fs := newFlagSet("process")
	path := fs.String("config", "roomgate.toml", "configuration `file`")
	outbox := fs.String("outbox", "", "write the mails to send into this `directory` (one .eml each) instead of SMTP")
	nowFlag := fs.String("now", "", "decide as if it were this `time` (RFC 3339), for replays and tests")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("no message file given")
	}
	cfg, err := LoadConfig(*path)
	if err != nil {
		return err
	}
	var now func() time.Time
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return fmt.Errorf("-now: %q is not an RFC 3339 time", *nowFlag)
		}
		now = func() time.Time { return t }
	}
	ctx := context.Background()
	log := newLogger(cfg.LogLevel, cfg.LogFormat)
	cfg.logWarnings(log) // as serve does: a replay without authentication trusts every From
	a, err := openApp(ctx, cfg, log, now)
	if err != nil {
		return err
	}
	defer a.Close()
	// The daemon extends series without end every 15 minutes: at -now T,
	// their dates up to T's booking window are decided before the files.
	if n, err := a.gw.CatchUpSeries(ctx); err != nil {
		return fmt.Errorf("extending the series without end: %w", err)
	} else if n > 0 {
		log.Info("open-ended series extended", "series", n)
	}
	if err := processFiles(ctx, a.gw, fs.Args(), stdout); err != nil {
		return err
	}
	return flushProcessed(ctx, a, *outbox)
}

// processFiles handles each file in order and prints one JSON line per file.
func processFiles(ctx context.Context, gw *gateway.Gateway, files []string, w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		out, err := gw.HandleSafe(ctx, gateway.Incoming{Ref: f, Raw: raw, Size: int64(len(raw))})
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if err := enc.Encode(processLine{File: f, Kind: out.Kind, Action: out.Action, UID: out.UID, Reason: out.Reason}); err != nil {
			return err
		}
	}
	return nil
}

// flushProcessed sends what the messages produced: into a directory when
// one is given, else through the configured SMTP server. Mails that cannot
// be sent now stay queued for `roomgate serve`.
func flushProcessed(ctx context.Context, a *app, dir string) error {
	var s gateway.Sender
	opt, err := a.cfg.outboxOptions()
	if err != nil {
		return err
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		d := mailbox.NewDirSender(dir)
		s, opt.Poster = d, d // chat messages too are written, as NNNN-webhook.json
	} else {
		smtp, err := a.cfg.newSMTP(a.log)
		if err != nil {
			return err
		}
		s = smtp
	}
	n, err := a.gw.FlushOutbox(ctx, s, opt)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	a.log.Debug("outbox flushed", "sent", n)
	return nil
}
