package room_test

import (
	"context"

	"codeberg.org/opteos/roomgate/meetings/bbb"
	"codeberg.org/opteos/roomgate/meetings/galene"
	"codeberg.org/opteos/roomgate/meetings/jitsi"
	"codeberg.org/opteos/roomgate/meetings/room"
)

// The shape every provider has, so that the meeting layer adapts each
// with one small adapter.
type (
	opener interface {
		Open(ctx context.Context, s room.Spec) (room.Room, error)
	}
	closer interface {
		Close(ctx context.Context, id string) error
	}
	liver interface {
		Live(ctx context.Context, id string) (bool, error)
	}
)

var (
	_ opener = (*jitsi.Provider)(nil)
	_ opener = (*bbb.Provider)(nil)
	_ closer = (*bbb.Provider)(nil)
	_ liver  = (*bbb.Provider)(nil)
	_ opener = (*galene.Provider)(nil)
	_ closer = (*galene.Provider)(nil)
)
