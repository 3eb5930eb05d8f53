package layer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
)

// Layer is the meeting layer of Zoom API mode: the gateway's
// MeetingHooks, the job runner, the watch of live meetings, the start
// links and Zoom's events.
type Layer struct {
	// g is the gateway whose decisions the layer is told of.
	g *gateway.Gateway
	// store, now, loc and log are the gateway's (gateway.MeetingEnv).
	store gateway.Store
	now   func() time.Time
	loc   *time.Location
	log   *slog.Logger
	// rooms and hostKey are the gateway's rooms and account host key.
	rooms   []gateway.Room
	hostKey string
	opt     Options
	// caps is what opt.API can do beyond creating meetings.
	caps meetings.Caps
	// runner runs the jobs, a handler per kind.
	runner meetings.Runner
	// kick wakes the job runner after a transaction queued a job.
	kick chan struct{}
	// create creates meetings, without roomgate's passcodes once the
	// account's rules refused one.
	create *meetings.Passcodes
}

var _ gateway.MeetingHooks = (*Layer)(nil)

// New returns the meeting layer of gateway g; g's decisions tell it of
// every booking they save and of every accept mail they queue once it is
// their MeetingHooks (gateway.Options.Meetings).
func New(g *gateway.Gateway, opt Options) (*Layer, error) {
	z, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	env := g.MeetingEnv()
	l := &Layer{g: g, store: env.Store, now: env.Now, loc: env.Location, log: env.Logger, rooms: env.Rooms,
		hostKey: env.HostKey, opt: z, caps: meetings.Discover(z.API), kick: make(chan struct{}, 1)}
	l.runner = l.zoomRunner()
	l.create = &meetings.Passcodes{Creator: z.API, Log: l.log.With("provider", "zoom"), Refused: l.zoomPasscodesRefused}
	return l, nil
}

// Store is the part of the store that Zoom API mode uses outside
// decisions. The db package's Store implements it.
type Store interface {
	// The queue of jobs, as the runner claims them.
	meetings.JobQueue
	// ZoomBooking returns a booking and its meeting (nil when it has none);
	// (nil, nil, nil) when there is no such booking.
	ZoomBooking(ctx context.Context, bookingID int64) (*gateway.Booking, *meetings.Meeting, error)
	// ZoomMeetingByID returns the meeting roomgate created with that Zoom
	// number, or nil.
	ZoomMeetingByID(ctx context.Context, meetingID int64) (*meetings.Meeting, error)
	// ZoomRecordings returns the copies of a booking's recordings.
	ZoomRecordings(ctx context.Context, bookingID int64) ([]meetings.Recording, error)
	// ExpiredZoomRecordings returns up to limit copies not deleted whose
	// ExpiresAt is before now.
	ExpiredZoomRecordings(ctx context.Context, now time.Time, limit int) ([]meetings.Recording, error)
}

// Metrics counts what Zoom API mode does; web.Metrics implements it.
type Metrics interface {
	// ZoomJob counts one run of a job: result is "done", "retry",
	// "failed" or "later".
	ZoomJob(kind, result string)
	// ZoomRecordingCopied counts one file copied and verified.
	ZoomRecordingCopied(bytes int64)
	// ZoomEvent counts a release, an alert, an ended overrun…
	ZoomEvent(what string)
}

// Overrun handling (Options.Overrun).
const (
	OverrunOff  = "off"  // do nothing
	OverrunWarn = "warn" // warn the organizer before the next booking
	OverrunEnd  = "end"  // warn, then end the meeting when the next booking starts
)

// Options switches Zoom API mode on (Options.Zoom). API and Store are
// required.
type Options struct {
	// API is the provider. What it can do is discovered from the
	// capabilities of package meetings it implements: it must be a
	// meetings.Finder and a meetings.Watcher beside a Creator, and a
	// Starter for StartLinks, a Recorder for Recordings, an Attendance for
	// Attendance (Zoom's, meetings/zoom, is all of them).
	API   meetings.Creator
	Store Store
	// CreateTimeout is how long an accept mail waits for its meeting's
	// link before it leaves with the fixed room's details (30 s when 0).
	CreateTimeout time.Duration
	// StartLinks sends personal start links instead of the host key;
	// LinkKey signs them, PublicURL is the web server's address as members
	// reach it (no trailing slash), and a link opens ArriveEarly before
	// the start.
	StartLinks  bool
	LinkKey     []byte
	PublicURL   string
	ArriveEarly time.Duration
	// Recordings copies cloud recordings into RecordingsDir and mails a
	// link valid RecordingsKeep.
	Recordings     bool
	RecordingsDir  string
	RecordingsKeep time.Duration
	// Attendance mails the participants report.
	Attendance bool
	// WaitingRoom says that meetings are created with the waiting room on
	// (the mails say so).
	WaitingRoom bool
	// ReleaseNoShows frees a booking whose meeting has not started
	// ReleaseAfter after its start.
	ReleaseNoShows bool
	ReleaseAfter   time.Duration
	// Overrun is OverrunEnd (default), OverrunWarn or OverrunOff;
	// OverrunWarning is how long before the next booking the organizer
	// of an overrunning meeting is warned (5 minutes when 0).
	Overrun        string
	OverrunWarning time.Duration
	// PollInterval is how often live meetings are looked at (1 minute
	// when 0); JobInterval how often due jobs are looked for (5 s).
	PollInterval time.Duration
	JobInterval  time.Duration
	// JobLease is how long a sync, release or attendance job is leased
	// to the instance that claimed it (20 s when 0, at least 1 s); the
	// run itself is bounded by three quarters of it, and the lease is
	// renewed every quarter while it runs. A job whose runner died is
	// taken over once its lease ended.
	JobLease time.Duration
	Metrics  Metrics
}

func (z Options) withDefaults() (Options, error) {
	if z.API == nil || z.Store == nil {
		return z, errors.New("layer: Zoom API mode needs an API and a store")
	}
	if err := z.capable(); err != nil {
		return z, err
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&z.CreateTimeout, 30*time.Second)
	def(&z.ArriveEarly, 5*time.Minute)
	def(&z.RecordingsKeep, 30*24*time.Hour)
	def(&z.ReleaseAfter, 15*time.Minute)
	def(&z.OverrunWarning, 5*time.Minute)
	def(&z.PollInterval, time.Minute)
	def(&z.JobInterval, 5*time.Second)
	def(&z.JobLease, zoomLease)
	if z.JobLease < time.Second {
		return z, errors.New("layer: a zoom job lease must be 1 s or more")
	}
	switch z.Overrun {
	case "":
		z.Overrun = OverrunEnd
	case OverrunEnd, OverrunWarn, OverrunOff:
	default:
		return z, errors.New("layer: zoom overrun must be end, warn or off")
	}
	if z.StartLinks && (len(z.LinkKey) < 16 || z.PublicURL == "") {
		return z, errors.New("layer: start links need a key and the public URL")
	}
	if z.Recordings && (z.RecordingsDir == "" || z.PublicURL == "") {
		return z, errors.New("layer: recordings need a directory and the public URL")
	}
	if z.Metrics == nil {
		z.Metrics = noMetrics{}
	}
	return z, nil
}

// noMetrics counts nothing.
type noMetrics struct{}

func (noMetrics) ZoomJob(string, string)    {}
func (noMetrics) ZoomRecordingCopied(int64) {}
func (noMetrics) ZoomEvent(string)          {}

// copies is the store of the recordings' copies.
func (z Options) copies() meetings.Recordings {
	return meetings.Recordings{Root: z.RecordingsDir}
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		panic("layer: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(buf)
}
