package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"codeberg.org/opteos/roomgate/db"
	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/mailbox"
	"codeberg.org/opteos/roomgate/meetings/layer"
	"codeberg.org/opteos/roomgate/templates"
	"codeberg.org/opteos/roomgate/web"
)

// app is roomgate wired from a configuration: the store, the templates,
// the gateway and its meeting layer. The mailbox is connected separately,
// by the commands that need it.
type app struct {
	cfg   *Config
	log   *slog.Logger
	store *db.Store
	gw    *gateway.Gateway
	// meet is the meeting layer (Zoom API mode); nil when it is off, and
	// then its loops and pages do nothing.
	meet *layer.Layer
}

// openApp opens the database (applying migrations), parses the templates
// and builds the gateway. now may be nil for the real clock; edit may
// adjust the gateway's options (hooks) before it is built.
func openApp(ctx context.Context, cfg *Config, log *slog.Logger, now func() time.Time, edit ...func(*gateway.Options)) (*app, error) {
	return openAppMetered(ctx, cfg, log, now, nil, edit...)
}

// openAppMetered is openApp counting the meeting layer's work in metrics
// (when not nil).
func openAppMetered(ctx context.Context, cfg *Config, log *slog.Logger, now func() time.Time, metrics *web.Metrics,
	edit ...func(*gateway.Options)) (*app, error) {
	tmpl, err := templates.Load(cfg.TemplatesDir)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	store, err := db.Open(ctx, db.Options{Driver: cfg.Database.Driver, DSN: cfg.Database.DSN, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	store.SetMaxBookingLength(cfg.Policy.MaxDuration.Duration)
	opt := cfg.gatewayOptions()
	opt.Store, opt.Renderer, opt.Logger, opt.Now = store, tmpl, log, now
	zopt, err := cfg.zoomLayer(store, log)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("zoom_api: %w", err)
	}
	var meet *layer.Layer
	if zopt != nil {
		if metrics != nil {
			zopt.Metrics = metrics.Zoom()
		}
		// The gateway builds its meeting layer, once it is made, and
		// tells it what the decisions did.
		opt.Meetings = func(g *gateway.Gateway) (gateway.MeetingHooks, error) {
			l, err := layer.New(g, *zopt)
			if err != nil {
				return nil, err
			}
			meet = l
			return l, nil
		}
	}
	// Zoom API mode creates each meeting with its booking's options.
	opt.MeetingOptionsApplied = zopt != nil
	for _, e := range edit {
		e(&opt)
	}
	gw, err := gateway.New(opt)
	if err != nil {
		store.Close()
		return nil, err
	}
	return &app{cfg: cfg, log: log, store: store, gw: gw, meet: meet}, nil
}

func (a *app) Close() error { return a.store.Close() }

// folders maps the gateway's folders to the configured mailbox names.
func (c *Config) folders() map[gateway.Folder]string {
	return map[gateway.Folder]string{
		gateway.FolderProcessed: c.IMAP.ProcessedFolder,
		gateway.FolderRejected:  c.IMAP.RejectedFolder,
		gateway.FolderOther:     c.IMAP.OtherFolder,
	}
}

// newIMAP returns the mailbox source described by the configuration;
// the callbacks may be nil.
func (a *app) newIMAP(onConnect func(bool), onLoginFailed func()) (*mailbox.IMAP, error) {
	c := a.cfg.IMAP
	return mailbox.NewIMAP(mailbox.IMAPOptions{
		Address: c.Address, Security: c.Security, Username: c.Username, Password: c.Password,
		Inbox: c.Inbox, Folders: a.cfg.folders(), MaxMessageSize: int64(a.cfg.MaxMessageSize),
		PollInterval: c.PollInterval.Duration, State: a.store, Logger: a.log, OnConnect: onConnect,
		OnLoginFailed: onLoginFailed,
	})
}

// newSMTP returns the sender described by the configuration.
func (c *Config) newSMTP(log *slog.Logger) (*mailbox.SMTP, error) {
	s := c.SMTP
	return mailbox.NewSMTP(mailbox.SMTPOptions{Address: s.Address, Security: s.Security,
		Username: s.Username, Password: s.Password, HeloName: s.HeloName, Timeout: s.Timeout.Duration, Logger: log})
}
