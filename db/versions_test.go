package db

import (
	"testing"

	"codeberg.org/opteos/roomgate/gateway"
)

func TestVersions(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		v0 := []gateway.Version{{RecurrenceID: "", Sequence: 0, DTStamp: at(8, 0)}, {RecurrenceID: "20301208T080000Z", Sequence: 2, DTStamp: at(8, 1)}}
		err := s.Update(ctx, func(tx gateway.Tx) error {
			if err := tx.SaveVersions(ctx, "ann@example.org", "u", v0); err != nil {
				return err
			}
			if err := tx.SaveVersions(ctx, "ann@example.org", "u", []gateway.Version{{RecurrenceID: "", Sequence: 1, DTStamp: at(9, 0)}}); err != nil {
				return err
			}
			if err := tx.SaveVersions(ctx, "bob@example.org", "u", []gateway.Version{{Sequence: 7}}); err != nil {
				return err
			}
			got, err := tx.Versions(ctx, "ann@example.org", "u")
			diff(t, "ann's versions", got, []gateway.Version{{RecurrenceID: "", Sequence: 1, DTStamp: at(9, 0)}, v0[1]})
			if err != nil {
				return err
			}
			got, err = tx.Versions(ctx, "ann@example.org", "other")
			diff(t, "unknown meeting", got, []gateway.Version{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
