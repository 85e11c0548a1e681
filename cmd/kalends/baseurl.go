package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/kalends/kalends/config"
)

// baseURLFile, in the data directory, holds the public base URL of the
// server that last started there, so that commands printing URLs (feed
// create, feed list) print the server's, wherever it listens.
const baseURLFile = "base-url"

// publicBaseURL is the URL clients reach the server at: --base-url, else
// the address it listens on, a wildcard address replaced by the host name.
func publicBaseURL(cfg *config.Config, addr net.Addr) string {
	if cfg.BaseURL != "" {
		return strings.TrimSuffix(cfg.BaseURL, "/")
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if h, err := os.Hostname(); err == nil && h != "" {
			host = h
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}

// rememberBaseURL writes the server's public base URL into the data
// directory, when the server uses one: one was named, or the database is
// the one in it. A server given only --database elsewhere leaves the
// default data directory alone, as its commands do (rememberedBaseURL).
// A server that cannot write is still a server: it logs why.
func rememberBaseURL(logger *slog.Logger, e *env, cfg *config.Config, addr net.Addr) {
	if cfg.DataDir == "" {
		return
	}
	base := publicBaseURL(cfg, addr)
	err := cfg.ResolveDataDir(e.getenv)
	if err == nil {
		err = writeFileAtomic(filepath.Join(cfg.DataDir, baseURLFile), []byte(base+"\n"))
	}
	if err != nil {
		logger.Warn("cannot remember the base URL for the feed commands; they need --base-url", "base_url", base, "err", err)
	}
}

// rememberedBaseURL is the base URL the server last wrote into the data
// directory the flags and environment name; "" when there is none.
func rememberedBaseURL(e *env, db *dbFlags) string {
	cfg := db.config(e)
	dir := cfg.DataDir
	if dir == "" && cfg.Database != "" {
		return "" // a database named alone: no data directory in use
	}
	if dir == "" {
		var err error
		if dir, err = config.DefaultDataDir(e.getenv); err != nil {
			return ""
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, baseURLFile))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// writeFileAtomic replaces name with data, so that a reader sees the old
// content or the new, never a part.
func writeFileAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+"-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
