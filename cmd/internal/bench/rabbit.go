package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/harkmq/hark/transport"
)

// rabbitTarget is how the bare client reaches the broker of a rabbit://
// URL: its first host, credentials and virtual host, TLS when asked, and
// the oslo options that change how queues are declared.
type rabbitTarget struct {
	uri     amqp.URI
	tls     bool
	durable bool
	quorum  bool
}

func parseRabbitTarget(u *transport.URL) (rabbitTarget, error) {
	t := rabbitTarget{uri: amqp.URI{Scheme: "amqp", Host: "localhost", Port: 5672, Username: "guest", Password: "guest", Vhost: "/"}}
	var err error
	if t.tls, err = u.BoolOption("ssl", u.Scheme == "amqps"); err != nil {
		return t, err
	}
	if t.tls {
		t.uri.Scheme, t.uri.Port = "amqps", 5671
	}
	if t.durable, err = u.BoolOption("amqp_durable_queues", false); err != nil {
		return t, err
	}
	if t.quorum, err = u.BoolOption("rabbit_quorum_queue", false); err != nil {
		return t, err
	}
	if t.quorum {
		t.durable = true
	}
	if len(u.Hosts) > 0 {
		h := u.Hosts[0]
		t.uri.Host = h.Hostname
		if h.Port != 0 {
			t.uri.Port = h.Port
		}
		if h.HasCredentials {
			t.uri.Username, t.uri.Password = h.Username, h.Password
		}
	}
	if u.VirtualHost != "" {
		t.uri.Vhost = u.VirtualHost
	}
	return t, nil
}

func (t rabbitTarget) dial(ctx context.Context) (*amqp.Connection, error) {
	cfg := amqp.Config{
		SASL:      []amqp.Authentication{&amqp.PlainAuth{Username: t.uri.Username, Password: t.uri.Password}},
		Vhost:     t.uri.Vhost,
		Heartbeat: 10 * time.Second,
		Locale:    "en_US",
		Dial: func(network, addr string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	if t.tls {
		cfg.TLSClientConfig = &tls.Config{ServerName: t.uri.Host}
	}
	addr := net.JoinHostPort(t.uri.Host, strconv.Itoa(t.uri.Port))
	conn, err := amqp.DialConfig(t.uri.Scheme+"://"+addr+"/", cfg)
	if err != nil {
		return nil, fmt.Errorf("bench: connect to RabbitMQ at %s: %w", addr, err)
	}
	return conn, nil
}

// rabbitQueue is one queue of a group and the routing keys bound to it.
type rabbitQueue struct {
	name string
	keys []string
}

// rabbitQueues are the queues of group for prios, as oslo and hark
// (transport/rabbit/topology.go) lay them out: a pool is one queue named
// after the pool and bound to "<topic>.<priority>" of every priority; the
// non-pooled group is one queue per priority, named and bound
// "<topic>.<priority>".
func rabbitQueues(n names, group string, prios []transport.Priority) []rabbitQueue {
	var keys []string
	for _, p := range prios {
		keys = append(keys, n.topic+"."+string(p))
	}
	if group != "" {
		return []rabbitQueue{{name: group, keys: keys}}
	}
	qs := make([]rabbitQueue, len(keys))
	for i, k := range keys {
		qs[i] = rabbitQueue{name: k, keys: []string{k}}
	}
	return qs
}

// delete deletes the exchange of n and the queues of groups: for the
// non-pooled group the queues of all seven priorities, whichever were
// declared (deleting a missing queue is no error). A drain or fanout
// never requeues, so hark made no retry queues.
func (t rabbitTarget) delete(ctx context.Context, n names, groups []string) error {
	conn, err := t.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("bench: clean up: %w", err)
	}
	var errs []error
	var queues []string
	for _, g := range groups {
		for _, q := range rabbitQueues(n, g, transport.Priorities()) {
			queues = append(queues, q.name)
		}
	}
	for _, q := range queues {
		if _, err := ch.QueueDelete(q, false, false, false); err != nil {
			errs = append(errs, err)
			if ch, err = conn.Channel(); err != nil {
				break
			}
		}
	}
	if err := ch.ExchangeDelete(n.exchange, false, false); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("bench: clean up exchange %s: %w", n.exchange, err)
	}
	return nil
}

// bareRabbit is the baseline on RabbitMQ: amqp091-go alone, declaring
// what oslo declares, publishing with confirms, and consuming with
// basic.qos at the same prefetch, decoding each body with encoding/json
// (recv) and acknowledging each delivery (basic.ack, one tag), one
// goroutine per queue: the loop a Go developer writes first. Its queues
// are hark's for the same group and priorities (rabbitQueues).
type bareRabbit struct {
	t        rabbitTarget
	n        names
	recv     receiveFunc
	prios    []transport.Priority
	prefetch int
	conn     *amqp.Connection
	groups   []string

	mu   sync.Mutex
	pubs []*amqp.Channel // idle confirm channels
}

func openBareRabbit(ctx context.Context, cfg *Config, t rabbitTarget, n names, recv receiveFunc) (*bareRabbit, error) {
	conn, err := t.dial(ctx)
	if err != nil {
		return nil, err
	}
	return &bareRabbit{t: t, n: n, recv: recv, prios: cfg.priorities(), prefetch: cfg.Prefetch, conn: conn}, nil
}

func (b *bareRabbit) prepare(_ context.Context, groups []string) error {
	ch, err := b.conn.Channel()
	if err != nil {
		return fmt.Errorf("bench: open a channel: %w", err)
	}
	defer ch.Close()
	if err := ch.ExchangeDeclare(b.n.exchange, amqp.ExchangeTopic, b.t.durable, false, false, false, nil); err != nil {
		return fmt.Errorf("bench: declare exchange %s: %w", b.n.exchange, err)
	}
	var args amqp.Table
	if b.t.quorum {
		args = amqp.Table{amqp.QueueTypeArg: amqp.QueueTypeQuorum}
	}
	for _, g := range groups {
		for _, q := range rabbitQueues(b.n, g, b.prios) {
			if _, err := ch.QueueDeclare(q.name, b.t.durable, false, false, false, args); err != nil {
				return fmt.Errorf("bench: declare queue %s: %w", q.name, err)
			}
			for _, k := range q.keys {
				if err := ch.QueueBind(q.name, k, b.n.exchange, false, nil); err != nil {
					return fmt.Errorf("bench: bind queue %s: %w", q.name, err)
				}
			}
		}
	}
	b.groups = groups
	return nil
}

func (b *bareRabbit) send(ctx context.Context, p transport.Priority, msg transport.Message) error {
	b.mu.Lock()
	var ch *amqp.Channel
	if n := len(b.pubs); n > 0 {
		ch, b.pubs = b.pubs[n-1], b.pubs[:n-1]
	}
	b.mu.Unlock()
	if ch == nil {
		var err error
		if ch, err = b.conn.Channel(); err != nil {
			return fmt.Errorf("bench: open a channel: %w", err)
		}
		if err := ch.Confirm(false); err != nil {
			return fmt.Errorf("bench: confirm mode: %w", err)
		}
	}
	conf, err := ch.PublishWithDeferredConfirmWithContext(ctx, b.n.exchange, b.n.topic+"."+string(p), false, false, amqp.Publishing{
		ContentType: "application/json", ContentEncoding: "utf-8", DeliveryMode: amqp.Persistent, Body: msg.Body,
	})
	if err != nil {
		return fmt.Errorf("bench: publish: %w", err)
	}
	ok, err := conf.WaitContext(ctx)
	if err != nil {
		return fmt.Errorf("bench: publish: %w", err)
	}
	if !ok {
		return errors.New("bench: publish: the broker nacked the message")
	}
	b.mu.Lock()
	b.pubs = append(b.pubs, ch)
	b.mu.Unlock()
	return nil
}

func (b *bareRabbit) consume(_ context.Context, groups []string, t *tally) (func(context.Context) error, error) {
	ch, err := b.conn.Channel()
	if err != nil {
		return nil, fmt.Errorf("bench: open a channel: %w", err)
	}
	var queues []rabbitQueue
	for _, g := range groups {
		queues = append(queues, rabbitQueues(b.n, g, b.prios)...)
	}
	// The same bound as hark's listener (transport/rabbit/session.go):
	// when one group has several queues (the non-pooled group of several
	// priorities), a channel-wide prefetch bounds them together, except
	// on quorum queues, which refuse it; the per-consumer prefetch
	// bounds each queue.
	if len(groups) == 1 && len(queues) > 1 && !b.t.quorum {
		if err := ch.Qos(b.prefetch, 0, true); err != nil {
			return nil, fmt.Errorf("bench: qos: %w", err)
		}
	}
	if err := ch.Qos(b.prefetch, 0, false); err != nil {
		return nil, fmt.Errorf("bench: qos: %w", err)
	}
	var wg sync.WaitGroup
	var failed error
	var failOnce sync.Once
	for i, q := range queues {
		ds, err := ch.Consume(q.name, "bench-"+strconv.Itoa(i), false, false, false, false, nil)
		if err != nil {
			_ = ch.Close()
			wg.Wait()
			return nil, fmt.Errorf("bench: consume: %w", err)
		}
		wg.Go(func() {
			for d := range ds {
				sent, err := b.recv(t, d.Body)
				if err == nil {
					err = d.Ack(false)
				}
				if err != nil {
					failOnce.Do(func() { failed = err })
					continue
				}
				t.record(sent)
			}
		})
	}
	return func(context.Context) error {
		err := ch.Close() // ends the delivery channels
		wg.Wait()
		if failed != nil {
			return failed
		}
		if err != nil && !errors.Is(err, amqp.ErrClosed) {
			return err
		}
		return nil
	}, nil
}

func (b *bareRabbit) close(ctx context.Context) error {
	_ = b.conn.Close()
	return b.t.delete(ctx, b.n, b.groups)
}

// rabbitClient names the bare client and its version, doing what.
func rabbitClient(what string) string {
	return "amqp091-go " + moduleVersion("github.com/rabbitmq/amqp091-go") + " " + what
}

// osloURL turns hark's rabbit URL into one oslo.messaging's rabbit
// driver reads the same way: its amqp:// is the AMQP 1.0 driver, and
// amqps:// becomes ?ssl=true.
func osloURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	switch strings.ToLower(scheme) {
	case "amqps":
		sep := "?"
		if strings.Contains(rest, "?") {
			sep = "&"
		}
		return "rabbit://" + rest + sep + "ssl=true"
	case "amqp", "kombu+amqp":
		return "rabbit://" + rest
	}
	return raw
}
