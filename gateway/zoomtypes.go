package gateway

import (
	"context"
	"errors"
	"time"

	"codeberg.org/opteos/roomgate/meetings"
)

// Zoom API mode (see docs/zoom-api.md): each accepted booking
// gets a Zoom meeting of its own, created, moved and deleted through a
// durable queue of jobs written in the decision's own transaction. The
// gateway reaches Zoom only through ZoomAPI, and the queue only through
// ZoomStore and meetings.Tx (Tx.Meetings), which cmd/roomgate wires to package zoomapi and
// package db.

// ZoomStore is the part of the store that Zoom API mode uses outside
// decisions. The db package's Store implements it.
type ZoomStore interface {
	// The queue of jobs, as the runner claims them.
	meetings.JobQueue
	// ZoomBooking returns a booking and its meeting (nil when it has none);
	// (nil, nil, nil) when there is no such booking.
	ZoomBooking(ctx context.Context, bookingID int64) (*Booking, *meetings.Meeting, error)
	// ZoomMeetingByID returns the meeting roomgate created with that Zoom
	// number, or nil.
	ZoomMeetingByID(ctx context.Context, meetingID int64) (*meetings.Meeting, error)
	// ZoomRecordings returns the copies of a booking's recordings.
	ZoomRecordings(ctx context.Context, bookingID int64) ([]meetings.Recording, error)
	// ExpiredZoomRecordings returns up to limit copies not deleted whose
	// ExpiresAt is before now.
	ExpiredZoomRecordings(ctx context.Context, now time.Time, limit int) ([]meetings.Recording, error)
}

// The values Zoom API mode exchanges with the provider are the meeting
// layer's (package meetings).
type (
	ZoomSpec        = meetings.Spec
	ZoomInfo        = meetings.Info
	ZoomPast        = meetings.Past
	ZoomFile        = meetings.File
	ZoomCopy        = meetings.Copy
	ZoomParticipant = meetings.Participant
)

// ZoomAPI is Zoom's API with every capability of the meeting layer.
// Errors may implement PermanentError (do not try again) and
// ZoomRetryAfter; ErrZoomNotFound matches a meeting or recording that
// does not exist.
type ZoomAPI = meetings.Zoom

// Errors ZoomAPI errors match (errors.Is), the meeting layer's.
var (
	ErrZoomNotFound   = meetings.ErrNotFound
	ErrZoomPasscode   = meetings.ErrPasscode
	ErrZoomInProgress = meetings.ErrInProgress
	ErrZoomEnded      = meetings.ErrEnded
	ErrZoomDailyLimit = meetings.ErrDailyLimit
)

// ZoomRetryAfter is implemented by ZoomAPI errors that say when to try
// again (Zoom's Retry-After, a daily limit).
type ZoomRetryAfter = meetings.RetryAfter

// ZoomMetrics counts what Zoom API mode does; web.Metrics implements it.
type ZoomMetrics interface {
	// ZoomJob counts one run of a job: result is "done", "retry",
	// "failed" or "later".
	ZoomJob(kind, result string)
	// ZoomRecordingCopied counts one file copied and verified.
	ZoomRecordingCopied(bytes int64)
	// ZoomEvent counts a release, an alert, an ended overrun…
	ZoomEvent(what string)
}

// Overrun handling (ZoomOptions.Overrun).
const (
	OverrunOff  = "off"  // do nothing
	OverrunWarn = "warn" // warn the organizer before the next booking
	OverrunEnd  = "end"  // warn, then end the meeting when the next booking starts
)

// ZoomOptions switches Zoom API mode on (Options.Zoom). API and Store are
// required.
type ZoomOptions struct {
	// API is the provider. What it can do is discovered from the
	// capabilities of package meetings it implements: it must be a
	// meetings.Finder and a meetings.Watcher beside a Creator, and a
	// Starter for StartLinks, a Recorder for Recordings, an Attendance for
	// Attendance (Zoom's, meetings/zoom, is all of them).
	API   meetings.Creator
	Store ZoomStore
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
	Metrics  ZoomMetrics
}

func (z ZoomOptions) withDefaults() (ZoomOptions, error) {
	if z.API == nil || z.Store == nil {
		return z, errors.New("gateway: Zoom API mode needs an API and a store")
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
		return z, errors.New("gateway: a zoom job lease must be 1 s or more")
	}
	switch z.Overrun {
	case "":
		z.Overrun = OverrunEnd
	case OverrunEnd, OverrunWarn, OverrunOff:
	default:
		return z, errors.New("gateway: zoom overrun must be end, warn or off")
	}
	if z.StartLinks && (len(z.LinkKey) < 16 || z.PublicURL == "") {
		return z, errors.New("gateway: start links need a key and the public URL")
	}
	if z.Recordings && (z.RecordingsDir == "" || z.PublicURL == "") {
		return z, errors.New("gateway: recordings need a directory and the public URL")
	}
	if z.Metrics == nil {
		z.Metrics = noZoomMetrics{}
	}
	return z, nil
}

// noZoomMetrics counts nothing.
type noZoomMetrics struct{}

func (noZoomMetrics) ZoomJob(string, string)    {}
func (noZoomMetrics) ZoomRecordingCopied(int64) {}
func (noZoomMetrics) ZoomEvent(string)          {}

// copies is the store of the recordings' copies.
func (z ZoomOptions) copies() meetings.Recordings {
	return meetings.Recordings{Root: z.RecordingsDir}
}
