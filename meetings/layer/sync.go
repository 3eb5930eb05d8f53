package layer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
)

// The sync job: one Zoom meeting per accepted booking, created when it is
// accepted, updated when it moves or is renamed, deleted when it is
// cancelled, declined or released. A creation is made idempotent by the
// booking's marker: recorded (state creating) before the call, and looked
// for in Zoom's list before any second call, so that a crash between the
// call and its record never makes two meetings.

// zoomSettle is how long after a booking's end its recordings and report
// are first looked for: Zoom needs a moment to process them.
const zoomSettle = 10 * time.Minute

// errZoomRace is a sync that found the meeting's row changed under it.
var errZoomRace = errors.New("the booking's meeting changed meanwhile")

// zoomSync brings the booking's meeting in line with the booking.
func (l *Layer) zoomSync(ctx context.Context, j meetings.Job) error {
	b, m, err := l.opt.Store.ZoomBooking(ctx, j.BookingID)
	if err != nil {
		return err
	}
	switch {
	case b == nil:
		return l.zoomFinish(ctx, j)
	case !zoomWanted(b):
		return l.zoomRemove(ctx, j, b, m)
	case m == nil || m.State == meetings.MeetingDeleted:
		if !b.End.After(l.now()) {
			return l.zoomFinish(ctx, j)
		}
		return l.zoomCreate(ctx, j, b, nil)
	case m.State == meetings.MeetingCreating:
		return l.zoomCreate(ctx, j, b, m)
	case m.State == meetings.MeetingMoving:
		return l.zoomMove(ctx, j, b, m)
	case l.zoomNeedsSync(b, m) || b.End.After(l.now()):
		// Queued for a change the meeting row does not record (the
		// options, zoomOptionsChanged): the update sends them all.
		if err := l.zoomKeptUnderGoneHost(ctx, b, m); err != nil {
			return err
		}
		return l.zoomUpdate(ctx, j, b, m)
	}
	return l.zoomFinish(ctx, j)
}

// zoomSpec is what the meeting of b is to be (its User is set by
// zoomCreate).
func (l *Layer) zoomSpec(b *gateway.Booking, marker string) meetings.Spec {
	return meetings.Spec{Topic: l.zoomTopic(b), Start: b.Start, Duration: b.End.Sub(b.Start),
		Timezone: l.loc.String(), Marker: marker,
		Muted: b.Options.Muted, VideoOff: b.Options.VideoOff, SignIn: b.Options.SignIn, CloudRecording: b.Options.CloudRecording}
}

// zoomCreate creates the meeting of b. With m nil, a new marker is
// recorded first; with m in state creating, an earlier attempt may have
// created it, so Zoom is asked for it by its marker before creating.
func (l *Layer) zoomCreate(ctx context.Context, j meetings.Job, b *gateway.Booking, m *meetings.Meeting) error {
	user, err := l.zoomUser(b)
	if err != nil {
		return err
	}
	var info meetings.Info
	if m == nil {
		m = &meetings.Meeting{BookingID: b.ID, Marker: "rg-" + randomHex(12), State: meetings.MeetingCreating}
		if err := l.zoomIntent(ctx, m); err != nil {
			return err
		}
		spec := l.zoomSpec(b, m.Marker)
		spec.User = user
		info, err = l.create.CreateMeeting(ctx, spec)
	} else {
		var found bool
		if info, found, err = l.caps.Find.FindMeeting(ctx, user, m.Marker); err == nil && !found {
			var under string
			if info, under, found, err = l.zoomFindElsewhere(ctx, user, m.Marker); err == nil && found {
				// Made under the user of a host b had before a move: it
				// is recorded, then moved (zoomCreated).
				user = under
			} else if err == nil {
				spec := l.zoomSpec(b, m.Marker)
				spec.User = user
				info, err = l.create.CreateMeeting(ctx, spec)
			}
		}
	}
	if err != nil {
		return err
	}
	l.log.Info("zoom meeting created", "booking_id", b.ID, "uid", b.UID, "recurrence_id", b.RecurrenceID, "meeting_id", info.ID)
	return l.zoomCreated(ctx, j, b, m, user, info, 0)
}

// zoomMove replaces the meeting m of b, made under the Zoom user of the
// host b had before a move (state moving, zoomMarkMoving), by one made
// under the user of b's host now, and deletes the old one. It is crash
// safe as a creation is: the new meeting's marker was recorded before
// any call, so a second run finds the meeting the first made, and the
// old one, deleted by its number, may be deleted twice.
func (l *Layer) zoomMove(ctx context.Context, j meetings.Job, b *gateway.Booking, m *meetings.Meeting) error {
	if !b.End.After(l.now()) {
		// Ended before the move was done: the old meeting is what it had.
		if err := l.zoomSetState(ctx, m, meetings.MeetingCreated); err != nil {
			return err
		}
		return l.zoomFinish(ctx, j)
	}
	user, err := l.zoomUser(b)
	if err != nil {
		return err
	}
	info, found, err := l.caps.Find.FindMeeting(ctx, user, m.Marker)
	if err == nil && !found {
		spec := l.zoomSpec(b, m.Marker)
		spec.User = user
		info, err = l.create.CreateMeeting(ctx, spec)
	}
	if err != nil {
		return err
	}
	if old := m.MeetingID; old != 0 && old != info.ID {
		err := l.opt.API.DeleteMeeting(ctx, old)
		switch {
		case errors.Is(err, meetings.ErrInProgress), errors.Is(err, meetings.ErrEnded):
			// Someone is in it, or was: it is not ended under their feet.
			l.log.Warn("zoom meeting of a moved booking not deleted: it is in progress or has ended",
				"booking_id", b.ID, "meeting_id", old, "error", err)
		case err != nil && !errors.Is(err, meetings.ErrNotFound):
			return err
		}
	}
	l.log.Info("zoom meeting moved to the booking's new host", "booking_id", b.ID, "uid", b.UID,
		"host", b.Host, "old_meeting_id", m.MeetingID, "meeting_id", info.ID)
	return l.zoomCreated(ctx, j, b, m, user, info, b.ID)
}

// zoomFindElsewhere looks for the meeting of marker under the users of
// the pool's other hosts than user: a creation whose answer was lost,
// then the booking moved onto another host before the retry, left its
// meeting under the first host's user. It costs one list per other host,
// on the retry of a creation only.
func (l *Layer) zoomFindElsewhere(ctx context.Context, user, marker string) (meetings.Info, string, bool, error) {
	for _, h := range l.g.Hosts() {
		if h.ZoomUser == user {
			continue
		}
		info, found, err := l.caps.Find.FindMeeting(ctx, h.ZoomUser, marker)
		if err != nil || found {
			return info, h.ZoomUser, found, err
		}
	}
	return meetings.Info{}, "", false, nil
}

// zoomKeptUnderGoneHost warns once, when b's pool host is no longer
// configured, that its meeting stays under the Zoom user it was made
// under: it is updated and deleted by its number, never made again
// elsewhere, and its mails give no host key (zoomHostKey).
func (l *Layer) zoomKeptUnderGoneHost(ctx context.Context, b *gateway.Booking, m *meetings.Meeting) error {
	if !l.g.HostGone(b) {
		return nil
	}
	return l.zoomOnce(ctx, "zoom-host-gone:"+strconv.FormatInt(b.ID, 10), func(gateway.Tx) error {
		l.log.Warn("zoom: a booking's host is no longer configured; its meeting stays under the Zoom user it was made under, "+
			"and its mails give no host key", "booking_id", b.ID, "uid", b.UID, "host", b.Host, "meeting_id", m.MeetingID)
		return nil
	})
}

// zoomIntent records the marker of a meeting about to be created.
func (l *Layer) zoomIntent(ctx context.Context, m *meetings.Meeting) error {
	return l.store.Update(ctx, func(tx gateway.Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		cur, err := ztx.Meeting(ctx, m.BookingID)
		if err != nil {
			return err
		}
		if cur != nil && cur.State != meetings.MeetingDeleted {
			return errZoomRace
		}
		return ztx.SaveMeeting(ctx, m)
	})
}

// zoomCreated records a new meeting, made under user, queues the jobs
// that follow it and tells the organizer: the held accept mail gets the
// link, or a mail of its own says it. moved is b's ID when the meeting
// replaces one whose link an earlier mail gave (zoomMove), else 0. A
// booking whose host changed meanwhile to another user gets its meeting
// moved there next (zoomMarkMoving), before anyone is told.
func (l *Layer) zoomCreated(ctx context.Context, j meetings.Job, b *gateway.Booking, m *meetings.Meeting, user string, info meetings.Info, moved int64) error {
	now := l.now().UTC()
	err := l.store.Update(ctx, func(tx gateway.Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		m.State, m.MeetingID, m.JoinURL, m.Passcode = meetings.MeetingCreated, info.ID, info.JoinURL, info.Passcode
		m.Topic, m.Start, m.End = l.zoomTopic(b), b.Start, b.End
		if err := ztx.SaveMeeting(ctx, m); err != nil {
			return err
		}
		if err := l.zoomFollowUps(ctx, ztx, b, true, true); err != nil {
			return err
		}
		cur, err := tx.BookingByID(ctx, b.ID)
		if err != nil {
			return err
		}
		if cur != nil && zoomWanted(cur) && l.g.HostOf(cur) != nil {
			if cu, err := l.zoomUser(cur); err == nil && cu != user {
				if err := l.zoomMarkMoving(ctx, ztx, m); err != nil {
					return err
				}
				// Queued again, the lease ended: the move runs next.
				if err := ztx.QueueJob(ctx, b.ID, meetings.JobSync, now); err != nil {
					return err
				}
				_, err := ztx.FinishJob(ctx, j.ID, j.Version, now)
				return err
			}
		}
		if _, err := ztx.FinishJob(ctx, j.ID, j.Version, now); err != nil {
			return err
		}
		if cur == nil || !zoomWanted(cur) {
			return nil // the next run deletes it
		}
		return l.zoomAnnounce(ctx, tx, ztx, cur, moved)
	})
	if err == nil {
		l.g.Kick()
	}
	return err
}

// zoomFollowUps queues what comes after a meeting: the no-show check at
// its start, the recordings and the report after its end.
func (l *Layer) zoomFollowUps(ctx context.Context, ztx meetings.Tx, b *gateway.Booking, start, end bool) error {
	z := l.opt
	queue := func(on bool, kind string, at time.Time) error {
		if !on {
			return nil
		}
		return ztx.QueueJob(ctx, b.ID, kind, at)
	}
	return errors.Join(
		queue(start && z.ReleaseNoShows, meetings.JobRelease, b.Start.Add(z.ReleaseAfter)),
		queue(end && z.Recordings, meetings.JobRecordings, b.End.Add(zoomSettle)),
		queue(end && z.Attendance, meetings.JobAttendance, b.End.Add(zoomSettle)))
}

// zoomUpdate moves or renames the meeting of b and sets its options, all
// of them (meetings.Spec.SetOptions): one removed is turned off. A meeting
// deleted on Zoom's side (by hand) is made again.
func (l *Layer) zoomUpdate(ctx context.Context, j meetings.Job, b *gateway.Booking, m *meetings.Meeting) error {
	spec := l.zoomSpec(b, "")
	spec.SetOptions = true
	err := l.opt.API.UpdateMeeting(ctx, m.MeetingID, spec)
	if errors.Is(err, meetings.ErrNotFound) {
		l.log.Warn("zoom meeting vanished; making it again", "booking_id", b.ID, "meeting_id", m.MeetingID)
		if err := l.zoomSetState(ctx, m, meetings.MeetingDeleted); err != nil {
			return err
		}
		return l.zoomCreate(ctx, j, b, nil)
	}
	if err != nil {
		return err
	}
	moved, ended := !m.Start.Equal(b.Start), !m.End.Equal(b.End)
	return l.store.Update(ctx, func(tx gateway.Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		if _, err := zoomEdit(ctx, ztx, b.ID, func(m *meetings.Meeting) {
			m.Topic, m.Start, m.End = l.zoomTopic(b), b.Start, b.End
		}); err != nil {
			return err
		}
		if err := l.zoomFollowUps(ctx, ztx, b, moved, ended); err != nil {
			return err
		}
		_, err = ztx.FinishJob(ctx, j.ID, j.Version, l.now().UTC())
		return err
	})
}

// zoomRemove deletes the meeting of a booking no longer accepted. A
// meeting that has begun is left alone (it holds the recordings), unless
// the booking was released because it never did.
func (l *Layer) zoomRemove(ctx context.Context, j meetings.Job, b *gateway.Booking, m *meetings.Meeting) error {
	if m == nil || m.State == meetings.MeetingDeleted {
		return l.zoomFinish(ctx, j)
	}
	if b.Status != gateway.StatusReleased && !l.now().Before(b.Start) {
		return l.zoomFinish(ctx, j)
	}
	ids := []int64{m.MeetingID}
	if m.State == meetings.MeetingCreating || m.State == meetings.MeetingMoving {
		// The meeting of the marker may exist; a moving one's old meeting
		// (MeetingID) does.
		if m.State == meetings.MeetingCreating {
			ids = nil
		}
		user, err := l.zoomUser(b)
		if err != nil {
			return err
		}
		info, found, err := l.caps.Find.FindMeeting(ctx, user, m.Marker)
		if err != nil {
			return err
		}
		if found {
			ids = append(ids, info.ID)
		}
	}
	for _, id := range ids {
		if id == 0 {
			continue
		}
		err := l.opt.API.DeleteMeeting(ctx, id)
		switch {
		case errors.Is(err, meetings.ErrInProgress):
			return l.zoomLeftRunning(ctx, b, id)
		case errors.Is(err, meetings.ErrEnded):
			l.log.Info("zoom meeting not deleted: it has ended", "booking_id", b.ID, "meeting_id", id)
		case err != nil && !errors.Is(err, meetings.ErrNotFound):
			return err
		default:
			l.log.Info("zoom meeting deleted", "booking_id", b.ID, "status", b.Status, "meeting_id", id)
		}
	}
	return l.store.Update(ctx, func(tx gateway.Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		if _, err := zoomEdit(ctx, ztx, b.ID, func(m *meetings.Meeting) { m.State = meetings.MeetingDeleted }); err != nil {
			return err
		}
		_, err = ztx.FinishJob(ctx, j.ID, j.Version, l.now().UTC())
		return err
	})
}

// zoomLeftInProgress is how often a meeting in progress, whose booking
// was withdrawn, is tried again for deletion.
const zoomLeftInProgress = 15 * time.Minute

// zoomLeftRunning handles the meeting of a withdrawn booking that Zoom
// will not delete because it is in progress (someone started it early):
// it is left running, never ended under its participants' feet, with an
// audit line once, and its deletion is tried again later; once the
// booking's slot has begun the job stops trying (zoomRemove).
func (l *Layer) zoomLeftRunning(ctx context.Context, b *gateway.Booking, id int64) error {
	now := l.now().UTC()
	reason := fmt.Sprintf("zoom meeting %s left running: in progress when its booking was %s; deleted once it ends",
		FormatMeetingID(id), b.Status)
	err := l.zoomOnce(ctx, "zoom-left-running:"+strconv.FormatInt(b.ID, 10)+":"+strconv.FormatInt(id, 10), func(tx gateway.Tx) error {
		return tx.Audit(ctx, gateway.AuditEntry{At: now, MessageKey: "zoom-left-running:" + strconv.FormatInt(b.ID, 10), Kind: gateway.KindZoom,
			Action: gateway.ActionZoomLeftRunning, UID: b.UID, Organizer: b.Organizer, Room: b.Room, Start: b.Start, End: b.End,
			Reason: reason})
	})
	if err != nil {
		return err
	}
	l.log.Warn("zoom meeting left running: in progress, Zoom refuses to delete it", "booking_id", b.ID, "meeting_id", id)
	return &meetings.Later{At: now.Add(zoomLeftInProgress), Why: reason}
}

// zoomSetState saves m in another state.
func (l *Layer) zoomSetState(ctx context.Context, m *meetings.Meeting, state string) error {
	return l.store.Update(ctx, func(tx gateway.Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		_, err = zoomEdit(ctx, ztx, m.BookingID, func(m *meetings.Meeting) { m.State = state })
		return err
	})
}

// zoomEdit changes the stored meeting of a booking from its current row
// in the transaction, so that what another writer recorded meanwhile
// (that it started, a recordings link) is kept.
func zoomEdit(ctx context.Context, ztx meetings.Tx, bookingID int64, edit func(*meetings.Meeting)) (*meetings.Meeting, error) {
	m, err := ztx.Meeting(ctx, bookingID)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errZoomRace
	}
	edit(m)
	return m, ztx.SaveMeeting(ctx, m)
}

// zoomAfterMeeting reads the booking and the meeting of an after-the-meeting job
// (recordings, attendance). It returns a nil booking, with the error to
// return, when the job is done (the booking is gone or has no meeting of
// its own any more) or must wait (the meeting has not ended).
func (l *Layer) zoomAfterMeeting(ctx context.Context, j meetings.Job) (*gateway.Booking, *meetings.Meeting, error) {
	b, m, err := l.opt.Store.ZoomBooking(ctx, j.BookingID)
	if err != nil {
		return nil, nil, err
	}
	if b == nil || !zoomWanted(b) || m == nil || m.State != meetings.MeetingCreated {
		return nil, nil, l.zoomFinish(ctx, j)
	}
	if l.now().Before(b.End) {
		return nil, nil, &meetings.Later{At: b.End.Add(zoomSettle), Why: "the meeting has not ended"}
	}
	return b, m, nil
}
