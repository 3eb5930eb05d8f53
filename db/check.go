package db

import (
	"context"
	"fmt"
	"strings"
)

// IntegrityCheck asks the database to verify itself: SQLite's
// PRAGMA integrity_check, or on PostgreSQL a check that the tables answer
// and no accepted booking lacks its times. It returns nil when all is well.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	if s.driver == DriverSQLite {
		var problems []string
		if err := s.r.NewRaw("PRAGMA integrity_check").Scan(ctx, &problems); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		if len(problems) != 1 || problems[0] != "ok" {
			return fmt.Errorf("integrity check: %s", strings.Join(problems, "; "))
		}
	}
	n, err := s.r.NewSelect().Model((*bookingRow)(nil)).
		Where("status = 'accepted' AND NOT (end_at > start_at)").Count(ctx)
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("integrity check: %d accepted booking(s) end before they start", n)
	}
	return nil
}
