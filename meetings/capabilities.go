package meetings

import (
	"context"
	"errors"
	"time"
)

// Spec is what a booking's meeting is to be.
type Spec struct {
	Topic    string
	Start    time.Time
	Duration time.Duration
	Timezone string // IANA name
	// Marker goes in the meeting's agenda (creation only), so that a
	// meeting whose creation was not recorded can be found again.
	Marker string
	// User is the provider's user under whom the meeting is made (a
	// pool's host, Zoom's userId: its ID or e-mail); "" is the provider's
	// own (creation only).
	User string
	// Muted, VideoOff, SignIn and CloudRecording are the booking's
	// meeting options, set on top of the provider's configured
	// settings: participants muted on entry, host and participants
	// joining with video off, only people signed in to the provider
	// admitted, recording to the provider's cloud from the start. false
	// leaves the configured setting.
	Muted, VideoOff, SignIn, CloudRecording bool
	// SetOptions (update only) sends every option's setting, so that one
	// no longer asked is turned off: an option not asked gets its
	// configured setting, or else the provider's "off" (not muted, video
	// on, no sign-in required, no automatic recording).
	SetOptions bool
	// NoPasscode creates the meeting without a passcode of roomgate's,
	// the provider generating one that fits the account's rules
	// (creation only).
	NoPasscode bool
}

// Info is what the provider answered about a meeting.
type Info struct {
	ID       int64
	UUID     string
	Topic    string
	JoinURL  string
	Passcode string
	Status   string // "waiting" or "started" when known
}

// Past is a meeting, or one instance of it, that took place.
type Past struct {
	UUID       string
	Start, End time.Time
	// Participants is how many took part (0 when unknown).
	Participants int
}

// File is one cloud recording file: of recording_files, or of
// participant_audio_files (Participant). Zoom's files of type CC and
// TIMELINE come without ID, size or status.
type File struct {
	ID, Type, Extension, RecordingType string
	// Name is the provider's file name (participant audio files).
	Name        string
	Participant bool
	Size        int64
	Start       time.Time
	Completed   bool
	// URLHash names the file by its download URL (a hash, in hex), for
	// files without ID.
	URLHash string
	// Instance is the meeting instance it belongs to (set by the caller).
	Instance string
	// Ref is what Download needs of it (opaque to the caller).
	Ref any
}

// Copy is a recording file copied and verified.
type Copy struct {
	Size   int64
	SHA256 string
	// Checked says how: "size" (the provider's), "sha256", or "complete"
	// for a file the provider gave no size for (a clean end of
	// transfer, not empty).
	Checked string
}

// Participant is one join of a participant. Waiting marks someone left in
// the waiting room (never admitted).
type Participant struct {
	Name, Email string
	Join, Leave time.Time
	Waiting     bool
}

// Creator makes, moves and deletes the meeting of one booking.
type Creator interface {
	CreateMeeting(ctx context.Context, s Spec) (Info, error)
	// UpdateMeeting sets topic, start, duration and zone (not the marker).
	UpdateMeeting(ctx context.Context, id int64, s Spec) error
	DeleteMeeting(ctx context.Context, id int64) error
}

// Finder finds again a meeting whose creation was not recorded.
type Finder interface {
	// FindMeeting looks for the scheduled meeting of user (as in
	// Spec.User; "" for the provider's own) whose agenda holds marker; ok
	// is false when there is none.
	FindMeeting(ctx context.Context, user, marker string) (info Info, ok bool, err error)
}

// Starter gives the host a start link.
type Starter interface {
	// StartURL fetches a fresh start link (a secret: never logged).
	StartURL(ctx context.Context, id int64) (string, error)
}

// Watcher tells what runs now.
type Watcher interface {
	// Meeting reads a meeting (its Status).
	Meeting(ctx context.Context, id int64) (Info, error)
	// LiveMeetings lists the meetings that run now, of every user the
	// provider makes meetings for.
	LiveMeetings(ctx context.Context) ([]Info, error)
	EndMeeting(ctx context.Context, id int64) error
	// PastMeeting tells whether and when the meeting took place (its
	// last instance); ok false when it never did.
	PastMeeting(ctx context.Context, id int64) (p Past, ok bool, err error)
}

// Recorder copies cloud recordings.
type Recorder interface {
	// Instances lists the ended instances of a meeting held once or
	// more (UUID and Start only), oldest first; none when it never ended.
	Instances(ctx context.Context, id int64) ([]Past, error)
	// Recordings lists every cloud recording file of an instance (a
	// UUID, or the meeting's number for its last one), participant audio
	// files included; none (and no error) when it has none.
	Recordings(ctx context.Context, instance string) ([]File, error)
	// Download copies f as the recording name of the booking into the
	// store (atomically) and verifies the copy: its size against the
	// provider's, its checksum on disk.
	Download(ctx context.Context, f File, bookingID int64, name string) (Copy, error)
	// TrashRecordings moves an instance's recordings to the provider's
	// trash, participant audio files included.
	TrashRecordings(ctx context.Context, instance string) error
}

// Attendance reports who took part.
type Attendance interface {
	// PastInstance reads one instance (a UUID, or the meeting's number
	// for its last one), with its number of participants.
	PastInstance(ctx context.Context, instance string) (p Past, ok bool, err error)
	// Participants returns the participants report of an instance. Zoom
	// reports only instances with two or more participants.
	Participants(ctx context.Context, instance string) ([]Participant, error)
}

// Zoom is everything Zoom's API does for roomgate, as Zoom API mode
// needs it.
type Zoom interface {
	Creator
	Finder
	Starter
	Watcher
	Recorder
	Attendance
}

// Errors that providers' errors match (errors.Is): a meeting or recording
// that does not exist; a passcode the account's rules refuse; a meeting
// that cannot be deleted because it is in progress or has ended; the
// provider's daily limit on creating and updating meetings.
var (
	ErrNotFound   = errors.New("zoom: not found")
	ErrPasscode   = errors.New("zoom: the passcode breaks the account's passcode rules")
	ErrInProgress = errors.New("zoom: the meeting is in progress")
	ErrEnded      = errors.New("zoom: the meeting has ended")
	ErrDailyLimit = errors.New("zoom: the daily limit of meeting creations and updates is reached")
)

// RetryAfter is implemented by providers' errors that say when to try
// again (a Retry-After, a daily limit).
type RetryAfter interface {
	error
	RetryAfter() time.Duration
}

// Kinds of Event.
const (
	EventStarted    = "started"    // a meeting started
	EventEnded      = "ended"      // a meeting ended
	EventRecordings = "recordings" // a meeting's recordings are ready
)

// Event is news a provider pushed (Zoom's webhook): it only brings forward
// what polling finds.
type Event struct {
	Kind      string // EventStarted, EventEnded or EventRecordings
	MeetingID int64
	UUID      string
	Topic     string
	At        time.Time
}
