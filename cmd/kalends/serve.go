package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/kalends/kalends/caldav"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/config"
)

func runServe(ctx context.Context, e *env, args []string) error {
	var cfg config.Config
	fs := newFlagSet(e, "serve", "serve [flags]")
	cfg.Register(fs, e.getenv)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(e, fs, "unexpected arguments")
	}
	if err := cfg.Validate(); err != nil {
		return usageError(e, fs, err.Error())
	}
	return serve(ctx, e, &cfg, nil)
}

// serve runs the server until ctx is cancelled, then lets in-flight
// requests finish and closes the store. ready, when not nil, receives the
// listening address.
func serve(ctx context.Context, e *env, cfg *config.Config, ready chan<- string) error {
	logger := newLogger(e, cfg)
	proxies, err := cfg.Limits.Proxies()
	if err != nil {
		return err
	}
	store, err := openStore(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer store.Close()

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	// The mail worker stops with ctx; it is waited for before the store
	// closes.
	wctx, stopWorker := context.WithCancel(ctx)
	waitWorker, err := startMailWorker(wctx, logger, cfg, store)
	if err != nil {
		stopWorker()
		ln.Close()
		return err
	}
	defer func() { stopWorker(); waitWorker() }()
	svc := calendar.New(store, calendar.Options{Logger: logger, MaxResourceSize: cfg.MaxResourceSize,
		MaxAttendees: cfg.MaxAttendees})
	handler := caldav.New(svc, caldav.Options{Logger: logger, BaseURL: cfg.BaseURL,
		MaxReportInstances: cfg.Limits.MaxReportInstances, TrustedProxies: proxies})
	// The timeouts bound what a slow or silent client holds: a request
	// whose body never comes ends at ReadTimeout.
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: min(10*time.Second, cfg.Limits.ReadTimeout),
		ReadTimeout:       cfg.Limits.ReadTimeout,
		WriteTimeout:      cfg.Limits.WriteTimeout,
		IdleTimeout:       cfg.Limits.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	db := "sqlite " + cfg.SQLitePath()
	if cfg.IsPostgres() {
		db = "postgres"
	}
	rememberBaseURL(logger, e, cfg, ln.Addr())
	logger.Info("kalends listening", "addr", "http://"+ln.Addr().String()+"/", "database", db, "version", versionString())
	if ready != nil {
		ready <- ln.Addr().String()
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(limitConnections(ln, cfg.Limits.MaxConnections)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

func newLogger(e *env, cfg *config.Config) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel)))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(e.stderr, opts))
}
