package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// unavailableError wraps a failure of the database itself (unreachable,
// full, read-only, busy, shutting down), as opposed to a refusal of the
// data one transaction wrote. It implements gateway.Unavailable: the
// gateway keeps a message whose decision failed this way in the inbox for
// as long as it takes, while one whose data was refused is rejected after a
// few attempts.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string     { return e.err.Error() }
func (e *unavailableError) Unwrap() error     { return e.err }
func (e *unavailableError) Unavailable() bool { return true }

// markUnavailable wraps err when it says that the database, rather than
// the data, failed.
func markUnavailable(err error) error {
	if err == nil || !unavailable(err) {
		return err
	}
	var u *unavailableError
	if errors.As(err, &u) {
		return err
	}
	return &unavailableError{err}
}

// SQLite result codes (https://sqlite.org/rescode.html) that concern the
// database rather than the data.
var sqliteUnavailable = map[int]bool{
	5:  true, // SQLITE_BUSY
	6:  true, // SQLITE_LOCKED
	7:  true, // SQLITE_NOMEM
	8:  true, // SQLITE_READONLY
	10: true, // SQLITE_IOERR
	11: true, // SQLITE_CORRUPT
	13: true, // SQLITE_FULL
	14: true, // SQLITE_CANTOPEN
	15: true, // SQLITE_PROTOCOL
	26: true, // SQLITE_NOTADB
}

// unavailable classifies an error of the database/sql layer.
func unavailable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// SQLSTATE classes: 08 connection, 40 transaction rollback
		// (serialization, deadlock), 53 insufficient resources (disk
		// full, out of memory), 57 operator intervention (shutdown), 58
		// system error (I/O). The others (22 data, 23 integrity…) are
		// about what was written.
		switch c := pg.Code; {
		case len(c) >= 2 && strings.Contains("|08|40|53|57|58|", "|"+c[:2]+"|"):
			return true
		}
		return false
	}
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		return sqliteUnavailable[coded.Code()&0xff]
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || pgconn.Timeout(err) ||
		errors.Is(err, net.ErrClosed) || isConnectError(err)
}

// isConnectError reports pgx's failures to connect.
func isConnectError(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce)
}
