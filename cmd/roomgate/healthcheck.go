package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// defaultHealthURL is where the container image's HEALTHCHECK asks: the
// image's configuration listens on port 8080.
const defaultHealthURL = "http://127.0.0.1:8080/healthz"

// runHealthcheck asks a running daemon's /healthz and fails unless it
// answers 200. Images built FROM scratch have no shell nor curl, so the
// HEALTHCHECK of the Dockerfile runs this.
func runHealthcheck(args []string, stdout io.Writer) error {
	fs := newFlagSet("healthcheck")
	url := fs.String("url", defaultHealthURL, "the daemon's health `URL`")
	config := fs.String("config", "", "read the address from [http] listen of this configuration `file` instead")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this `duration`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *config != "" {
		cfg, err := LoadConfig(*config)
		if err != nil {
			return err
		}
		if *url, err = healthURL(cfg.HTTP.Listen); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	return checkHealth(ctx, *url, stdout)
}

// healthURL is the /healthz URL of a listen address; a wildcard host is
// asked on loopback.
func healthURL(listen string) (string, error) {
	if listen == "" {
		return "", errors.New("[http] listen is empty: the web server, and /healthz, are off")
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("http.listen: %w", err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}

// checkHealth prints the report of /healthz and fails unless it is 200.
func checkHealth(ctx context.Context, url string, stdout io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("not answering: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
	fmt.Fprintln(stdout, strings.TrimSpace(string(body)))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: %s", res.Status)
	}
	return nil
}
