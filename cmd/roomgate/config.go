package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"codeberg.org/opteos/roomgate/chat"
	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/ical"
)

// Config is the TOML configuration file. docs/operator.md and
// roomgate.example.toml document every key.
type Config struct {
	Language       string   `toml:"language"`
	Timezone       string   `toml:"timezone"`
	TemplatesDir   string   `toml:"templates_dir"`
	Contact        string   `toml:"contact"`
	ServiceName    string   `toml:"service_name"`
	MaxMessageSize ByteSize `toml:"max_message_size"`
	LogLevel       string   `toml:"log_level"`
	LogFormat      string   `toml:"log_format"`

	Database DatabaseConfig `toml:"database"`
	IMAP     IMAPConfig     `toml:"imap"`
	SMTP     SMTPConfig     `toml:"smtp"`
	Account  AccountConfig  `toml:"account"`
	Policy   PolicyConfig   `toml:"policy"`
	Rooms    []RoomConfig   `toml:"rooms"`
	HTTP     HTTPConfig     `toml:"http"`
	Relay    RelayConfig    `toml:"relay"`
	Auth     AuthConfig     `toml:"authentication"`
	ZoomAPI  ZoomAPIConfig  `toml:"zoom_api"`
	// Chat is the cooperative's chat (docs/chat.md); nil when off.
	Chat *chat.Config `toml:"chat"`
	// Video is the free tools beside Zoom (videoconfig.go).
	Video VideoConfig `toml:"video"`

	location *time.Location
	// chatSecrets are the [chat] secrets, read from their files.
	chatSecrets chat.Secrets
	// warnings are logged by serve and process (logWarnings) and printed
	// by `roomgate check`.
	warnings []string
	// outbox tunes the dispatcher; tests shorten its delays.
	outbox gateway.OutboxOptions
	// leaseEvery is how often an instance standing by tries the mailbox
	// lease and its holder checks it (mailbox.LeaseOptions Retry and
	// Check; 5 s when zero); tests shorten it.
	leaseEvery time.Duration
}

// DatabaseConfig is the [database] section.
type DatabaseConfig struct {
	Driver string `toml:"driver"`
	DSN    string `toml:"dsn"`
	// KeepSent is how long a sent mail's bytes are kept (opsconfig.go).
	KeepSent *Duration `toml:"keep_sent"`
}

// IMAPConfig is the [imap] section.
type IMAPConfig struct {
	Address         string   `toml:"address"`
	Security        string   `toml:"security"`
	Username        string   `toml:"username"`
	Password        string   `toml:"password"`
	PasswordFile    string   `toml:"password_file"`
	Inbox           string   `toml:"inbox"`
	ProcessedFolder string   `toml:"processed_folder"`
	RejectedFolder  string   `toml:"rejected_folder"`
	OtherFolder     string   `toml:"other_folder"`
	PollInterval    Duration `toml:"poll_interval"`
}

// SMTPConfig is the [smtp] section.
type SMTPConfig struct {
	Address      string `toml:"address"`
	Security     string `toml:"security"`
	Username     string `toml:"username"`
	Password     string `toml:"password"`
	PasswordFile string `toml:"password_file"`
	HeloName     string `toml:"helo_name"`
	// Timeout bounds one SMTP conversation (opsconfig.go).
	Timeout Duration `toml:"timeout"`
}

// AccountConfig is the [account] section.
type AccountConfig struct {
	HostKey            string `toml:"host_key"`
	HostKeyFile        string `toml:"host_key_file"`
	ConcurrentMeetings int    `toml:"concurrent_meetings"`
	// Hosts is the pool of licensed users (poolconfig.go); none keeps the
	// one host key above.
	Hosts []HostConfig `toml:"hosts"`

	// concurrentSet records that the file set concurrent_meetings.
	concurrentSet bool
}

// PolicyConfig is the [policy] section.
type PolicyConfig struct {
	Organizers           []string `toml:"organizers"`
	MaxDuration          Duration `toml:"max_duration"`
	BookingWindowDays    int      `toml:"booking_window_days"`
	Buffer               Duration `toml:"buffer"`
	Suggestions          int      `toml:"suggestions"`
	DayStart             string   `toml:"day_start"`
	DayEnd               string   `toml:"day_end"`
	AllowSeries          *bool    `toml:"allow_series"`
	SeriesMaxBusy        *int     `toml:"series_max_busy"`
	SeriesMaxBusyPercent *int     `toml:"series_max_busy_percent"`
	MaxOccurrences       int      `toml:"max_occurrences"`
	RepliesPerHour       int      `toml:"replies_per_hour"`
	ArriveEarly          Duration `toml:"arrive_early"`

	// Who may speak for organizers (see docs/security.md).
	RequireAuthentic *bool    `toml:"require_authentic"`
	TrustedSenders   []string `toml:"trusted_senders"`
	// Delegates: organizer address → who may send for them (SENT-BY).
	Delegates map[string][]string `toml:"delegates"`
	// Quotas per organizer; 0 means unlimited.
	MaxHoursPerWeek    *float64 `toml:"max_hours_per_week"`
	MaxFutureBookings  *int     `toml:"max_future_bookings"`
	MaxOpenSeriesDates *int     `toml:"max_open_series_dates"`
	// The waiting list, and counter-proposals.
	// What one person, and the people of one domain who are no members,
	// may hold at once without being accepted; 0 means no limit.
	MaxHoldsPerSender *int     `toml:"max_holds_per_sender"`
	MaxHoldsPerDomain *int     `toml:"max_holds_per_domain"`
	Waitlist          *bool    `toml:"waitlist"`
	WaitlistMax       *int     `toml:"waitlist_max"`
	Counter           *bool    `toml:"counter"`
	CounterHold       Duration `toml:"counter_hold"`
	// What a facilitator approves instead of a refusal, and the key that
	// signs their links.
	Approval        []string `toml:"approval"`
	ApprovalKey     string   `toml:"approval_key"`
	ApprovalKeyFile string   `toml:"approval_key_file"`
	// Limits on replies.
	OutsiderRepliesPerHour  int `toml:"outsider_replies_per_hour"`
	RepliesPerSenderPerHour int `toml:"replies_per_sender_per_hour"`
}

// RoomConfig is one [[rooms]] entry.
type RoomConfig struct {
	Name      string `toml:"name"`
	Address   string `toml:"address"`
	JoinURL   string `toml:"join_url"`
	MeetingID string `toml:"meeting_id"`
	Passcode  string `toml:"passcode"`
	// Tools is "any" for an address accepted on whichever tool has room
	// (Zoom first); "" for Zoom only.
	Tools string `toml:"tools"`
}

// Duration is a time.Duration written as "10m" or "8h" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration, or a number of days ("30d"); "0"
// is accepted.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("invalid duration %q (write e.g. \"10m\", \"8h\")", b)
	}
	d.Duration = v
	return nil
}

// ByteSize is a size written as "10MB", "512KB" or a number of octets.
type ByteSize int64

// UnmarshalText parses sizes with an optional KB, MB or GB suffix (powers of 1024).
func (s *ByteSize) UnmarshalText(b []byte) error {
	t := strings.ToUpper(strings.TrimSpace(string(b)))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	var n int64
	if _, err := fmt.Sscan(t, &n); err != nil || n < 0 {
		return fmt.Errorf("invalid size %q (write e.g. \"10MB\")", b)
	}
	*s = ByteSize(n * mult)
	return nil
}

// LoadConfig reads, completes with defaults and validates a configuration
// file. Secrets given by file or environment are read here.
func LoadConfig(path string) (*Config, error) {
	var c Config
	md, err := toml.DecodeFile(path, &c)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		known := configKeys()
		for i, k := range und {
			if m := didYouMean(unindexed(k.String()), known); m != "" {
				keys[i] += " (did you mean " + m + "?)"
			}
		}
		return nil, fmt.Errorf("config %s: unknown keys: %s", path, strings.Join(keys, ", "))
	}
	c.Video.order = videoOrder(md)
	c.setDefaults()
	if err := c.readSecrets(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return &c, nil
}

func (c *Config) setDefaults() {
	def := func(s *string, v string) {
		if strings.TrimSpace(*s) == "" {
			*s = v
		}
	}
	def(&c.Language, "fr")
	if c.Chat != nil {
		def(&c.Chat.Language, c.Language)
	}
	c.HTTP.setDefaults()
	c.Relay.setDefaults()
	c.setOpsDefaults()
	def(&c.Timezone, "Europe/Paris")
	def(&c.LogLevel, "info")
	def(&c.LogFormat, "text")
	def(&c.Database.Driver, "sqlite")
	def(&c.Database.DSN, "roomgate.db")
	def(&c.IMAP.Security, "tls")
	def(&c.IMAP.Inbox, "INBOX")
	def(&c.IMAP.ProcessedFolder, "roomgate/Processed")
	def(&c.IMAP.RejectedFolder, "roomgate/Rejected")
	def(&c.IMAP.OtherFolder, "roomgate/Other")
	def(&c.SMTP.Security, "starttls")
	def(&c.Policy.DayStart, "08:00")
	def(&c.Policy.DayEnd, "20:00")
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = 10 << 20
	}
	if c.IMAP.PollInterval.Duration == 0 {
		c.IMAP.PollInterval.Duration = 30 * time.Second
	}
	c.Account.concurrentSet = c.Account.ConcurrentMeetings != 0
	if c.Account.ConcurrentMeetings == 0 {
		c.Account.ConcurrentMeetings = 1
	}
	p := &c.Policy
	if p.MaxDuration.Duration == 0 {
		p.MaxDuration.Duration = 8 * time.Hour
	}
	if p.BookingWindowDays == 0 {
		p.BookingWindowDays = 180
	}
	if p.Suggestions == 0 {
		p.Suggestions = 3
	}
	if p.AllowSeries == nil {
		p.AllowSeries = ptr(true)
	}
	if p.SeriesMaxBusy == nil {
		p.SeriesMaxBusy = ptr(8)
	}
	if p.SeriesMaxBusyPercent == nil {
		p.SeriesMaxBusyPercent = ptr(50)
	}
	if p.MaxOccurrences == 0 {
		p.MaxOccurrences = 500
	}
	if p.RepliesPerHour == 0 {
		p.RepliesPerHour = 5
	}
	if p.ArriveEarly.Duration == 0 {
		p.ArriveEarly.Duration = 5 * time.Minute
	}
	if p.MaxHoursPerWeek == nil {
		p.MaxHoursPerWeek = ptr(24.0)
	}
	if p.MaxFutureBookings == nil {
		p.MaxFutureBookings = ptr(200)
	}
	if p.MaxOpenSeriesDates == nil {
		p.MaxOpenSeriesDates = ptr(60)
	}
	if p.OutsiderRepliesPerHour == 0 {
		p.OutsiderRepliesPerHour = 20
	}
	if p.MaxHoldsPerSender == nil {
		p.MaxHoldsPerSender = ptr(3)
	}
	if p.MaxHoldsPerDomain == nil {
		p.MaxHoldsPerDomain = ptr(6)
	}
	if p.Waitlist == nil {
		p.Waitlist = ptr(true)
	}
	if p.WaitlistMax == nil {
		p.WaitlistMax = ptr(3)
	}
	if p.Counter == nil {
		p.Counter = ptr(true)
	}
	if p.CounterHold.Duration == 0 {
		p.CounterHold.Duration = 15 * time.Minute
	}
	if p.RepliesPerSenderPerHour == 0 {
		p.RepliesPerSenderPerHour = 30
	}
	c.setAuthDefaults()
}

func ptr[T any](v T) *T { return &v }

// readSecrets fills passwords and the host key from their files or from
// the environment when they are not written in the file itself.
func (c *Config) readSecrets() error {
	var errs []error
	get := func(val *string, file, env, key string) {
		switch {
		case *val != "":
		case file != "":
			b, err := readSecretFile(file)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_file: %w", key, err))
				return
			}
			*val = strings.TrimSpace(string(b))
		default:
			*val = os.Getenv(env)
		}
	}
	get(&c.IMAP.Password, c.IMAP.PasswordFile, "ROOMGATE_IMAP_PASSWORD", "imap.password")
	get(&c.SMTP.Password, c.SMTP.PasswordFile, "ROOMGATE_SMTP_PASSWORD", "smtp.password")
	if len(c.Account.Hosts) == 0 { // a pool's keys are each host's (readHostSecrets)
		get(&c.Account.HostKey, c.Account.HostKeyFile, "ROOMGATE_HOST_KEY", "account.host_key")
	}
	errs = append(errs, c.readHostSecrets()...)
	get(&c.HTTP.Token, c.HTTP.TokenFile, "ROOMGATE_HTTP_TOKEN", "http.token")
	get(&c.HTTP.OperatorToken, c.HTTP.OperatorTokenFile, "ROOMGATE_HTTP_OPERATOR_TOKEN", "http.operator_token")
	get(&c.Relay.WebhookURL, c.Relay.WebhookURLFile, "ROOMGATE_WEBHOOK_URL", "relay.webhook_url")
	get(&c.Policy.ApprovalKey, c.Policy.ApprovalKeyFile, "ROOMGATE_APPROVAL_KEY", "policy.approval_key")
	errs = append(errs, c.readChatSecrets())
	return errors.Join(errs...)
}

// validate checks every key and reports all problems at once.
func (c *Config) validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Language != "fr" && c.Language != "en" {
		bad("language: %q is not fr or en", c.Language)
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		if m := didYouMean(c.Timezone, zoneNames()); m != "" {
			bad("timezone: unknown zone %q (did you mean %s?)", c.Timezone, m)
		} else {
			bad("timezone: unknown zone %q (an IANA name such as Europe/Paris)", c.Timezone)
		}
	}
	c.location = loc
	if c.Database.Driver != "sqlite" && c.Database.Driver != "postgres" {
		bad("database.driver: %q is not sqlite or postgres", c.Database.Driver)
	}
	c.validateServer("imap", c.IMAP.Address, c.IMAP.Security, bad)
	c.validateServer("smtp", c.SMTP.Address, c.SMTP.Security, bad)
	if c.IMAP.Username == "" {
		bad("imap.username is required")
	}
	if c.IMAP.Password == "" {
		bad("imap.password is required (password, password_file or ROOMGATE_IMAP_PASSWORD)")
	}
	if c.SMTP.Username != "" && c.SMTP.Password == "" {
		bad("smtp.password is required with smtp.username (password, password_file or ROOMGATE_SMTP_PASSWORD)")
	}
	c.validatePolicy(bad)
	c.validateRooms(bad)
	c.validatePool(bad)
	c.validateTools(bad)
	c.Video.prepare(c, bad)
	c.HTTP.validate(bad)
	c.Relay.validate(bad)
	c.validateChat(bad)
	c.validateApproval(bad)
	c.validateDelegates(bad)
	c.holdWarnings()
	c.validateAuth(bad)
	c.ZoomAPI.prepare(c, bad)
	c.validateOps(bad)
	return errors.Join(errs...)
}

func (c *Config) validateServer(section, addr, security string, bad func(string, ...any)) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		bad("%s.address: %q must be host:port", section, addr)
		return
	}
	switch security {
	case "tls", "starttls":
	case "insecure":
		if !isLoopback(host) {
			bad("%s.security: insecure is only allowed for a loopback address, not %q", section, host)
		}
	default:
		bad("%s.security: %q is not tls, starttls or insecure", section, security)
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c *Config) validatePolicy(bad func(string, ...any)) {
	p := c.Policy
	if len(p.Organizers) == 0 {
		bad("policy.organizers: list who may book (addresses or @domains)")
	}
	for _, o := range p.Organizers {
		if _, err := gateway.ListEntry(o); err != nil {
			bad("policy.organizers: %v (write a full address or @domain)", err)
		}
	}
	for _, o := range p.TrustedSenders {
		if _, err := gateway.ListEntry(o); err != nil {
			bad("policy.trusted_senders: %v (write a full address or @domain)", err)
		}
	}
	if *p.MaxHoursPerWeek < 0 || *p.MaxFutureBookings < 0 || *p.MaxOpenSeriesDates < 0 {
		bad("policy: max_hours_per_week, max_future_bookings and max_open_series_dates must not be negative (0 = unlimited)")
	}
	if p.CounterHold.Duration < 0 {
		bad("policy.counter_hold must be positive")
	}
	if *p.MaxHoldsPerSender < 0 || *p.MaxHoldsPerDomain < 0 {
		bad("policy: max_holds_per_sender and max_holds_per_domain must not be negative (0 = no limit)")
	}
	if *p.WaitlistMax < 0 {
		bad("policy.waitlist_max must not be negative (0 = no limit)")
	}
	if p.OutsiderRepliesPerHour < 0 || p.RepliesPerSenderPerHour < 0 {
		bad("policy: outsider_replies_per_hour and replies_per_sender_per_hour must be at least 1")
	}
	if p.MaxDuration.Duration <= 0 || p.BookingWindowDays <= 0 || p.Buffer.Duration < 0 {
		bad("policy: max_duration and booking_window_days must be positive, buffer not negative")
	}
	if _, err := clockOffset(p.DayStart); err != nil {
		bad("policy.day_start: %v", err)
	}
	if _, err := clockOffset(p.DayEnd); err != nil {
		bad("policy.day_end: %v", err)
	}
	if *p.SeriesMaxBusy < 0 || *p.SeriesMaxBusyPercent < 0 || *p.SeriesMaxBusyPercent > 100 {
		bad("policy: series_max_busy must be >= 0 and series_max_busy_percent within 0–100")
	}
}

func (c *Config) validateRooms(bad func(string, ...any)) {
	if len(c.Rooms) == 0 {
		bad("rooms: configure at least one [[rooms]]")
	}
	seen := map[string]bool{}
	for i, r := range c.Rooms {
		if r.Name == "" {
			bad("rooms[%d].name is required", i)
		}
		if _, err := ical.ParseMailbox(r.Address); err != nil {
			bad("rooms[%d].address: %v", i, err)
		}
		if seen[strings.ToLower(r.Address)] {
			bad("rooms[%d].address: %q is used twice", i, r.Address)
		}
		seen[strings.ToLower(r.Address)] = true
		if len(c.Account.Hosts) == 0 && !strings.HasPrefix(r.JoinURL, "https://") {
			bad("rooms[%d].join_url must be an https:// link", i)
		}
	}
}

// clockOffset parses "HH:MM" as an offset from midnight.
func clockOffset(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// gatewayOptions turns the configuration into the gateway's options.
func (c *Config) gatewayOptions() gateway.Options {
	p := c.Policy
	ds, _ := clockOffset(p.DayStart)
	de, _ := clockOffset(p.DayEnd)
	o := gateway.Options{
		ServiceName: c.ServiceName,
		HostKey:     c.Account.HostKey, Concurrent: c.Account.ConcurrentMeetings, Hosts: c.poolHosts(), FreeTools: c.Video.tools,
		Lang: c.Language, Location: c.location, MaxMessageSize: int64(c.MaxMessageSize),
		RepliesPerHour: p.RepliesPerHour, LeadMinutes: int(p.ArriveEarly.Minutes()), Contact: c.Contact,
		Policy: gateway.Policy{
			Organizers: p.Organizers, MaxDuration: p.MaxDuration.Duration,
			BookingWindow: time.Duration(p.BookingWindowDays) * 24 * time.Hour, Buffer: p.Buffer.Duration,
			Suggestions: p.Suggestions, DayStart: ds, DayEnd: de, AllowSeries: *p.AllowSeries,
			SeriesMaxBusy: *p.SeriesMaxBusy, SeriesMaxBusyPercent: *p.SeriesMaxBusyPercent,
			MaxOccurrences:   p.MaxOccurrences,
			RequireAuthentic: *p.RequireAuthentic, TrustedSenders: p.TrustedSenders, Delegates: p.Delegates,
			MaxWeekHours:      time.Duration(*p.MaxHoursPerWeek * float64(time.Hour)),
			MaxFutureBookings: *p.MaxFutureBookings, MaxOpenSeriesDates: *p.MaxOpenSeriesDates,
			MaxHoldsPerSender: *p.MaxHoldsPerSender, MaxHoldsPerDomain: *p.MaxHoldsPerDomain,
			OutsiderRepliesPerHour: p.OutsiderRepliesPerHour, SenderRepliesPerHour: p.RepliesPerSenderPerHour,
			Waitlist: *p.Waitlist, WaitlistMax: *p.WaitlistMax, Counter: *p.Counter, CounterHold: p.CounterHold.Duration,
			Approval: p.Approval,
		},
		Approval: c.approvalOptions(),
		Relay:    c.Relay.options(),
		Auth:     c.authOptions(),
		Notices:  c.Relay.zoomRelay(),
	}
	if c.HTTP.Listen != "" && c.HTTP.PublicURL != "" && c.HTTP.Token != "" {
		o.AgendaURL = strings.TrimRight(c.HTTP.PublicURL, "/") + "/?token=" + url.QueryEscape(c.HTTP.Token)
	}
	for _, r := range c.Rooms {
		o.Rooms = append(o.Rooms, gateway.Room{Name: r.Name, Address: r.Address, JoinURL: r.JoinURL,
			MeetingID: r.MeetingID, Passcode: r.Passcode, Tools: r.Tools})
	}
	return o
}

// logWarnings logs the configuration's warnings, one WARN line each: serve
// at start, process before it decides anything.
func (c *Config) logWarnings(log *slog.Logger) {
	for _, w := range c.warnings {
		log.Warn("configuration: " + w)
	}
}
