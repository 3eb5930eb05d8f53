package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-message/textproto"
)

// benchRecorder pairs each invitation with its reply.
type benchRecorder struct {
	mu   sync.Mutex
	sent map[string]time.Time // by invitation Message-ID
	got  map[string]time.Time
	dups int   // replies to an invitation already answered
	size int64 // bytes of the first replies (got), as the sink received them
}

func newBenchRecorder() *benchRecorder {
	return &benchRecorder{sent: map[string]time.Time{}, got: map[string]time.Time{}}
}

func (r *benchRecorder) appended(msgID string) {
	r.mu.Lock()
	r.sent[msgID] = time.Now()
	r.mu.Unlock()
}

// collect reads the sink and records when the reply to each invitation
// arrived, by its In-Reply-To header.
func (r *benchRecorder) collect(ctx context.Context, sink *demoSink) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-sink.got:
			h, err := textproto.ReadHeader(newBufReader(m.data))
			if err != nil {
				continue
			}
			id := strings.TrimSpace(h.Get("In-Reply-To"))
			r.mu.Lock()
			if _, ok := r.got[id]; ok {
				r.dups++
			} else {
				r.got[id] = time.Now()
				r.size += int64(len(m.data))
			}
			r.mu.Unlock()
		}
	}
}

func (r *benchRecorder) duplicates() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dups
}

func (r *benchRecorder) waitAll(ctx context.Context, n int) error {
	for {
		r.mu.Lock()
		got := len(r.got)
		r.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("only %d of %d replies arrived: %w", got, n, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// benchResult is the measure of one phase.
type benchResult struct {
	what, mode, imap string
	n                int
	total            time.Duration
	first            time.Duration // start → first reply
	p50, p99, max    time.Duration
	backlog          bool
	peakRSS          int64 // KiB, the whole bench process
	peakHeap         uint64
	cpu              time.Duration // CPU time of the bench process during the phase; 0 when unknown
	duplicates       int
	stmts, txs       int64         // database statements and write transactions
	decided          time.Duration // start → last decision (0 for the floor)
	replyBytes       int           // the replies' mean size at the sink
	machineCPU       float64       // cores busy on the whole machine during the phase (0 when unknown)
	cores            int
}

func (b *benchResult) rate() float64 { return float64(b.n) / b.total.Seconds() }

// result computes the latencies: for a burst or a paced run, from the end
// of each APPEND to its reply; for a backlog, from the start to the reply.
func (r *benchRecorder) result(o benchOptions, fl *floorSpec, start time.Time, total time.Duration) *benchResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	var lat []time.Duration
	first := time.Duration(-1)
	for id, at := range r.got {
		s, ok := r.sent[id]
		if !ok {
			continue
		}
		if o.backlog {
			s = start
		}
		lat = append(lat, at.Sub(s))
		if d := at.Sub(start); first < 0 || d < first {
			first = d
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	b := &benchResult{what: "roomgate (" + o.driver + ")", imap: o.imapAddr, n: len(lat), total: total, first: first,
		p50: pct(0.5), p99: pct(0.99), max: pct(1), backlog: o.backlog}
	if o.instances > 1 {
		b.what = fmt.Sprintf("roomgate (%s, %d instances)", o.driver, o.instances)
	}
	if fl != nil {
		b.what = fl.what()
	}
	if len(r.got) > 0 {
		b.replyBytes = int(r.size / int64(len(r.got)))
	}
	switch {
	case o.backlog:
		b.mode = "backlog (in the inbox before the start)"
	case o.rate > 0:
		b.mode = fmt.Sprintf("paced at %g/s", o.rate)
	default:
		b.mode = "burst (appended after the start)"
	}
	return b
}

func (b *benchResult) print(w io.Writer) {
	r := func(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
	fmt.Fprintf(w, "%s, %d invitations, %s, IMAP %s\n", b.what, b.n, b.mode, b.imap)
	fmt.Fprintf(w, "  throughput   %.1f invitations/s (%s in all, first reply after %s)\n", b.rate(), b.total.Round(time.Millisecond), r(b.first))
	from := "APPEND done"
	if b.backlog {
		from = "start"
	}
	fmt.Fprintf(w, "  latency      median %s, p99 %s, max %s (%s → reply at the SMTP sink)\n", r(b.p50), r(b.p99), r(b.max), from)
	fmt.Fprintf(w, "  memory       peak RSS %d MiB of the bench process (in-process: this run alone, with the appender and the sink), peak Go heap %d MiB (runtime/metrics)\n",
		b.peakRSS/1024, b.peakHeap>>20)
	if b.cpu > 0 && b.n > 0 {
		what := "the receiver and the sink"
		if !b.backlog {
			what += " and the appender"
		}
		fmt.Fprintf(w, "  cpu          %.2f ms per invitation of the bench process (user + system, %s; not the IMAP or database server)\n",
			float64(b.cpu)/float64(time.Millisecond)/float64(b.n), what)
	}
	if b.machineCPU > 0 && b.n > 0 {
		fmt.Fprintf(w, "  machine      %.2f of %d cores busy on average, %.2f ms of CPU per invitation (every process, the IMAP and database servers included: /proc/stat)\n",
			b.machineCPU, b.cores, b.machineCPU*float64(b.total)/float64(time.Millisecond)/float64(b.n))
	}
	if b.replyBytes > 0 {
		fmt.Fprintf(w, "  replies      %d bytes on average at the SMTP sink\n", b.replyBytes)
	}
	if b.decided > 0 {
		fmt.Fprintf(w, "  decisions    all decided after %s (the rest of the time: replies leaving the outbox)\n", b.decided.Round(time.Millisecond))
	}
	if b.stmts > 0 {
		fmt.Fprintf(w, "  database     %.1f round trips and %.2f write transactions per invitation (all of the daemon's, outbox included)\n",
			float64(b.stmts)/float64(b.n), float64(b.txs)/float64(b.n))
	}
	if b.duplicates > 0 {
		fmt.Fprintf(w, "  duplicates   %d replies to an invitation already answered\n", b.duplicates)
	}
}

// printRatio compares a run with its floor.
func printRatio(w io.Writer, label string, floor, daemon *benchResult) {
	fmt.Fprintf(w, "%s: throughput %.2f; median %+.1f ms, p99 %+.1f ms\n", label,
		daemon.rate()/floor.rate(),
		float64(daemon.p50-floor.p50)/float64(time.Millisecond), float64(daemon.p99-floor.p99)/float64(time.Millisecond))
}

// memWatch samples the Go heap while a phase runs; the process's peak
// RSS is reset at its start (Linux: /proc/self/clear_refs).
type memWatch struct {
	stopc    chan struct{}
	done     chan struct{}
	peakHeap uint64
	cpu0     time.Duration // processCPU at the start
	cpuOK    bool
	busy0    machineTimes // readMachineTimes at the start
}

func startMemWatch() *memWatch {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM
	m := &memWatch{stopc: make(chan struct{}), done: make(chan struct{})}
	m.cpu0, m.cpuOK = processCPU()
	m.busy0 = readMachineTimes()
	go func() {
		defer close(m.done)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			m.peakHeap = max(m.peakHeap, s[0].Value.Uint64())
			select {
			case <-m.stopc:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// cpuUse is the CPU a phase used: the bench process's time, and how many
// of the machine's cores were busy on average (0 when unknown).
type cpuUse struct {
	process time.Duration
	machine float64
	cores   int
}

// stop returns the peak RSS in KiB, the peak heap in bytes and the CPU
// used since the start.
func (m *memWatch) stop() (int64, uint64, cpuUse) {
	close(m.stopc)
	<-m.done
	var cpu cpuUse
	if c, ok := processCPU(); ok && m.cpuOK {
		cpu.process = c - m.cpu0
	}
	t := readMachineTimes()
	cpu.machine, cpu.cores = t.coresBusy(m.busy0), t.cores
	return procStatusKiB("VmHWM:"), m.peakHeap, cpu
}

// machineTimes are the machine's CPU times from /proc/stat, in clock
// ticks; zero where there is no such file.
type machineTimes struct {
	busy, all uint64
	cores     int // the "cpuN" lines
}

// readMachineTimes reads the first line of /proc/stat: "cpu user nice
// system idle iowait irq softirq steal ...", all cores together, and
// counts the cores' own lines.
func readMachineTimes() machineTimes {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineTimes{}
	}
	return parseMachineTimes(string(b))
}

// parseMachineTimes reads /proc/stat's text (proc_stat(5)).
func parseMachineTimes(stat string) machineTimes {
	line, rest, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return machineTimes{}
	}
	var t machineTimes
	for i, v := range f[1:min(len(f), 9)] { // guest times are already in user
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return machineTimes{}
		}
		t.all += n
		if i != 3 && i != 4 { // idle, iowait
			t.busy += n
		}
	}
	for _, l := range strings.Split(rest, "\n") {
		if strings.HasPrefix(l, "cpu") {
			t.cores++
		}
	}
	return t
}

// coresBusy is how many cores were busy on average between then and t:
// the busy share of all the ticks, times the number of cores.
func (t machineTimes) coresBusy(then machineTimes) float64 {
	if t.all <= then.all || then.all == 0 {
		return 0
	}
	return float64(t.busy-then.busy) / float64(t.all-then.all) * float64(t.cores)
}

// procStatusKiB reads one line of /proc/self/status (0 elsewhere).
func procStatusKiB(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			var kib int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kib)
			return kib
		}
	}
	return 0
}

// benchLog is the daemon's log handler during a run: it keeps when the
// last message was decided, to tell the decisions' time from the
// replies'. Everything else is discarded.
type benchLog struct {
	mu      sync.Mutex
	decided int
	last    time.Time
}

func (h *benchLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (h *benchLog) WithAttrs([]slog.Attr) slog.Handler           { return h }
func (h *benchLog) WithGroup(string) slog.Handler                { return h }
func (h *benchLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "message handled" {
		h.mu.Lock()
		h.decided++
		h.last = r.Time
		h.mu.Unlock()
	}
	return nil
}

// lastDecision is when the last message was decided (zero if none).
func (h *benchLog) lastDecision() (int, time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.decided, h.last
}
