package nats_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harkmq/hark/internal/testutil"

	"github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file runs JetStream clusters for the failover tests: three
// nats-servers on loopback routed to each other, each with a store of its
// own, in this process (startCluster) or as separate nats-server
// processes (startProcessCluster, cluster_process_test.go). Both satisfy
// jsCluster, so every failover scenario runs on either.
//
// Every wait below is bounded (clusterWait unless said otherwise) and
// fails the test when the bound passes; everything a cluster starts stops
// at the test's cleanup.

// clusterWait bounds the waits for a cluster to form, elect a leader or
// stop a server. Elections take an election timeout (4-9s in nats-server
// 2.15, not configurable) after a leader is lost abruptly, more when a
// vote splits.
const clusterWait = 30 * time.Second

// clusterName is the cluster name of every test cluster.
const clusterName = "hark-test"

// jsCluster is a running JetStream cluster whose servers a test can kill
// and restart, by name ("n1", "n2", ...).
type jsCluster interface {
	// Kind says how the servers run: "in-process" or "process".
	Kind() string
	// Names lists the servers' names, in order.
	Names() []string
	// URL is a hark nats:// URL naming every server, the servers first
	// lists first, in that order, then the others, with query (without the
	// '?'; "" for none) as its options, e.g.
	// "nats://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3?replicas=3".
	URL(query string, first ...string) string
	// WaitMetaLeader waits until a running server is the JetStream meta
	// leader (and every running server knows one), and returns its name.
	WaitMetaLeader(t testing.TB) string
	// StreamLeader waits until a running server leads stream and returns
	// its name.
	StreamLeader(t testing.TB, stream string) string
	// ConsumerLeader waits until a running server leads the consumer and
	// returns its name.
	ConsumerLeader(t testing.TB, stream, consumer string) string
	// Kill stops the server at once: at return it no longer serves, and
	// its clients' connections and its routes are closed. An in-process
	// server hands the leaderships it holds over as it stops (see
	// testCluster); a process is killed with SIGKILL and hands nothing
	// over.
	Kill(t testing.TB, name string)
	// Restart starts a killed server again with the same name, ports and
	// store, and waits until it accepts connections.
	Restart(t testing.TB, name string)
	// Events returns the servers' log lines kept so far (notices, warnings
	// and errors), in time order.
	Events() []clusterEvent
}

// clusterEvent is a server log line, or another event a test records.
type clusterEvent struct {
	At     time.Time
	Source string // the server's name
	Level  string
	Text   string
}

// eventLog keeps events from several goroutines.
type eventLog struct {
	mu     sync.Mutex
	events []clusterEvent
}

func (l *eventLog) add(source, level, text string) {
	l.mu.Lock()
	l.events = append(l.events, clusterEvent{At: time.Now(), Source: source, Level: level, Text: text})
	l.mu.Unlock()
}

func (l *eventLog) all() []clusterEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := slices.Clone(l.events)
	slices.SortStableFunc(out, func(a, b clusterEvent) int { return a.At.Compare(b.At) })
	return out
}

// serverLogger adapts nats-server's logger to an eventLog: it keeps
// notices, warnings and errors (debug and trace are off).
type serverLogger struct {
	name string
	log  *eventLog
}

func (s serverLogger) Noticef(format string, v ...any) {
	s.log.add(s.name, "INF", fmt.Sprintf(format, v...))
}
func (s serverLogger) Warnf(format string, v ...any) {
	s.log.add(s.name, "WRN", fmt.Sprintf(format, v...))
}
func (s serverLogger) Errorf(format string, v ...any) {
	s.log.add(s.name, "ERR", fmt.Sprintf(format, v...))
}
func (s serverLogger) Fatalf(format string, v ...any) {
	s.log.add(s.name, "FTL", fmt.Sprintf(format, v...))
}
func (s serverLogger) Debugf(string, ...any) {}
func (s serverLogger) Tracef(string, ...any) {}

// freePorts returns n distinct free TCP ports on 127.0.0.1: it listens on
// port 0 n times at once, then closes the listeners. A port can be taken
// by another program before the caller binds it; on loopback, within a
// test, that is rare enough.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	ls := make([]net.Listener, n)
	for i := range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		ls[i] = l
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	for _, l := range ls {
		require.NoError(t, l.Close())
	}
	return ports
}

// clusterNode is one server of a testCluster: its fixed name, ports and
// store, and the running server (nil while killed).
type clusterNode struct {
	name        string
	dir         string
	clientPort  int
	clusterPort int
	routes      []string

	mu  sync.Mutex
	srv *server.Server
}

// testCluster is a JetStream cluster of nats-servers running in this
// process, listening on loopback (clients and routes), each with its own
// store in a temporary directory.
//
// Kill calls Server.Shutdown, which is abrupt for clients and routes but
// lets the server first step down the Raft groups it leads (stream,
// consumer and meta leaders hand over before the server goes), as a
// SIGTERM'd nats-server does; a SIGKILL'd one cannot. The process cluster
// (startProcessCluster) measures a kill -9.
type testCluster struct {
	nodes []*clusterNode
	log   *eventLog
}

var _ jsCluster = (*testCluster)(nil)

// startCluster starts an n-server JetStream cluster in this process
// (servers "n1".."n<n>", cluster clusterName, clients and routes on free
// loopback ports, each routed to all the others) and waits until every
// server accepts connections and the cluster has a meta leader that can
// place a stream on every server (see WaitMetaLeader). The
// servers are shut down at cleanup, before their stores are removed.
func startCluster(t testing.TB, n int) *testCluster {
	t.Helper()
	ports := freePorts(t, 2*n)
	c := &testCluster{log: &eventLog{}}
	for i := range n {
		c.nodes = append(c.nodes, &clusterNode{
			name:        fmt.Sprintf("n%d", i+1),
			dir:         t.TempDir(),
			clientPort:  ports[2*i],
			clusterPort: ports[2*i+1],
		})
	}
	for _, nd := range c.nodes {
		for _, o := range c.nodes {
			if o != nd {
				nd.routes = append(nd.routes, fmt.Sprintf("nats://127.0.0.1:%d", o.clusterPort))
			}
		}
	}
	t.Cleanup(func() { c.shutdownAll(t) })
	// Start them together: each waits for its routes, not for the others.
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, nd := range c.nodes {
		wg.Go(func() { errs[i] = c.start(nd) })
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	c.WaitMetaLeader(t)
	return c
}

// options are a node's server options; a fresh value for every start, as
// nats-server keeps and changes the options it is given.
func (c *testCluster) options(nd *clusterNode) *server.Options {
	return &server.Options{
		ServerName:         nd.name,
		Host:               "127.0.0.1",
		Port:               nd.clientPort,
		JetStream:          true,
		StoreDir:           nd.dir,
		JetStreamMaxMemory: 64 << 20,
		JetStreamMaxStore:  1 << 30,
		Cluster: server.ClusterOpts{
			Name: clusterName,
			Host: "127.0.0.1",
			Port: nd.clusterPort,
		},
		Routes: server.RoutesFromStr(strings.Join(nd.routes, ",")),
		NoSigs: true,
	}
}

// start starts nd and waits until it accepts connections.
func (c *testCluster) start(nd *clusterNode) error {
	ns, err := server.NewServer(c.options(nd))
	if err != nil {
		return fmt.Errorf("%s: %w", nd.name, err)
	}
	ns.SetLoggerV2(serverLogger{name: nd.name, log: c.log}, false, false, false)
	go ns.Start()
	if !ns.ReadyForConnections(clusterWait) {
		ns.Shutdown()
		return fmt.Errorf("%s: not ready for connections within %s", nd.name, clusterWait)
	}
	nd.mu.Lock()
	nd.srv = ns
	nd.mu.Unlock()
	return nil
}

// shutdownAll shuts every running server down, together, and waits up to
// clusterWait for them.
func (c *testCluster) shutdownAll(t testing.TB) {
	done := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		for _, nd := range c.nodes {
			wg.Go(func() {
				if s := nd.server(); s != nil {
					s.Shutdown()
					s.WaitForShutdown()
				}
			})
		}
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(clusterWait):
		t.Errorf("the cluster's servers did not shut down within %s", clusterWait)
	}
}

func (nd *clusterNode) server() *server.Server {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	return nd.srv
}

// Kind reports "in-process".
func (c *testCluster) Kind() string { return "in-process" }

// Names lists the servers' names: "n1", "n2", ...
func (c *testCluster) Names() []string {
	names := make([]string, len(c.nodes))
	for i, nd := range c.nodes {
		names[i] = nd.name
	}
	return names
}

func (c *testCluster) node(t testing.TB, name string) *clusterNode {
	t.Helper()
	for _, nd := range c.nodes {
		if nd.name == name {
			return nd
		}
	}
	require.FailNow(t, "no such server", "%q (servers: %v)", name, c.Names())
	return nil
}

// Server returns the running server called name, or nil while it is
// killed.
func (c *testCluster) Server(t testing.TB, name string) *server.Server {
	return c.node(t, name).server()
}

// Servers returns the running servers.
func (c *testCluster) Servers() []*server.Server {
	var ss []*server.Server
	for _, nd := range c.nodes {
		if s := nd.server(); s != nil {
			ss = append(ss, s)
		}
	}
	return ss
}

// ClientURLs returns the servers' client URLs, in order
// ("nats://127.0.0.1:p").
func (c *testCluster) ClientURLs() []string {
	urls := make([]string, len(c.nodes))
	for i, nd := range c.nodes {
		urls[i] = fmt.Sprintf("nats://127.0.0.1:%d", nd.clientPort)
	}
	return urls
}

// URL: see jsCluster.
func (c *testCluster) URL(query string, first ...string) string {
	hosts := map[string]string{}
	for _, nd := range c.nodes {
		hosts[nd.name] = fmt.Sprintf("127.0.0.1:%d", nd.clientPort)
	}
	return orderedURL(c.Names(), hosts, query, first)
}

// orderedURL builds a nats:// URL of hosts (by server name), the servers
// first names first.
func orderedURL(names []string, hosts map[string]string, query string, first []string) string {
	order := slices.Clone(first)
	for _, n := range names {
		if !slices.Contains(order, n) {
			order = append(order, n)
		}
	}
	list := make([]string, len(order))
	for i, n := range order {
		list[i] = hosts[n]
	}
	u := "nats://" + strings.Join(list, ",")
	if query != "" {
		u += "?" + query
	}
	return u
}

// WaitMetaLeader: see jsCluster. The leader must count every running
// server among the JetStream peers it places streams on
// (Server.JetStreamClusterPeers).
func (c *testCluster) WaitMetaLeader(t testing.TB) string {
	t.Helper()
	var leader string
	require.Eventually(t, func() bool {
		leader = ""
		running := 0
		var peers []string
		for _, nd := range c.nodes {
			s := nd.server()
			if s == nil {
				continue
			}
			running++
			if !s.JetStreamIsCurrent() {
				return false
			}
			if s.JetStreamIsLeader() {
				leader = nd.name
				peers = s.JetStreamClusterPeers()
			}
		}
		return leader != "" && len(peers) == running
	}, clusterWait, 20*time.Millisecond, "a JetStream meta leader, known to every running server, that knows them all")
	return leader
}

// StreamLeader: see jsCluster. It asks each server whether it leads
// (Server.JetStreamIsStreamLeader).
func (c *testCluster) StreamLeader(t testing.TB, stream string) string {
	t.Helper()
	return c.waitLeader(t, "stream "+stream, func(s *server.Server) bool {
		return s.JetStreamIsStreamLeader(s.GlobalAccount().Name, stream)
	})
}

// ConsumerLeader: see jsCluster (Server.JetStreamIsConsumerLeader).
func (c *testCluster) ConsumerLeader(t testing.TB, stream, consumer string) string {
	t.Helper()
	return c.waitLeader(t, "consumer "+stream+" > "+consumer, func(s *server.Server) bool {
		return s.JetStreamIsConsumerLeader(s.GlobalAccount().Name, stream, consumer)
	})
}

func (c *testCluster) waitLeader(t testing.TB, what string, leads func(*server.Server) bool) string {
	t.Helper()
	var leader string
	require.Eventually(t, func() bool {
		for _, nd := range c.nodes {
			if s := nd.server(); s != nil && leads(s) {
				leader = nd.name
				return true
			}
		}
		return false
	}, clusterWait, 10*time.Millisecond, "a leader of %s", what)
	return leader
}

// Kill shuts the server down (Server.Shutdown, see testCluster) and
// waits until it has stopped.
func (c *testCluster) Kill(t testing.TB, name string) {
	t.Helper()
	nd := c.node(t, name)
	nd.mu.Lock()
	s := nd.srv
	nd.srv = nil
	nd.mu.Unlock()
	require.NotNil(t, s, "server %s is not running", name)
	done := make(chan struct{})
	go func() {
		s.Shutdown()
		s.WaitForShutdown()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(clusterWait):
		require.FailNow(t, "server did not shut down", "%s within %s", name, clusterWait)
	}
}

// Restart: see jsCluster.
func (c *testCluster) Restart(t testing.TB, name string) {
	t.Helper()
	nd := c.node(t, name)
	require.Nil(t, nd.server(), "server %s is running", name)
	require.NoError(t, c.start(nd))
}

// Events: see jsCluster.
func (c *testCluster) Events() []clusterEvent { return c.log.all() }

// TestClusterHarness checks the clusters themselves: they form, an R3
// stream and consumer get leaders, a killed leader is replaced (in
// process: at once, as the killed server hands its leaderships over),
// and a killed server restarted on its own store and ports catches up.
func TestClusterHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 3-server clusters")
	}
	t.Run("in-process", func(t *testing.T) {
		c := startCluster(t, 3)
		js := harnessStream(t, c)
		sl := c.StreamLeader(t, "H")
		killed := time.Now()
		c.Kill(t, sl)
		assert.Nil(t, c.Server(t, sl))
		nl := c.StreamLeader(t, "H")
		t.Logf("new stream leader %s %s after the kill", nl, time.Since(killed))
		assert.NotEqual(t, sl, nl)
		harnessRestart(t, c, js, sl)
		// The leader reported it current; the restarted server's own view
		// follows a moment later.
		s := c.Server(t, sl)
		assert.Eventually(t, func() bool { return s.JetStreamIsStreamCurrent(s.GlobalAccount().Name, "H") }, clusterWait, 20*time.Millisecond,
			"%s, restarted, sees itself current", sl)
	})
	t.Run("process", func(t *testing.T) {
		c := startProcessCluster(t, 3)
		js := harnessStream(t, c)
		// A follower, so that no election is waited for.
		sl, meta := c.StreamLeader(t, "H"), c.WaitMetaLeader(t)
		for _, n := range c.Names() {
			if n != sl && n != meta {
				c.Kill(t, n)
				harnessRestart(t, c, js, n)
				break
			}
		}
	})
}

// harnessStream makes the R3 stream "H" with a consumer "c" on c and
// checks that both get a leader.
func harnessStream(t *testing.T, c jsCluster) jetstream.JetStream {
	t.Helper()
	start := time.Now()
	t.Logf("%s cluster, meta leader %s", c.Kind(), c.WaitMetaLeader(t))
	_, js := connectAdmin(t, c.URL(""))
	ctx := testutil.Within(t, clusterWait)
	// Each attempt is bounded and repeated: on a loaded machine a cluster
	// that just elected its meta leader can let a create time out while
	// the peers catch up. Creating the same stream or consumer again is
	// a no-op once one attempt got through.
	var lastErr error
	created := assert.Eventually(t, func() bool {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, lastErr = js.CreateStream(actx, jetstream.StreamConfig{Name: "H", Subjects: []string{"h.>"}, Replicas: 3}); lastErr != nil {
			return false
		}
		_, lastErr = js.CreateConsumer(actx, "H", jetstream.ConsumerConfig{Durable: "c", AckPolicy: jetstream.AckExplicitPolicy})
		return lastErr == nil
	}, clusterWait, 100*time.Millisecond, "create the R3 stream H and its consumer")
	if !created {
		require.NoError(t, lastErr, "the last attempt")
		t.FailNow()
	}
	t.Logf("stream leader %s, consumer leader %s (%s after the start)", c.StreamLeader(t, "H"), c.ConsumerLeader(t, "H", "c"), time.Since(start))
	return js
}

// harnessRestart publishes to "H" while name is down, restarts it, and
// waits until stream info reports its replica current.
func harnessRestart(t *testing.T, c jsCluster, js jetstream.JetStream, name string) {
	t.Helper()
	ctx := testutil.Within(t, clusterWait)
	// Each attempt is bounded: a publish sent as a leader went away gets
	// no ack at all, and is sent again (the same message ID is stored once).
	require.Eventually(t, func() bool {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_, err := js.Publish(pctx, "h.x", []byte("while "+name+" is down"), jetstream.WithMsgID("harness-"+name))
		return err == nil
	}, clusterWait, 50*time.Millisecond, "publish while %s is down", name)
	c.Restart(t, name)
	require.Eventually(t, func() bool {
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		s, err := js.Stream(qctx, "H")
		if err != nil || s.CachedInfo().Cluster == nil {
			return false
		}
		for _, r := range s.CachedInfo().Cluster.Replicas {
			if r.Name == name {
				return r.Current && !r.Offline
			}
		}
		return false
	}, clusterWait, 50*time.Millisecond, "%s, restarted, is a current replica of the stream", name)
}

// --- JetStream API helpers, for clusters of either kind ---

// connectAdmin opens a plain nats.go connection to url (a cluster URL,
// its hosts tried in order), reconnecting forever, closed at cleanup. The
// tests use it for what they ask the JetStream API, never for hark's
// traffic.
func connectAdmin(t testing.TB, url string) (*natsgo.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := natsgo.Connect(url, natsgo.Name("hark-test-admin"), natsgo.DontRandomize(),
		natsgo.MaxReconnects(-1), natsgo.ReconnectWait(100*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return nc, js
}

// onlyConsumer returns the name of the one consumer of stream.
func onlyConsumer(t testing.TB, js jetstream.JetStream, stream string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), clusterWait)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	require.NoError(t, err)
	names := s.ConsumerNames(ctx)
	var all []string
	for n := range names.Name() {
		all = append(all, n)
	}
	require.NoError(t, names.Err())
	require.Len(t, all, 1, "consumers of %s", stream)
	return all[0]
}

// stepDownRequest is the body of $JS.API.{STREAM,CONSUMER}.LEADER.STEPDOWN:
// a preferred new leader (nats-server 2.11 and later).
type stepDownRequest struct {
	Placement struct {
		Preferred string `json:"preferred"`
	} `json:"placement"`
}

// moveLeader makes server to the leader of a Raft group (the stream, or
// the consumer when consumer is not "") by asking the current leader to
// step down in its favour, and waits until it leads; leader reports who
// leads now (waiting for one). It retries a refused or lost step-down
// until clusterWait has passed.
func moveLeader(t testing.TB, nc *natsgo.Conn, stream, consumer, to string, leader func() string) {
	t.Helper()
	subj := "$JS.API.STREAM.LEADER.STEPDOWN." + stream
	if consumer != "" {
		subj = "$JS.API.CONSUMER.LEADER.STEPDOWN." + stream + "." + consumer
	}
	var req stepDownRequest
	req.Placement.Preferred = to
	body, err := json.Marshal(req)
	require.NoError(t, err)
	deadline := time.Now().Add(clusterWait)
	for {
		cur := leader()
		if cur == to {
			return
		}
		require.True(t, time.Now().Before(deadline), "%s still leads %s, not %s, after %s", cur, subj, to, clusterWait)
		resp, err := nc.Request(subj, body, 5*time.Second)
		var ans struct {
			Error *struct {
				Description string `json:"description"`
			} `json:"error"`
		}
		if err == nil && json.Unmarshal(resp.Data, &ans) == nil && ans.Error != nil {
			err = errors.New(ans.Error.Description)
		}
		if err != nil {
			t.Logf("step down %s in favour of %s: %v; retrying", subj, to, err)
			time.Sleep(200 * time.Millisecond)
			continue
		}
		// Give the election a moment before asking who won.
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if leader() == to {
				return
			}
		}
	}
}
