package config

import (
	"flag"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Limits protect the server from slow, many or greedy clients. Every one
// has a default that suits a server on the open internet.
type Limits struct {
	// ReadTimeout bounds the reading of one request, headers and body: a
	// client that declares a body and never sends it is disconnected.
	ReadTimeout time.Duration
	// WriteTimeout bounds the writing of one response, from the end of
	// its request's headers.
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection that carries no request.
	IdleTimeout time.Duration
	// MaxConnections bounds the open client connections; one more is
	// answered 503 and closed.
	MaxConnections int
	// MaxReportInstances bounds the occurrences one REPORT expands
	// (calendar-data expand) over all the objects it answers.
	MaxReportInstances int
	// TrustedProxies lists the reverse proxies (addresses or CIDR
	// prefixes, comma-separated) whose X-Forwarded-For header names the
	// client, for the login throttle and the logs; none by default.
	TrustedProxies string
}

// DefaultLimits are the limits of a server with no configuration.
func DefaultLimits() Limits {
	return Limits{
		ReadTimeout:        time.Minute,
		WriteTimeout:       5 * time.Minute,
		IdleTimeout:        2 * time.Minute,
		MaxConnections:     1000,
		MaxReportInstances: 100000,
	}
}

// registerLimits adds the flags of the limits.
func (c *Config) registerLimits(fs *flag.FlagSet, getenv func(string) string) {
	d := DefaultLimits()
	dur := func(p *time.Duration, name, env string, def time.Duration, usage string) {
		if v, err := time.ParseDuration(getenv(env)); err == nil && v > 0 {
			def = v
		}
		fs.DurationVar(p, name, def, usage+" ($"+env+")")
	}
	num := func(p *int, name, env string, def int, usage string) {
		if v, err := strconv.Atoi(getenv(env)); err == nil && v > 0 {
			def = v
		}
		fs.IntVar(p, name, def, usage+" ($"+env+")")
	}
	l := &c.Limits
	dur(&l.ReadTimeout, "read-timeout", "KALENDS_READ_TIMEOUT", d.ReadTimeout, "longest time to read one request, body included")
	dur(&l.WriteTimeout, "write-timeout", "KALENDS_WRITE_TIMEOUT", d.WriteTimeout, "longest time to write one response")
	dur(&l.IdleTimeout, "idle-timeout", "KALENDS_IDLE_TIMEOUT", d.IdleTimeout, "how long an idle kept-alive connection stays open")
	num(&l.MaxConnections, "max-connections", "KALENDS_MAX_CONNECTIONS", d.MaxConnections, "most client connections open at once; more are answered 503")
	num(&l.MaxReportInstances, "max-report-instances", "KALENDS_MAX_REPORT_INSTANCES", d.MaxReportInstances,
		"most occurrences one REPORT expands; beyond, the answer ends with 507")
	fs.StringVar(&l.TrustedProxies, "trusted-proxies", getenv("KALENDS_TRUSTED_PROXIES"),
		"reverse proxies whose X-Forwarded-For names the client: addresses or CIDR prefixes, comma-separated ($KALENDS_TRUSTED_PROXIES)")
}

// Proxies parses TrustedProxies; a bare address is a prefix of its full
// length.
func (l *Limits) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(l.TrustedProxies, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if a, err := netip.ParseAddr(f); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("config: trusted proxy %q is not an address or a CIDR prefix", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// validate reports the first limit that cannot work.
func (l *Limits) validate() error {
	if l.ReadTimeout <= 0 || l.WriteTimeout <= 0 || l.IdleTimeout <= 0 {
		return fmt.Errorf("config: read, write and idle timeouts must be positive")
	}
	if l.MaxConnections <= 0 || l.MaxReportInstances <= 0 {
		return fmt.Errorf("config: max connections and max report instances must be positive")
	}
	_, err := l.Proxies()
	return err
}
