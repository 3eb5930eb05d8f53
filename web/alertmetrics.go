package web

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
)

// addAlertMetrics creates and registers the metrics a facilitator alerts
// on beside the counters of NewMetrics (docs/operator.md, "Web agenda and feeds").
func (m *Metrics) addAlertMetrics() {
	m.lastHandled = prometheus.NewGauge(prometheus.GaugeOpts{Name: "roomgate_last_message_handled_timestamp_seconds",
		Help: "When the last message was decided (Unix time), 0 before the first."})
	m.logRecords = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "roomgate_log_messages_total",
		Help: "Log records written at WARN and ERROR level: the errors roomgate could not overcome by itself are ERRORs."},
		[]string{"level"})
	m.loginFailed = prometheus.NewGauge(prometheus.GaugeOpts{Name: "roomgate_imap_login_failed",
		Help: "1 when the IMAP server refused the last login (wrong username or password)."})
	// Both levels appear at 0 from the start, so that increase() sees the
	// first one.
	m.logRecords.WithLabelValues("warn")
	m.logRecords.WithLabelValues("error")
	m.reg.MustRegister(m.lastHandled, m.logRecords, m.loginFailed)
}

// CountLog counts a log record of that level when it is WARN or above.
func (m *Metrics) CountLog(level slog.Level) {
	switch {
	case level >= slog.LevelError:
		m.logRecords.WithLabelValues("error").Inc()
	case level >= slog.LevelWarn:
		m.logRecords.WithLabelValues("warn").Inc()
	}
}

// SetIMAPLoginFailed records that the IMAP server refused the login:
// /healthz says so until a connection succeeds.
func (m *Metrics) SetIMAPLoginFailed() {
	m.imapLoginFailed.Store(true)
	m.loginFailed.Set(1)
}

// IMAPLoginFailed reports whether the last IMAP login was refused.
func (m *Metrics) IMAPLoginFailed() bool { return m.imapLoginFailed.Load() }
