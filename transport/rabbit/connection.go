package rabbit

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"

	"github.com/harkmq/hark/transport"
)

// dialer opens AMQP connections to the hosts of a URL, failing over from
// one to the next as kombu_failover_strategy says. Safe for concurrent use.
type dialer struct {
	cfg    *config
	target dialTarget
	log    *zap.Logger

	mu sync.Mutex
	// order is the hosts in the order round-robin tries them; oslo
	// shuffles the list once, so that a fleet of services spreads over a
	// cluster, and so does the dialer.
	order []endpoint
	// current is the index in order of the host that worked last.
	current int
}

func newDialer(cfg *config, t dialTarget) *dialer {
	order := append([]endpoint(nil), t.endpoints...)
	mrand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	return &dialer{cfg: cfg, target: t, log: cfg.log, order: order}
}

// round returns the hosts to try in this round, in order.
func (d *dialer) round() []endpoint {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := len(d.order)
	out := make([]endpoint, n)
	if d.cfg.failover == Shuffle {
		copy(out, d.order)
		mrand.Shuffle(n, func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out
	}
	for i := range n {
		out[i] = d.order[(d.current+i)%n]
	}
	return out
}

func (d *dialer) worked(e endpoint) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, o := range d.order {
		if o == e {
			d.current = i
			return
		}
	}
}

// dial tries every host once, in failover order, and returns the first
// connection that opens. role ("send" or "listen") goes into the
// connection name. The error names every host tried (never a password).
func (d *dialer) dial(ctx context.Context, role string) (*amqp.Connection, endpoint, error) {
	var errs []error
	for _, e := range d.round() {
		if err := ctx.Err(); err != nil {
			return nil, endpoint{}, err
		}
		conn, err := d.dialOne(ctx, e, role)
		if err == nil {
			d.worked(e)
			return conn, e, nil
		}
		d.log.Warn("cannot connect to RabbitMQ", zap.Stringer("host", e), zap.Error(err))
		errs = append(errs, fmt.Errorf("%s: %w", e, err))
	}
	if err := ctx.Err(); err != nil {
		return nil, endpoint{}, err
	}
	return nil, endpoint{}, fmt.Errorf("rabbit: cannot connect: %w", transport.JoinErrors(errs...))
}

// dialOne opens one AMQP connection to e. ctx bounds the TCP connect and
// the TLS and AMQP handshakes, as does the connect timeout.
func (d *dialer) dialOne(ctx context.Context, e endpoint, role string) (*amqp.Connection, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.connectTimeout)
	defer cancel()

	var nd net.Dialer
	var raw net.Conn
	stop := func() bool { return true }
	cfg := amqp.Config{
		SASL:       d.auth(e),
		Vhost:      d.target.vhost,
		Heartbeat:  d.cfg.heartbeat,
		Properties: d.properties(role),
		Locale:     "en_US",
		Dial: func(network, addr string) (net.Conn, error) {
			c, err := nd.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			// amqp091-go clears the deadline once the connection is
			// open; until then it bounds the handshakes, and a
			// cancelled ctx cuts them short.
			deadline, _ := ctx.Deadline()
			_ = c.SetDeadline(deadline)
			stop = context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
			raw = c
			return c, nil
		},
	}
	if d.cfg.tls != nil {
		tc := d.cfg.tls.Clone()
		if tc.ServerName == "" {
			tc.ServerName = e.hostname
		}
		cfg.TLSClientConfig = tc
	}
	scheme := "amqp"
	if d.cfg.tls != nil {
		scheme = "amqps"
	}
	// The URL only carries the address: credentials, vhost and TLS come
	// from cfg, so nothing secret is ever formatted into a string.
	conn, err := amqp.DialConfig(scheme+"://"+e.addr+"/", cfg)
	if !stop() {
		// ctx ended while the handshake finished: the deadline may have
		// been set in the past after amqp091-go cleared it.
		if conn != nil {
			_ = conn.Close()
		} else if raw != nil {
			_ = raw.Close()
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, context.Canceled
	}
	if err != nil {
		if raw != nil {
			_ = raw.Close()
		}
		return nil, refused(err)
	}
	return conn, nil
}

// refused marks a refusal of the credentials (connection.close 403
// ACCESS_REFUSED during the handshake) with transport.ErrCredentialsRefused.
func refused(err error) error {
	var ae *amqp.Error
	if errors.As(err, &ae) && ae.Code == amqp.AccessRefused {
		return fmt.Errorf("%w: %w", transport.ErrCredentialsRefused, err)
	}
	return err
}

// auth returns the SASL mechanism for e, new each time: amqp091-go wipes
// the password of the one it used once the connection is open.
func (d *dialer) auth(e endpoint) []amqp.Authentication {
	switch d.cfg.loginMethod {
	case "PLAIN":
		return []amqp.Authentication{&amqp.PlainAuth{Username: e.username, Password: e.password}}
	case "EXTERNAL":
		return []amqp.Authentication{&amqp.ExternalAuth{}}
	}
	return []amqp.Authentication{&amqp.AMQPlainAuth{Username: e.username, Password: e.password}}
}

// properties are the client properties, with a connection_name in oslo's
// spirit ("<program>:<pid>:<id>") so that an operator can find hark's
// connections in rabbitmqctl list_connections.
func (d *dialer) properties(role string) amqp.Table {
	p := amqp.NewConnectionProperties()
	p["product"] = "hark"
	p["connection_name"] = fmt.Sprintf("%s:%s:%s:%d:%s", d.cfg.connectionName, role,
		filepath.Base(os.Args[0]), os.Getpid(), shortID())
	return p
}

// shortID is 8 random base-36 digits.
func shortID() string {
	n, err := rand.Int(rand.Reader, big.NewInt(36*36*36*36*36*36*36*36))
	if err != nil {
		return "0"
	}
	return n.Text(36)
}

// watchBlocked logs connection.blocked and connection.unblocked (the
// broker's memory or disk alarm), as oslo does at ERROR and INFO, until
// conn closes.
func watchBlocked(conn *amqp.Connection, log *zap.Logger, wg *sync.WaitGroup) {
	blocked := conn.NotifyBlocked(make(chan amqp.Blocking, 4))
	wg.Go(func() {
		for b := range blocked { // amqp091-go closes it when the connection closes
			if b.Active {
				log.Error("the broker has blocked the connection", zap.String("reason", b.Reason))
			} else {
				log.Info("the broker has unblocked the connection")
			}
		}
	})
}
