//go:build ignore

// outageproxy is a TCP proxy that can play a network outage on command:
// docs/bench/send-outage.sh puts it between hark's clients and a broker
// the machine shares, so that only those clients lose the broker.
//
//	go build -o outageproxy docs/bench/outageproxy.go
//	outageproxy -upstream 127.0.0.1:5672 -listen 127.0.0.1:0 -addr-file addr
//
// It forwards every connection made to -listen to -upstream, and writes
// the address it listens on to -addr-file (when given) once it does.
//
//	SIGUSR1  outage: reset every proxied connection (RST to the client and
//	         to the broker) and reset each new one right after accepting it,
//	         until SIGUSR2
//	SIGUSR2  end of the outage: forward new connections again
//	SIGINT, SIGTERM  exit
//
// So clients see what a broker that went away and came back looks like
// from the network (connections reset, reconnects failing, then working);
// the broker itself keeps running, and keeps whatever it held. Events go
// to standard error, one line each. Standard library only.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// proxy holds the live connection pairs and whether an outage is on.
type proxy struct {
	upstream string

	mu       sync.Mutex
	down     bool
	conns    map[*pair]struct{}
	refused  int // connections reset while down, this outage
	accepted int // connections forwarded, in all
}

type pair struct{ client, server net.Conn }

// reset closes c with SO_LINGER 0, which sends RST rather than FIN: the
// peer sees "connection reset by peer", as when the network or the host
// behind it fails.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

func (p *proxy) serve(l net.Listener) error {
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go p.handle(c)
	}
}

func (p *proxy) handle(c net.Conn) {
	p.mu.Lock()
	if p.down {
		p.refused++
		p.mu.Unlock()
		reset(c)
		return
	}
	p.mu.Unlock()
	s, err := net.Dial("tcp", p.upstream)
	if err != nil {
		log.Printf("dial %s: %v", p.upstream, err)
		reset(c)
		return
	}
	pr := &pair{client: c, server: s}
	p.mu.Lock()
	if p.down { // the outage began while dialling
		p.refused++
		p.mu.Unlock()
		reset(c)
		reset(s)
		return
	}
	p.conns[pr] = struct{}{}
	p.accepted++
	p.mu.Unlock()

	var once sync.Once
	done := func() {
		once.Do(func() {
			p.mu.Lock()
			delete(p.conns, pr)
			p.mu.Unlock()
		})
	}
	// Each direction ends its write side when its read side ends, so a
	// clean close passes through as a FIN; a reset ends both.
	var wg sync.WaitGroup
	pipe := func(dst, src net.Conn) {
		defer wg.Done()
		if _, err := io.Copy(dst, src); err != nil {
			reset(dst)
			reset(src)
			return
		}
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}
	wg.Add(2)
	go pipe(s, c)
	go pipe(c, s)
	wg.Wait()
	_ = c.Close()
	_ = s.Close()
	done()
}

// outage starts (down) or ends an outage.
func (p *proxy) outage(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if down == p.down {
		return
	}
	p.down = down
	if !down {
		log.Printf("outage over: forwarding again (%d connections reset during the outage)", p.refused)
		p.refused = 0
		return
	}
	n := len(p.conns)
	for pr := range p.conns {
		reset(pr.client)
		reset(pr.server)
		delete(p.conns, pr)
	}
	log.Printf("outage: reset %d connections; resetting new ones until SIGUSR2", n)
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on (port 0: a free one)")
	upstream := flag.String("upstream", "", "address to forward to, e.g. 127.0.0.1:5672")
	addrFile := flag.String("addr-file", "", "file to write the listening address to, once listening")
	flag.Parse()
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	log.SetPrefix("outageproxy: ")
	if *upstream == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: outageproxy -upstream HOST:PORT [-listen HOST:PORT] [-addr-file FILE]")
		os.Exit(2)
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	if *addrFile != "" {
		// Written whole, then renamed: a reader never sees half of it.
		tmp := *addrFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(l.Addr().String()+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
		if err := os.Rename(tmp, *addrFile); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("forwarding %s to %s", l.Addr(), *upstream)
	p := &proxy{upstream: *upstream, conns: map[*pair]struct{}{}}

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			switch s {
			case syscall.SIGUSR1:
				p.outage(true)
			case syscall.SIGUSR2:
				p.outage(false)
			default:
				p.mu.Lock()
				log.Printf("exiting on %v after forwarding %d connections", s, p.accepted)
				p.mu.Unlock()
				_ = l.Close()
				return
			}
		}
	}()
	if err := p.serve(l); err != nil {
		log.Fatal(err)
	}
}
