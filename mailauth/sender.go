package mailauth

import (
	"context"
	"crypto/sha256"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-message/textproto"
)

// Options says how a message is found to come from the domain of its
// From address. Without AuthservID and VerifyDKIM nothing is
// authenticated: anybody can then write in a member's name.
type Options struct {
	// AuthservID is the authserv-id (RFC 8601 §2.2) of the receiving
	// server: its Authentication-Results field is trusted, and only the
	// top one (the last added), since lower ones may come from the sender.
	AuthservID string
	// VerifyDKIM also verifies DKIM signatures directly (RFC 6376), with
	// Resolver for the keys.
	VerifyDKIM bool
	// Resolver looks up the DKIM keys (the caller's, e.g.
	// net.DefaultResolver; this package does no I/O of its own). Without
	// it no signature verifies. Each message's lookups share one deadline
	// of DNSTimeout (10 s when 0), and the messages of a batch may be
	// verified ahead of their decisions, a few at a time (Sender.Ahead).
	Resolver   TXTResolver
	DNSTimeout time.Duration
}

// Configured reports whether any source of authentication is set.
func (o Options) Configured() bool { return o.AuthservID != "" || o.VerifyDKIM }

// Authentication is what is known of a message's From domain.
type Authentication struct {
	// From is the address of the From field, parsed strictly; "" when the
	// header has not exactly one From field holding exactly one mailbox
	// (two From fields, a group or two addresses: never authentic).
	From string
	// Pass is set when the From domain passed DMARC, or carries a passing
	// DKIM signature aligned with it (RFC 7489 §3.1.1, relaxed).
	Pass bool
	// Why says how it was decided, in English, for logs and the audit.
	Why string
	// Signature is the b= value of the aligned DKIM signature verified
	// here, "" otherwise. It identifies the mail across re-deliveries.
	Signature string
}

// Sender authenticates the From domain of messages, under Options. It is
// safe for concurrent use.
type Sender struct {
	opt   Options
	ahead *ahead
}

// NewSender returns a Sender.
func NewSender(opt Options) *Sender {
	if opt.DNSTimeout <= 0 {
		opt.DNSTimeout = 10 * time.Second
	}
	return &Sender{opt: opt, ahead: newAhead(opt)}
}

// Ahead starts verifying the DKIM signatures of a batch of messages (with
// VerifyDKIM), a few at a time, so that Authenticate finds them done;
// Forget drops them once the batch is decided.
func (s *Sender) Ahead(ctx context.Context, raws [][]byte) { s.ahead.start(ctx, raws) }

// Forget drops the verifications Ahead started for raws.
func (s *Sender) Forget(raws [][]byte) { s.ahead.forget(raws) }

// Authenticate decides whether the From domain of a message is genuine:
// the top Authentication-Results field of the trusted server says so
// (Check: dmarc=pass for it, or an aligned dkim=pass), or the package
// verifies an aligned signature itself (VerifyDKIM; the verification may
// have been started by Ahead). from is the strictly parsed From address
// ("" when the From is not exactly one mailbox: never authentic).
func (s *Sender) Authenticate(ctx context.Context, h textproto.Header, raw []byte, from string) Authentication {
	o := s.opt
	au := Authentication{From: from, Why: "no authentication configured"}
	if from == "" {
		au.Why = "the From field is not exactly one address"
		return au
	}
	if !o.Configured() {
		return au
	}
	var whys []string
	if o.AuthservID != "" {
		// RFC 8601 §5: only the top field, the one the operator's own
		// server added, can be trusted; lower ones may be the sender's.
		ok, why := Check(h.Get("Authentication-Results"), o.AuthservID, from)
		if ok {
			au.Pass, au.Why = true, why
			return au
		}
		whys = append(whys, why)
	}
	if o.VerifyDKIM {
		sig, why := s.ahead.result(ctx, raw).For(from)
		if sig != "" {
			au.Pass, au.Why, au.Signature = true, why, sig
			return au
		}
		whys = append(whys, why)
	}
	au.Why = strings.Join(whys, "; ")
	return au
}

// TopAuthservID returns the authserv-id of the top (last added)
// Authentication-Results field of h, "" when there is none or it is
// unreadable.
func TopAuthservID(h textproto.Header) string {
	return AuthservID(h.Get("Authentication-Results"))
}

// aheadWorkers bounds the messages whose DKIM signatures are verified
// at once, ahead of their decisions.
const aheadWorkers = 8

// ahead verifies the DKIM signatures of a batch's messages (with
// Options.VerifyDKIM) a few at a time, in the batch's order, while the
// loop decides them one after the other: a DNS server that does not answer
// costs the batch about one DNSTimeout per aheadWorkers messages
// instead of one per message, and keeps the DNS off the decisions'
// critical path. The decisions wait for the verification of their message
// (result); a message that was not started ahead is
// verified in place.
type ahead struct {
	opt  Options
	mu   sync.Mutex
	jobs map[[sha256.Size]byte]*dkimJob // by the message's SHA-256
}

type dkimJob struct {
	raw  []byte
	done chan struct{}
	res  DKIM
}

func newAhead(opt Options) *ahead {
	return &ahead{opt: opt, jobs: map[[sha256.Size]byte]*dkimJob{}}
}

// start verifies the batch's messages ahead. The verifications outlive a
// shutdown (each is bounded by DNSTimeout), since the message in hand is
// still decided then.
func (d *ahead) start(ctx context.Context, batch [][]byte) {
	if !d.opt.VerifyDKIM || len(batch) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	jobs := make([]*dkimJob, 0, len(batch))
	d.mu.Lock()
	for _, raw := range batch {
		key := sha256.Sum256(raw)
		if d.jobs[key] == nil {
			j := &dkimJob{raw: raw, done: make(chan struct{})}
			d.jobs[key] = j
			jobs = append(jobs, j)
		}
	}
	d.mu.Unlock()
	var next atomic.Int64
	for range min(aheadWorkers, len(jobs)) {
		go func() {
			for i := next.Add(1) - 1; i < int64(len(jobs)); i = next.Add(1) - 1 {
				j := jobs[i]
				j.res = VerifyDKIM(ctx, d.opt.Resolver, d.opt.DNSTimeout, j.raw)
				close(j.done)
			}
		}()
	}
}

// forget drops the batch's verifications once it is decided.
func (d *ahead) forget(batch [][]byte) {
	if !d.opt.VerifyDKIM {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, raw := range batch {
		delete(d.jobs, sha256.Sum256(raw))
	}
}

// result is the verification of raw: the one started ahead, or one made
// now.
func (d *ahead) result(ctx context.Context, raw []byte) DKIM {
	d.mu.Lock()
	j := d.jobs[sha256.Sum256(raw)]
	d.mu.Unlock()
	if j == nil {
		return VerifyDKIM(ctx, d.opt.Resolver, d.opt.DNSTimeout, raw)
	}
	select {
	case <-j.done:
		return j.res
	case <-ctx.Done():
		return VerifyDKIM(ctx, d.opt.Resolver, d.opt.DNSTimeout, raw)
	}
}
