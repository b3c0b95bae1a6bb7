// Package transporttest is the conformance suite every hark transport
// driver runs, in the style of watermill's universal pub/sub tests: a
// driver's test calls Run with a constructor and the capabilities it
// claims, and the suite checks the transport contract (delivery, requeue
// and its count, delayed requeue, leases, max deliveries and dead letters,
// pools, backlog, routing, prefetch, lifecycle, concurrency, ordering).
// Tests of a capability the driver lacks are skipped, naming it.
//
//	func TestConformance(t *testing.T) {
//		b := memory.NewBroker()
//		t.Cleanup(func() { _ = b.Close() })
//		transporttest.Run(t, transporttest.Config{
//			NewTransport: func(t *testing.T) transport.Transport { ... b.Transport() ... },
//			Capabilities: transport.Capabilities{Requeue: true, ...},
//		})
//	}
//
// Every test uses its own exchange, topics and pools, so tests run in
// parallel on one broker. Waits for an expected event are bounded by
// Config.Timeout and never assert a tight timing; checks that something
// did not happen wait Config.Quiet.
//
// The package also exports the helpers the suite is built from (SendN,
// Next, Collect, AssertNoDelivery, UniqueName), for other tests to reuse.
package transporttest
