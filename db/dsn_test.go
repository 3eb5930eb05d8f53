package db

import (
	"path/filepath"
	"testing"
)

func TestSQLiteParams(t *testing.T) {
	t.Parallel()
	const (
		rest = "_pragma=foreign_keys%281%29&_pragma=synchronous%28NORMAL%29&_pragma=temp_store%28MEMORY%29&_pragma=wal_autocheckpoint%280%29"
		std  = "_pragma=busy_timeout%2810000%29&" + rest
		// The checkpointer's busy_timeout replaces any other.
		ckpt = rest + "&_pragma=journal_mode%28WAL%29&_pragma=busy_timeout%28100%29"
	)
	tests := []struct {
		name, dsn               string
		write, read, checkpoint string
		memory                  bool
	}{
		{
			name:       "path",
			dsn:        "roomgate.db",
			write:      "roomgate.db?" + std + "&_pragma=journal_mode%28WAL%29&_txlock=immediate",
			read:       "roomgate.db?" + std + "&_pragma=query_only%281%29&_txlock=immediate",
			checkpoint: "roomgate.db?" + ckpt + "&_txlock=immediate",
		},
		{
			name:       "operator pragmas kept, txlock forced",
			dsn:        "/var/lib/roomgate/db.sqlite?_pragma=busy_timeout(2000)&_pragma=Journal_Mode = DELETE&_txlock=deferred&_pragma=wal_autocheckpoint(500)",
			write:      "/var/lib/roomgate/db.sqlite?_pragma=busy_timeout%282000%29&_pragma=Journal_Mode+%3D+DELETE&_pragma=wal_autocheckpoint%28500%29&_pragma=foreign_keys%281%29&_pragma=synchronous%28NORMAL%29&_pragma=temp_store%28MEMORY%29&_txlock=immediate",
			read:       "/var/lib/roomgate/db.sqlite?_pragma=busy_timeout%282000%29&_pragma=Journal_Mode+%3D+DELETE&_pragma=wal_autocheckpoint%28500%29&_pragma=foreign_keys%281%29&_pragma=synchronous%28NORMAL%29&_pragma=temp_store%28MEMORY%29&_pragma=query_only%281%29&_txlock=immediate",
			checkpoint: "/var/lib/roomgate/db.sqlite?_pragma=Journal_Mode+%3D+DELETE&_pragma=wal_autocheckpoint%28500%29&_pragma=foreign_keys%281%29&_pragma=synchronous%28NORMAL%29&_pragma=temp_store%28MEMORY%29&_pragma=busy_timeout%28100%29&_txlock=immediate",
		},
		{
			name:       "file URI",
			dsn:        "file:roomgate.db?mode=rwc",
			write:      "file:roomgate.db?" + std + "&_pragma=journal_mode%28WAL%29&_txlock=immediate&mode=rwc",
			read:       "file:roomgate.db?" + std + "&_pragma=query_only%281%29&_txlock=immediate&mode=rwc",
			checkpoint: "file:roomgate.db?" + ckpt + "&_txlock=immediate&mode=rwc",
		},
		{
			name:       "memory",
			dsn:        ":memory:",
			write:      ":memory:?" + std + "&_pragma=journal_mode%28WAL%29&_txlock=immediate",
			read:       ":memory:?" + std + "&_pragma=query_only%281%29&_txlock=immediate",
			checkpoint: ":memory:?" + ckpt + "&_txlock=immediate",
			memory:     true,
		},
		{
			name:       "memory URI",
			dsn:        "file:x?mode=memory&cache=shared",
			write:      "file:x?" + std + "&_pragma=journal_mode%28WAL%29&_txlock=immediate&cache=shared&mode=memory",
			read:       "file:x?" + std + "&_pragma=query_only%281%29&_txlock=immediate&cache=shared&mode=memory",
			checkpoint: "file:x?" + ckpt + "&_txlock=immediate&cache=shared&mode=memory",
			memory:     true,
		},
	}
	for _, tt := range tests {
		got, err := sqliteParams(tt.dsn)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		diff(t, tt.name, got, sqliteDSN{write: tt.write, read: tt.read, checkpoint: tt.checkpoint, memory: tt.memory})
	}
	if _, err := sqliteParams(""); err == nil {
		t.Error("empty DSN accepted")
	}
}

// The pragmas are really in effect on the connections Open makes.
func TestSQLitePragmasApplied(t *testing.T) {
	t.Parallel()
	s := openStore(t, Options{DSN: filepath.Join(t.TempDir(), "p.db")})
	tests := []struct {
		pragma               string
		reader, checkpointer bool
		want                 string
	}{
		{pragma: "journal_mode", want: "wal"},
		{pragma: "busy_timeout", want: "10000"},
		{pragma: "foreign_keys", want: "1"},
		{pragma: "synchronous", want: "1"}, // NORMAL
		{pragma: "query_only", want: "0"},
		{pragma: "wal_autocheckpoint", want: "0"},
		{pragma: "busy_timeout", checkpointer: true, want: "100"},
		{pragma: "synchronous", checkpointer: true, want: "1"},
		{pragma: "journal_mode", checkpointer: true, want: "wal"},
		{pragma: "journal_mode", reader: true, want: "wal"},
		{pragma: "busy_timeout", reader: true, want: "10000"},
		{pragma: "query_only", reader: true, want: "1"},
	}
	for _, tt := range tests {
		db := s.w.DB
		switch {
		case tt.reader:
			db = s.r.DB
		case tt.checkpointer:
			db = s.ckpt.db
		}
		var got string
		if err := db.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("PRAGMA %s (reader %v) = %s, want %s", tt.pragma, tt.reader, got, tt.want)
		}
	}
}

func TestPostgresSSLMode(t *testing.T) {
	// Not parallel: it controls the libpq environment variables.
	for _, v := range []string{"PGSSLMODE", "PGHOST", "PGSSLROOTCERT", "PGSERVICE"} {
		t.Setenv(v, "")
	}
	tests := []struct {
		name, env, dsn string
		want           string
	}{
		{name: "remote URL", dsn: "postgres://rg@db.example.org/roomgate", want: "verify-full"},
		{name: "remote keyword/value", dsn: "host=db.example.org dbname=roomgate", want: "verify-full"},
		{name: "remote among hosts", dsn: "postgres://rg@127.0.0.1,db.example.org/roomgate", want: "verify-full"},
		{name: "quoted value is no sslmode", dsn: `host=db.example.org password='x sslmode=disable \' y'`, want: "verify-full"},
		{name: "loopback IPv4", dsn: "postgres://rg@127.0.0.1:5432/roomgate", want: "prefer"},
		{name: "loopback IPv6", dsn: "postgres://rg@[::1]:5432/roomgate", want: "prefer"},
		{name: "localhost", dsn: "host=localhost dbname=roomgate", want: "prefer"},
		{name: "unix socket", dsn: "host=/var/run/postgresql dbname=roomgate", want: "none"},
		{name: "explicit disable", dsn: "postgres://rg@db.example.org/roomgate?sslmode=disable", want: "none"},
		{name: "explicit require", dsn: "host=db.example.org sslmode=require", want: "require"},
		{name: "PGSSLMODE wins", env: "require", dsn: "postgres://rg@db.example.org/roomgate", want: "require"},
	}
	for _, tt := range tests {
		t.Setenv("PGSSLMODE", tt.env)
		cfg, err := postgresConfig(tt.dsn)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := "none"
		switch tls := cfg.TLSConfig; {
		case tls == nil:
		case !tls.InsecureSkipVerify && tls.ServerName != "":
			got = "verify-full"
		case len(cfg.Fallbacks) > 0 && cfg.Fallbacks[len(cfg.Fallbacks)-1].TLSConfig == nil:
			got = "prefer"
		default:
			got = "require"
		}
		if got != tt.want {
			t.Errorf("%s: TLS mode %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestParseKeywordValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want map[string]string
	}{
		{in: "", want: map[string]string{}},
		{in: "host=h dbname=d", want: map[string]string{"host": "h", "dbname": "d"}},
		{in: " host = h\tport=5432 ", want: map[string]string{"host": "h", "port": "5432"}},
		{in: `password='a b\'c\\' sslmode=disable`, want: map[string]string{"password": `a b'c\`, "sslmode": "disable"}},
		{in: "options='-c search_path=x'", want: map[string]string{"options": "-c search_path=x"}},
	}
	for _, tt := range tests {
		got, err := parseKeywordValue(tt.in)
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		diff(t, tt.in, got, tt.want)
	}
	if _, err := parseKeywordValue("host"); err == nil {
		t.Error("key without value accepted")
	}
}

func TestWithParam(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{in: "postgres://u@h/d", want: "postgres://u@h/d?sslmode=verify-full"},
		{in: "postgres://u@h/d?connect_timeout=5", want: "postgres://u@h/d?connect_timeout=5&sslmode=verify-full"},
		{in: "host=h", want: "host=h sslmode='verify-full'"},
	}
	for _, tt := range tests {
		got, err := withParam(tt.in, "sslmode", "verify-full")
		if err != nil {
			t.Fatal(err)
		}
		diff(t, tt.in, got, tt.want)
	}
}
