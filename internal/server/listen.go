package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/config"
)

// LoadTLS reads the certificate and key serve presents for HTTPS.
func LoadTLS(c config.TLS) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("tls: certificate %s and key %s: %w", c.CertFile, c.KeyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// metricsServer starts serving /metrics on Config.MetricsAddr (on the
// caller's listener when given). It returns nil when no address is set:
// /metrics then stays on the main listener.
func metricsServer(cfg config.Config, d Deps, h http.Handler) (*http.Server, error) {
	ln := d.MetricsListener
	if ln == nil {
		if cfg.MetricsAddr == "" {
			return nil, nil
		}
		var err error
		if ln, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return nil, fmt.Errorf("metrics: listen on %s: %w", cfg.MetricsAddr, err)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(d.Log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.Log.Error("metrics: serving stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
	d.Log.Info("metrics served on their own address", "addr", ln.Addr().String())
	return srv, nil
}
