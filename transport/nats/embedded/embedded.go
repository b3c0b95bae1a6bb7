// Package embedded runs a NATS server with JetStream inside the current
// process, for harkd's zero-configuration mode and for tests.
//
// The server never installs signal handlers (the host program owns
// SIGINT/SIGTERM/SIGHUP), logs through zap, keeps JetStream data in the
// configured store directory, and either listens on a TCP address or not at
// all; in-process clients connect through InProcessConn, which works in
// both cases:
//
//	srv, err := embedded.Start(embedded.Config{StoreDir: dir})            // no listener
//	nc, err := natsgo.Connect("", srv.ConnectOption())                    // in-process
//
//	srv, err := embedded.Start(embedded.Config{Listen: "127.0.0.1:4222", StoreDir: dir})
//	tr, err := transport.Open(ctx, srv.ClientURL())                         // over TCP
package embedded

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
	"go.uber.org/zap"
)

// Defaults of Config's zero fields.
const (
	// DefaultServerName names the server in logs and JetStream metadata.
	DefaultServerName = "hark-embedded"
	// DefaultReadyTimeout bounds how long Start waits for the server to
	// accept connections (JetStream recovers its store before that).
	DefaultReadyTimeout = 30 * time.Second
)

// Config configures an embedded server.
type Config struct {
	// Listen is the TCP address clients connect to, e.g. "127.0.0.1:4222";
	// port 0 picks a free port (see ClientURL). Empty means no listener:
	// only in-process connections (ConnectOption) reach the server, which
	// is what tests want.
	Listen string
	// StoreDir is where JetStream keeps streams and consumers. Required:
	// the nats-server default is a directory shared by every process on the
	// machine (os.TempDir()/nats/jetstream). It is created if missing.
	StoreDir string
	// ServerName names the server. Default DefaultServerName.
	ServerName string
	// MaxMemory and MaxStore cap JetStream's memory and file storage in
	// bytes; 0 lets nats-server pick (75% of RAM, 1 TB or the free disk).
	MaxMemory int64
	MaxStore  int64
	// Logger receives the server's log lines (notices at Info, warnings
	// at Warn, errors and fatal errors at Error, debug and trace at Debug).
	// Nil means no logging.
	Logger *zap.Logger
	// Debug and Trace turn on nats-server's debug and protocol-trace logs.
	Debug, Trace bool
	// ReadyTimeout bounds the wait for the server to be ready. Default
	// DefaultReadyTimeout.
	ReadyTimeout time.Duration
}

// Server is a running embedded NATS server.
type Server struct {
	ns  *server.Server
	log *zapLogger
	url string
}

// Start starts a server as cfg says and waits until it accepts
// connections and JetStream is ready. A port that is already taken is
// reported at once, as an error naming the address.
func Start(cfg Config) (*Server, error) {
	if cfg.StoreDir == "" {
		return nil, errors.New("embedded nats: a JetStream store directory is required (Config.StoreDir)")
	}
	if err := os.MkdirAll(cfg.StoreDir, 0o750); err != nil {
		return nil, fmt.Errorf("embedded nats: store directory: %w", err)
	}
	if cfg.ServerName == "" {
		cfg.ServerName = DefaultServerName
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = DefaultReadyTimeout
	}
	opts := &server.Options{
		ServerName:         cfg.ServerName,
		JetStream:          true,
		StoreDir:           cfg.StoreDir,
		JetStreamMaxMemory: cfg.MaxMemory,
		JetStreamMaxStore:  cfg.MaxStore,
		// The host program owns the process's signals.
		NoSigs: true,
		NoLog:  cfg.Logger == nil,
		Debug:  cfg.Debug,
		Trace:  cfg.Trace,
	}
	if cfg.Listen == "" {
		opts.DontListen = true
	} else {
		host, port, err := splitListen(cfg.Listen)
		if err != nil {
			return nil, err
		}
		opts.Host, opts.Port = host, port
		if port != 0 {
			// nats-server reports a taken port only through its logger,
			// after Start; check first for a clear, immediate error.
			if err := checkFree(cfg.Listen); err != nil {
				return nil, err
			}
		} else {
			opts.Port = server.RANDOM_PORT
		}
	}

	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	zl := newZapLogger(cfg.Logger)
	ns.SetLoggerV2(zl, cfg.Debug, cfg.Trace, false)
	go ns.Start()
	if !ns.ReadyForConnections(cfg.ReadyTimeout) {
		ns.Shutdown()
		ns.WaitForShutdown()
		if err := zl.fatal(); err != nil {
			return nil, fmt.Errorf("embedded nats: %w", err)
		}
		return nil, fmt.Errorf("embedded nats: not ready for connections within %s", cfg.ReadyTimeout)
	}
	if !ns.JetStreamEnabled() {
		ns.Shutdown()
		ns.WaitForShutdown()
		return nil, fmt.Errorf("embedded nats: JetStream did not start (store %s)", cfg.StoreDir)
	}
	s := &Server{ns: ns, log: zl}
	if !opts.DontListen {
		s.url = ns.ClientURL()
	}
	return s, nil
}

func splitListen(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("embedded nats: listen address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("embedded nats: listen address %q: the port is not a number between 0 and 65535", addr)
	}
	if host == "" {
		host = "0.0.0.0"
	}
	return host, port, nil
}

func checkFree(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("embedded nats: cannot listen on %s (is another NATS server or harkd running?): %w", addr, err)
	}
	return l.Close()
}

// ClientURL is the URL TCP clients connect to ("nats://127.0.0.1:4222"),
// or "" when the server does not listen.
func (s *Server) ClientURL() string { return s.url }

// ConnectOption makes a nats.go connection use an in-process pipe to this
// server instead of dialing; it works whether or not the server listens.
// Pass any URL (or none) to nats.Connect along with it. Reconnects go to
// this same server value, so a connection made this way cannot follow a
// restarted server; use ClientURL for that.
func (s *Server) ConnectOption() natsgo.Option { return natsgo.InProcessServer(s.ns) }

// Connect opens an in-process connection to the server with opts.
func (s *Server) Connect(opts ...natsgo.Option) (*natsgo.Conn, error) {
	return natsgo.Connect("", append([]natsgo.Option{s.ConnectOption()}, opts...)...)
}

// NATS returns the underlying nats-server, for what this package does not
// wrap (monitoring, account info).
func (s *Server) NATS() *server.Server { return s.ns }

// Shutdown stops the server: clients are disconnected and JetStream
// flushes and closes its store, so a server started later on the same
// StoreDir finds every stream, message and consumer. It waits for the
// shutdown to finish or ctx to be done. Idempotent.
func (s *Server) Shutdown(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.ns.Shutdown()
		s.ns.WaitForShutdown()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("embedded nats: shutdown: %w", ctx.Err())
	}
}
