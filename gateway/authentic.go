package gateway

import (
	"context"

	"codeberg.org/opteos/roomgate/mailauth"
)

// Sender authentication is package mailauth's (mailauth.Sender): the
// gateway hands it each message and reads the answer. It reaches DNS only
// through the TXTResolver the caller gives in AuthOptions.

// AuthOptions says how roomgate learns that a message comes from the
// domain of its From address (mailauth.Options). Without AuthservID and
// VerifyDKIM nothing is authenticated: anybody can then write in a
// member's name.
type AuthOptions = mailauth.Options

// TXTResolver looks up DNS TXT records. *net.Resolver implements it.
type TXTResolver = mailauth.TXTResolver

// Authentication is what is known of a message's From domain.
type Authentication = mailauth.Authentication

// senderAuth is mailauth's Sender fed with the loop's batches: their DKIM
// signatures are verified ahead of their decisions, a few at a time.
type senderAuth struct{ *mailauth.Sender }

func (s senderAuth) start(ctx context.Context, batch []Incoming) { s.Ahead(ctx, raws(batch)) }

func (s senderAuth) forget(batch []Incoming) { s.Forget(raws(batch)) }

func raws(batch []Incoming) [][]byte {
	out := make([][]byte, len(batch))
	for i, in := range batch {
		out[i] = in.Raw
	}
	return out
}
