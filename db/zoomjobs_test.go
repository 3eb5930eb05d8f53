package db

import (
	"context"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
)

// zoomUpdate runs fn with the transaction's Zoom side.
func zoomUpdate(t *testing.T, s *Store, fn func(gateway.Tx, meetings.Tx) error) {
	t.Helper()
	err := s.Update(context.Background(), func(tx gateway.Tx) error { return fn(tx, tx.(meetings.Tx)) })
	if err != nil {
		t.Fatal(err)
	}
}

func claimIDs(t *testing.T, s *Store, now time.Time, kinds ...string) []int64 {
	t.Helper()
	js, err := s.ClaimJobs(context.Background(), now, time.Minute, 10, kinds...)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, j := range js {
		out = append(out, j.BookingID)
	}
	return out
}

// TestZoomJobQueue: a job is claimed once per lease, queued again while
// it runs it waits for the run, and a run cannot finish a newer version.
func TestZoomJobQueue(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := context.Background()
		zoomUpdate(t, s, func(_ gateway.Tx, z meetings.Tx) error {
			if err := z.QueueJob(ctx, 1, meetings.JobSync, at(9, 0)); err != nil {
				return err
			}
			if err := z.QueueJob(ctx, 2, meetings.JobSync, at(10, 0)); err != nil {
				return err
			}
			return z.QueueJob(ctx, 1, meetings.JobRecordings, at(9, 0))
		})
		diff(t, "due at 9:30", claimIDs(t, s, at(9, 30), meetings.JobSync), []int64{1})
		diff(t, "leased", claimIDs(t, s, at(9, 30), meetings.JobSync), []int64(nil))
		js, err := s.ClaimJobs(ctx, at(9, 30), time.Minute, 10, meetings.JobRecordings)
		if err != nil || len(js) != 1 || js[0].Version != 1 {
			t.Fatalf("recordings job: %+v %v", js, err)
		}
		// Queued again during the run: it waits for the lease, and the
		// run cannot mark the new version done.
		zoomUpdate(t, s, func(_ gateway.Tx, z meetings.Tx) error {
			return z.QueueJob(ctx, 1, meetings.JobRecordings, at(9, 30))
		})
		if got := claimIDs(t, s, at(9, 30), meetings.JobRecordings); got != nil {
			t.Errorf("claimed during another run's lease: %v", got)
		}
		zoomUpdate(t, s, func(_ gateway.Tx, z meetings.Tx) error {
			done, err := z.FinishJob(ctx, js[0].ID, js[0].Version, at(9, 31))
			if done {
				t.Error("an old version finished the job")
			}
			return err
		})
		again, err := s.ClaimJobs(ctx, at(9, 31), time.Minute, 10, meetings.JobRecordings)
		if err != nil || len(again) != 1 || again[0].Version != 2 {
			t.Fatalf("after the old run: %+v %v", again, err)
		}
		if err := s.RetryJob(ctx, again[0].ID, again[0].Version, at(11, 0), "zoom: HTTP 503", false); err != nil {
			t.Fatal(err)
		}
		diff(t, "before the retry", claimIDs(t, s, at(10, 59), meetings.JobRecordings), []int64(nil))
		diff(t, "at the retry", claimIDs(t, s, at(11, 0), meetings.JobRecordings), []int64{1})
		jobs, err := s.ListZoomJobs(ctx, 0)
		if err != nil || len(jobs) != 3 {
			t.Fatalf("list: %d %v", len(jobs), err)
		}
		if err := s.RetryJob(ctx, again[0].ID, again[0].Version, at(12, 0), "scope", true); err != nil {
			t.Fatal(err)
		}
		n, err := s.CountZoomJobs(ctx)
		diff(t, "counts", n, map[string]int{meetings.JobPending: 2, meetings.JobFailed: 1})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestZoomHeldMail: a held mail is replaced only while it has not left.
func TestZoomHeldMail(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := context.Background()
		deadline := at(9, 0).Add(30*time.Second + 123456*time.Nanosecond).Truncate(time.Microsecond)
		var held []meetings.HeldMail
		zoomUpdate(t, s, func(tx gateway.Tx, z meetings.Tx) error {
			for _, uid := range []string{"a", "b"} {
				m := mail(uid, at(9, 0), at(9, 0))
				if err := tx.Enqueue(ctx, m); err != nil {
					return err
				}
				h := meetings.HeldMail{OutboxID: m.ID, Organizer: "ann@example.org", UID: uid, Deadline: deadline, Data: []byte(`{}`)}
				if err := z.HoldMail(ctx, h); err != nil {
					return err
				}
			}
			var err error
			held, err = z.HeldMails(ctx, "ann@example.org", "a")
			return err
		})
		if len(held) != 1 || !held[0].Deadline.Equal(deadline) || held[0].State != "held" {
			t.Fatalf("held %+v", held)
		}
		if due, _ := s.ClaimOutbox(ctx, at(9, 0), time.Minute, 10); len(due) != 0 {
			t.Fatalf("a held mail was due before its deadline: %d", len(due))
		}
		// b leaves at its deadline with its first bytes…
		due, err := s.ClaimOutbox(ctx, deadline, time.Minute, 10)
		if err != nil || len(due) != 2 {
			t.Fatalf("claimed %d at the deadline (%v)", len(due), err)
		}
		if err := s.OutboxRetry(ctx, due[0].ID, deadline, "", false); err != nil {
			t.Fatal(err)
		}
		zoomUpdate(t, s, func(tx gateway.Tx, z meetings.Tx) error {
			hs, err := z.HeldMails(ctx, "ann@example.org", "a")
			if err != nil {
				return err
			}
			replaced, err := z.ReleaseHeldMail(ctx, hs[0], []byte("new"), deadline)
			if replaced {
				t.Error("a mail that was tried was replaced")
			}
			left, _ := z.HeldMails(ctx, "ann@example.org", "a")
			if len(left) != 0 {
				t.Error("a released mail is still held")
			}
			return err
		})
	})
}

// TestZoomHeldMailReplaced: replaced before its deadline, the mail is due
// at once with its new bytes.
func TestZoomHeldMailReplaced(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := context.Background()
		deadline := at(9, 0).Add(30 * time.Second)
		zoomUpdate(t, s, func(tx gateway.Tx, z meetings.Tx) error {
			m := mail("a", at(9, 0), at(9, 0))
			if err := tx.Enqueue(ctx, m); err != nil {
				return err
			}
			h := meetings.HeldMail{OutboxID: m.ID, Organizer: "ann@example.org", UID: "a", Deadline: deadline, Data: []byte(`{}`)}
			if err := z.HoldMail(ctx, h); err != nil {
				return err
			}
			replaced, err := z.ReleaseHeldMail(ctx, h, []byte("Subject: new\r\n\r\n"), at(9, 0).Add(time.Second))
			if !replaced {
				t.Error("not replaced before its deadline")
			}
			return err
		})
		due, err := s.ClaimOutbox(ctx, at(9, 0).Add(time.Second), time.Minute, 10)
		if err != nil || len(due) != 1 || string(due[0].Raw) != "Subject: new\r\n\r\n" {
			t.Fatalf("claimed %+v (%v)", due, err)
		}
	})
}

// TestZoomMeetingsAndCopies: meetings, copies and alerts round-trip.
func TestZoomMeetingsAndCopies(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := context.Background()
		bk := booking("u1", "", at(10, 0), at(11, 0), gateway.StatusAccepted)
		m := &meetings.Meeting{Marker: "rg-1", State: meetings.MeetingCreated, MeetingID: 81234567890,
			JoinURL: "https://zoom.us/j/81234567890", Passcode: "Ab3", Topic: "t", Start: at(10, 0), End: at(11, 0),
			RecordingsToken: meetings.TokenHash("tok"), RecordingsUntil: at(12, 0)}
		var first, second bool
		zoomUpdate(t, s, func(tx gateway.Tx, z meetings.Tx) error {
			if err := tx.SaveBooking(ctx, bk); err != nil {
				return err
			}
			m.BookingID = bk.ID
			if err := z.SaveMeeting(ctx, m); err != nil {
				return err
			}
			r := &meetings.Recording{BookingID: bk.ID, FileID: "f1", Name: "a.mp4", FileType: "MP4", Size: 3,
				SHA256: "abc", ExpiresAt: at(12, 0)}
			if err := z.SaveRecording(ctx, r); err != nil {
				return err
			}
			var err error
			if first, err = z.AlertOnce(ctx, "k", at(10, 0)); err != nil {
				return err
			}
			second, err = z.AlertOnce(ctx, "k", at(10, 1))
			return err
		})
		if !first || second {
			t.Errorf("alert once: %v then %v", first, second)
		}
		gotB, gotM, err := s.ZoomBooking(ctx, bk.ID)
		if err != nil || gotB == nil || gotM == nil {
			t.Fatalf("ZoomBooking: %v %v %v", gotB, gotM, err)
		}
		m.CreatedAt, m.UpdatedAt = gotM.CreatedAt, gotM.UpdatedAt
		diff(t, "meeting", *gotM, *m)
		if byID, _ := s.ZoomMeetingByID(ctx, 81234567890); byID == nil || byID.BookingID != bk.ID {
			t.Errorf("by Zoom number: %+v", byID)
		}
		b2, _, recs, err := s.ZoomRecordingsByToken(ctx, meetings.TokenHash("tok"))
		if err != nil || b2 == nil || len(recs) != 1 || recs[0].SHA256 != "abc" {
			t.Fatalf("by token: %v %v %v", b2, recs, err)
		}
		if b3, _, _, _ := s.ZoomRecordingsByToken(ctx, meetings.TokenHash("other")); b3 != nil {
			t.Error("another token opened the copies")
		}
		old, err := s.ExpiredZoomRecordings(ctx, at(12, 1), 10)
		if err != nil || len(old) != 1 {
			t.Fatalf("expired: %v %v", old, err)
		}
		zoomUpdate(t, s, func(_ gateway.Tx, z meetings.Tx) error {
			return z.MarkRecordingDeleted(ctx, old[0].ID, at(12, 2))
		})
		if old, _ := s.ExpiredZoomRecordings(ctx, at(12, 3), 10); len(old) != 0 {
			t.Errorf("a removed copy is still listed: %v", old)
		}
	})
}

// TestZoomJobTwoRunners: two runners on one store (two instances): a job
// claimed by one is not run by the other while its lease is renewed;
// once a lease ran out unrenewed the other takes the job over, and the
// first runner's renewal then fails, which stops its run.
func TestZoomJobTwoRunners(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		opt := b.newDB(t)
		s1, s2 := openStore(t, opt), openStore(t, opt)
		ctx := context.Background()
		zoomUpdate(t, s1, func(_ gateway.Tx, z meetings.Tx) error {
			return z.QueueJob(ctx, 1, meetings.JobSync, at(9, 0))
		})
		claim := func(s *Store, now time.Time) []meetings.Job {
			t.Helper()
			js, err := s.ClaimJobs(ctx, now, time.Minute, 1, meetings.JobSync)
			if err != nil {
				t.Fatal(err)
			}
			return js
		}
		renew := func(s *Store, j meetings.Job, now time.Time) bool {
			t.Helper()
			ok, err := s.RenewJob(ctx, j.ID, j.Claim, now.Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		first := claim(s1, at(9, 0))
		if len(first) != 1 || first[0].Claim == 0 {
			t.Fatalf("first runner claimed %+v, want the job with a claim token", first)
		}
		// The run lasts 5 minutes, renewed every 15 s: never free.
		for sec := 15; sec <= 300; sec += 15 {
			now := at(9, 0).Add(time.Duration(sec) * time.Second)
			if !renew(s1, first[0], now) {
				t.Fatalf("renewal at %v failed", now)
			}
			if js := claim(s2, now.Add(14*time.Second)); len(js) != 0 {
				t.Fatalf("second runner claimed the running job at %v", now)
			}
		}
		// Renewals stop (the first instance hangs): after the lease the
		// second runner takes it over, with a new token.
		second := claim(s2, at(9, 6).Add(time.Second))
		if len(second) != 1 || second[0].Claim == first[0].Claim {
			t.Fatalf("second runner claimed %+v after the lease, want the job with a new token", second)
		}
		if renew(s1, first[0], at(9, 6).Add(2*time.Second)) {
			t.Error("the first runner renewed a job another runner took over")
		}
		if !renew(s2, second[0], at(9, 6).Add(2*time.Second)) {
			t.Error("the second runner could not renew its own claim")
		}
	})
}
