package db

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// sqliteDSN holds the DSNs derived from the configured one: the writer
// (the only connection that writes), the readers and the checkpointer
// (checkpoint.go).
type sqliteDSN struct {
	write, read, checkpoint string
	memory                  bool // a private in-memory database: one connection only
}

// sqliteParams returns the modernc.org/sqlite DSNs for a configured path,
// ":memory:" or "file:" URI. The driver reads _pragma and _txlock from the
// query and passes a "file:" URI on to SQLite, which ignores them. Pragmas
// the operator already set are kept.
func sqliteParams(dsn string) (sqliteDSN, error) {
	if dsn == "" {
		return sqliteDSN{}, errors.New("empty SQLite DSN")
	}
	base, rawQuery, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return sqliteDSN{}, fmt.Errorf("SQLite DSN query: %w", err)
	}
	memory := base == ":memory:" || base == "file::memory:" || q.Get("mode") == "memory"
	// Write transactions begin IMMEDIATE: they take the write lock at once
	// instead of failing with SQLITE_BUSY when upgrading a read lock.
	q.Set("_txlock", "immediate")
	addPragma(q, "busy_timeout", "10000")
	addPragma(q, "foreign_keys", "1")
	addPragma(q, "synchronous", "NORMAL")
	// Statement journals and temporary b-trees in memory. With the default
	// (a file, spilled after 64 KiB) SQLite cuts a statement journal into
	// 64 KiB chunks, each one mapped and unmapped on its own by modernc's
	// allocator at every INSERT that needs a journal; in memory the chunks
	// are 1 KiB, served from the pages sqlitealloc.go keeps mapped. They
	// hold a statement's undo within a transaction and a query's sort:
	// small here. Durability is the WAL's, unchanged.
	addPragma(q, "temp_store", "MEMORY")
	// No checkpoint inside a commit: the Store's checkpointer runs them
	// in the background (checkpoint.go).
	addPragma(q, "wal_autocheckpoint", "0")
	read := cloneValues(q)
	addPragma(q, "journal_mode", "WAL")
	addPragma(read, "query_only", "1")
	ckpt := cloneValues(q)
	setPragma(ckpt, "busy_timeout", strconv.FormatInt(checkpointBusy.Milliseconds(), 10))
	return sqliteDSN{
		write:      base + "?" + q.Encode(),
		read:       base + "?" + read.Encode(),
		checkpoint: base + "?" + ckpt.Encode(),
		memory:     memory,
	}, nil
}

// addPragma adds _pragma=name(value) unless a pragma of that name is set.
func addPragma(q url.Values, name, value string) {
	for _, p := range q["_pragma"] {
		if pragmaName(p) == name {
			return
		}
	}
	q.Add("_pragma", name+"("+value+")")
}

// setPragma sets _pragma=name(value), dropping any value set before.
func setPragma(q url.Values, name, value string) {
	var keep []string
	for _, p := range q["_pragma"] {
		if pragmaName(p) != name {
			keep = append(keep, p)
		}
	}
	q["_pragma"] = append(keep, name+"("+value+")")
}

// pragmaName returns the name of a _pragma value, in lower case.
func pragmaName(p string) string {
	n := strings.TrimSpace(strings.ToLower(p))
	if i := strings.IndexAny(n, "(= "); i >= 0 {
		n = n[:i]
	}
	return n
}

func cloneValues(q url.Values) url.Values {
	c := make(url.Values, len(q))
	for k, v := range q {
		c[k] = append([]string(nil), v...)
	}
	return c
}

// postgresConfig parses a libpq-style DSN (URL or key=value). libpq and pgx
// default to sslmode=prefer, which accepts any certificate and falls back to
// plain text. Unless the DSN or PGSSLMODE chooses a mode, a server reached
// over the network is therefore required to present a verified certificate
// (sslmode=verify-full); loopback addresses and Unix sockets keep prefer.
func postgresConfig(dsn string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse PostgreSQL DSN: %w", err)
	}
	has, err := hasParam(dsn, "sslmode")
	if err != nil {
		return nil, err
	}
	if has || os.Getenv("PGSSLMODE") != "" || allLocal(cfg) {
		return cfg, nil
	}
	dsn, err = withParam(dsn, "sslmode", "verify-full")
	if err != nil {
		return nil, err
	}
	if cfg, err = pgx.ParseConfig(dsn); err != nil {
		return nil, fmt.Errorf("parse PostgreSQL DSN: %w", err)
	}
	return cfg, nil
}

// allLocal reports whether every host the config may connect to is a Unix
// socket or a loopback address.
func allLocal(cfg *pgx.ConnConfig) bool {
	if !isLocalHost(cfg.Host) {
		return false
	}
	for _, f := range cfg.Fallbacks {
		if !isLocalHost(f.Host) {
			return false
		}
	}
	return true
}

func isLocalHost(h string) bool {
	if strings.HasPrefix(h, "/") || strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func isURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// hasParam reports whether a libpq DSN sets the key.
func hasParam(dsn, key string) (bool, error) {
	if isURL(dsn) {
		u, err := url.Parse(dsn)
		if err != nil {
			return false, fmt.Errorf("parse PostgreSQL DSN: %w", err)
		}
		return u.Query().Has(key), nil
	}
	kv, err := parseKeywordValue(dsn)
	if err != nil {
		return false, err
	}
	_, ok := kv[key]
	return ok, nil
}

// withParam returns the DSN with key set to value.
func withParam(dsn, key, value string) (string, error) {
	if isURL(dsn) {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse PostgreSQL DSN: %w", err)
		}
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	quoted := "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(value) + "'"
	return strings.TrimSpace(dsn + " " + key + "=" + quoted), nil
}

// parseKeywordValue splits a libpq keyword/value connection string:
// key = value pairs separated by spaces, values optionally single-quoted
// with backslash escapes. Only the keys matter here, so values are kept raw.
func parseKeywordValue(s string) (map[string]string, error) {
	kv := make(map[string]string)
	for {
		s = strings.TrimLeft(s, " \t\n\r")
		if s == "" {
			return kv, nil
		}
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return nil, errors.New("parse PostgreSQL DSN: missing = after key")
		}
		key := strings.TrimSpace(s[:eq])
		s = strings.TrimLeft(s[eq+1:], " \t\n\r")
		var val string
		val, s = cutValue(s)
		kv[key] = val
	}
}

// cutValue returns the value at the start of s and what follows it.
func cutValue(s string) (string, string) {
	if !strings.HasPrefix(s, "'") {
		end := strings.IndexAny(s, " \t\n\r")
		if end < 0 {
			return s, ""
		}
		return s[:end], s[end:]
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '\'':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), ""
}
