package transports

import (
	"errors"
	"fmt"
	"net"
	"syscall"

	"go.uber.org/zap"

	"github.com/harkmq/hark/transport/nats/embedded"
)

// ErrAddrInUse is wrapped by StartEmbedded's error when the listen address
// is taken (usually by another harkd or NATS server).
var ErrAddrInUse = errors.New("address already in use")

// EmbeddedConfig is where the embedded NATS server listens and keeps its
// data.
type EmbeddedConfig struct {
	// Listen is the TCP address, e.g. DefaultEmbeddedListen; port 0 picks
	// a free one (see Server.ClientURL).
	Listen string
	// StoreDir is the JetStream store directory, created if missing.
	StoreDir string
}

// StartEmbedded starts an embedded NATS server with JetStream as cfg says.
// Its logs go to log at the level of each line (nil: none). When the port
// is taken the error wraps ErrAddrInUse, so callers can tell the user how
// to pick another instead of printing a stack of causes.
func StartEmbedded(cfg EmbeddedConfig, log *zap.Logger) (*embedded.Server, error) {
	if cfg.Listen == "" {
		cfg.Listen = DefaultEmbeddedListen
	}
	if cfg.StoreDir == "" {
		cfg.StoreDir = DefaultStoreDir
	}
	// Probe first: embedded.Start reports a taken port too, but only as
	// text; a typed error lets the caller word its advice.
	l, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("embedded nats: cannot listen on %s: %w", cfg.Listen, ErrAddrInUse)
		}
		return nil, fmt.Errorf("embedded nats: cannot listen on %s: %w", cfg.Listen, err)
	}
	_ = l.Close()
	srv, err := embedded.Start(embedded.Config{Listen: cfg.Listen, StoreDir: cfg.StoreDir, Logger: log})
	if err != nil {
		return nil, err
	}
	return srv, nil
}
