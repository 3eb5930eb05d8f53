package web

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"codeberg.org/opteos/roomgate/gateway"
)

// Metrics counts what roomgate does, for /metrics (Prometheus text
// format), and tracks the IMAP connection for /healthz. Its methods are
// safe for concurrent use; wire ObserveOutcome to gateway.Options.OnOutcome
// and SetIMAPConnected to mailbox.IMAPOptions.OnConnect.
type Metrics struct {
	reg        *prometheus.Registry
	messages   *prometheus.CounterVec
	latency    prometheus.Histogram
	reconnects prometheus.Counter
	connected  prometheus.Gauge
	codes      prometheus.Counter
	// Added for alerting: the last message handled, the log records at
	// WARN and ERROR, a refused IMAP login.
	lastHandled prometheus.Gauge
	logRecords  *prometheus.CounterVec
	loginFailed prometheus.Gauge
	// standby is 1 while another instance holds the mailbox lease.
	standby prometheus.Gauge

	imapUp, imapSeen, imapLoginFailed, standingBy atomic.Bool
	storeOnce, inboxOnce                          sync.Once
	// store is the Store the outbox gauges are read from: the one of the
	// latest Server, so that metrics survive a reload that opens the
	// database again.
	store atomic.Pointer[Store]
	// inbox reads the oldest waiting message of the latest gateway.
	inbox atomic.Pointer[inboxWatch]
	// wal reads the size of the latest SQLite store's WAL.
	wal     atomic.Pointer[func() int64]
	walOnce sync.Once

	// zoom counts Zoom API mode's work, zoomStore is the latest Server's
	// store of Zoom jobs (zoommetrics.go).
	zoom                    *ZoomMetrics
	zoomOnce, zoomStoreOnce sync.Once
	zoomStore               atomic.Pointer[ZoomStore]
}

// NewMetrics returns metrics registered in a registry of their own, with
// the Go runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "roomgate_messages_total",
			Help: "Messages handled, by kind and action."}, []string{"kind", "action"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "roomgate_decision_duration_seconds",
			Help: "Time to decide and record one message.", Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 10)}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{Name: "roomgate_imap_reconnects_total",
			Help: "IMAP connections made again after a loss."}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{Name: "roomgate_imap_connected",
			Help: "1 while the IMAP inbox is selected."}),
		codes: prometheus.NewCounter(prometheus.CounterOpts{Name: "roomgate_zoom_codes_relayed_total",
			Help: "Zoom sign-in codes relayed to a member."}),
		standby: prometheus.NewGauge(prometheus.GaugeOpts{Name: "roomgate_mailbox_standby",
			Help: "1 while another instance reads the mailbox (holds its lease) and this one stands by."}),
	}
	m.addAlertMetrics()
	m.reg.MustRegister(m.messages, m.latency, m.reconnects, m.connected, m.codes, m.standby,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// WatchInbox publishes roomgate_inbox_oldest_waiting_seconds: how long the
// oldest message read from the inbox has waited for its decision to be
// recorded (0 when none waits). oldest is gateway.Gateway.OldestWaiting.
// The gauge reads the functions of the latest call: after a reload, those
// of the new gateway.
func (m *Metrics) WatchInbox(oldest, now func() time.Time) {
	m.inbox.Store(&inboxWatch{oldest, now})
	m.inboxOnce.Do(func() {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "roomgate_inbox_oldest_waiting_seconds",
			Help: "Age of the oldest message whose decision could not be recorded yet; 0 when none."},
			func() float64 { w := m.inbox.Load(); return waitedFor(w.oldest(), w.now()).Seconds() }))
	})
}

// WatchWAL publishes roomgate_sqlite_wal_bytes: the size of the SQLite
// database's -wal file at its last checkpoint, read from size
// (db.Store.WALBytes). The gauge reads the function of the latest call.
// With PostgreSQL it is not called, and the gauge is absent.
func (m *Metrics) WatchWAL(size func() int64) {
	m.wal.Store(&size)
	m.walOnce.Do(func() {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "roomgate_sqlite_wal_bytes",
			Help: "Size of the SQLite -wal file at its last checkpoint; it stays large while a long read keeps its pages from the database file."},
			func() float64 { return float64((*m.wal.Load())()) }))
	})
}

// inboxWatch is what WatchInbox was given.
type inboxWatch struct{ oldest, now func() time.Time }

// waitedFor is how long since t, 0 when t is zero.
func waitedFor(t, now time.Time) time.Duration {
	if t.IsZero() || now.Before(t) {
		return 0
	}
	return now.Sub(t)
}

// ObserveOutcome counts a handled message and its decision time. A Zoom
// code relayed also counts in roomgate_zoom_codes_relayed_total.
func (m *Metrics) ObserveOutcome(o gateway.Outcome, took time.Duration) {
	m.messages.WithLabelValues(string(o.Kind), string(o.Action)).Inc()
	m.latency.Observe(took.Seconds())
	if o.Kind == gateway.KindZoomCode && o.Action == gateway.ActionRelayed {
		m.codes.Inc()
	}
	m.lastHandled.SetToCurrentTime()
}

// SetIMAPConnected records the IMAP connection state; a connection after
// the first counts as a reconnect.
func (m *Metrics) SetIMAPConnected(up bool) {
	if up {
		if m.imapSeen.Swap(true) {
			m.reconnects.Inc()
		}
		m.connected.Set(1)
		m.imapLoginFailed.Store(false)
		m.loginFailed.Set(0)
	} else {
		m.connected.Set(0)
	}
	m.imapUp.Store(up)
}

// IMAPConnected reports whether the IMAP inbox is selected now.
func (m *Metrics) IMAPConnected() bool { return m.imapUp.Load() }

// SetMailboxStandby records whether this instance stands by while another
// one reads the mailbox: it then has no IMAP connection, and is healthy
// without one.
func (m *Metrics) SetMailboxStandby(standby bool) {
	m.standingBy.Store(standby)
	if standby {
		m.standby.Set(1)
	} else {
		m.standby.Set(0)
	}
}

// MailboxStandby reports what SetMailboxStandby recorded last.
func (m *Metrics) MailboxStandby() bool { return m.standingBy.Load() }

// handler serves the registry in the Prometheus text format.
func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// watchStore makes the gauges read from s at each scrape; the collector
// is registered once.
func (m *Metrics) watchStore(s Store) {
	m.store.Store(&s)
	m.storeOnce.Do(func() { m.reg.MustRegister(&storeCollector{m: m}) })
}

// storeCollector reads the outbox at scrape time.
type storeCollector struct{ m *Metrics }

var (
	outboxDepthDesc = prometheus.NewDesc("roomgate_outbox_depth",
		"Mails waiting in the outbox (pending).", nil, nil)
	outboxAgeDesc = prometheus.NewDesc("roomgate_outbox_oldest_pending_seconds",
		"Age of the oldest pending mail, 0 when none.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxDepthDesc
	ch <- outboxAgeDesc
}

// Collect implements prometheus.Collector. A database error leaves the
// gauges out of this scrape.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	st := c.m.store.Load()
	if st == nil {
		return
	}
	depth, oldest, err := (*st).PendingOutbox(ctx)
	if err != nil {
		return
	}
	age := 0.0
	if !oldest.IsZero() {
		age = time.Since(oldest).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(outboxDepthDesc, prometheus.GaugeValue, float64(depth))
	ch <- prometheus.MustNewConstMetric(outboxAgeDesc, prometheus.GaugeValue, age)
}
