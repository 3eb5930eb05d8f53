package mailbox

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"
)

// Connection security modes shared by IMAPOptions and SMTPOptions.
const (
	// SecurityTLS is implicit TLS from the first byte (IMAP 993, SMTP 465;
	// RFC 8314).
	SecurityTLS = "tls"
	// SecurityStartTLS upgrades a plain connection with STARTTLS before
	// authenticating (RFC 9051 section 6.2.1, RFC 3207).
	SecurityStartTLS = "starttls"
	// SecurityInsecure is a plain connection, allowed only to a loopback
	// address.
	SecurityInsecure = "insecure"
)

// checkSecurity validates a security mode against the server address.
func checkSecurity(address, security string) (host string, err error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return "", fmt.Errorf("address %q: %w", address, err)
	}
	if host == "" || port == "" {
		return "", fmt.Errorf("address %q: host and port are required", address)
	}
	switch security {
	case SecurityTLS, SecurityStartTLS:
		return host, nil
	case SecurityInsecure:
		if !isLoopback(host) {
			return "", fmt.Errorf("security %q is allowed only for a loopback address, not %q", security, host)
		}
		return host, nil
	default:
		return "", fmt.Errorf("security %q: must be %q, %q or %q", security, SecurityTLS, SecurityStartTLS, SecurityInsecure)
	}
}

// isLoopback reports whether host is "localhost" or a loopback IP address.
// Other names are not resolved: a DNS answer must not turn off TLS.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// tlsConfigFor returns a copy of base (or a new config) with ServerName set
// to host when unset. Certificate verification is never turned off here.
func tlsConfigFor(base *tls.Config, host string) *tls.Config {
	var cfg *tls.Config
	if base != nil {
		cfg = base.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}
