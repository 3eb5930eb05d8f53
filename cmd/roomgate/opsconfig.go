package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Defaults of the keys for running roomgate as a service.
const (
	// defaultKeepSent is [database] keep_sent: sent mails keep their bytes
	// (which may hold the host key) this long, then only their metadata.
	defaultKeepSent = 30 * 24 * time.Hour
	// defaultSMTPTimeout is [smtp] timeout: one SMTP conversation at most.
	defaultSMTPTimeout = time.Minute
)

func (c *Config) setOpsDefaults() {
	if c.Database.KeepSent == nil {
		c.Database.KeepSent = &Duration{defaultKeepSent}
	}
	if c.SMTP.Timeout.Duration == 0 {
		c.SMTP.Timeout.Duration = defaultSMTPTimeout
	}
	// A claimed mail is leased for 1.5 times the SMTP timeout.
	c.outbox.SendTimeout = c.SMTP.Timeout.Duration
	applyTestHooks(c)
}

func (c *Config) validateOps(bad func(string, ...any)) {
	if c.Database.KeepSent.Duration < 0 {
		bad("database.keep_sent must not be negative")
	}
	if c.SMTP.Timeout.Duration < time.Second {
		bad("smtp.timeout must be at least 1s")
	}
}

// parseDuration is time.ParseDuration that also reads a whole number of
// days, "30d".
func parseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 100*365 {
			return 0, fmt.Errorf("invalid number of days %q", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// credentialsDir is the variable systemd sets for a service started with
// LoadCredential= (systemd.exec(5), "Credentials").
const credentialsDir = "CREDENTIALS_DIRECTORY"

// readSecretFile reads a *_file key's file after expanding the variables
// in its name: $NAME or ${NAME}, and ${NAME:-default} for a default when
// NAME is unset or empty. The example configuration reads
// "${CREDENTIALS_DIRECTORY:-/etc/roomgate/secrets}/imap_password": the
// credential systemd passes to the service, or the file itself for root
// running `roomgate check`. A variable unset without a default is an
// error rather than an empty string, so that a missing credential never
// reads a file at the root of the file system.
func readSecretFile(name string) ([]byte, error) {
	var missing []string
	path := os.Expand(name, func(v string) string {
		v, def, hasDef := strings.Cut(v, ":-")
		if val := os.Getenv(v); val != "" {
			return val
		}
		if !hasDef {
			missing = append(missing, v)
		}
		return def
	})
	if len(missing) > 0 {
		hint := ""
		if missing[0] == credentialsDir {
			hint = " (systemd sets it for a service with LoadCredential=; write ${" + credentialsDir + ":-DIR} for a default)"
		}
		return nil, fmt.Errorf("%s: $%s is not set%s", name, missing[0], hint)
	}
	if path == "" {
		return nil, errors.New("empty file name")
	}
	return os.ReadFile(path)
}
