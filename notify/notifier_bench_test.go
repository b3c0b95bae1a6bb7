package notify_test

import (
	"testing"

	"github.com/harkmq/hark/notify"
)

// BenchmarkNotifierInfo measures one Notifier call through the default
// messagingv2 driver (encode and send on a memory transport that has no
// listener, so the broker drops the message) and through the log, noop
// and test drivers.
func BenchmarkNotifierInfo(b *testing.B) {
	payload := map[string]any{"instance_id": "i-1", "state": "active", "memory_mb": 2048}
	nctx := notify.Context{"request_id": "req-1"}
	for _, driver := range []string{notify.DriverMessagingV2, notify.DriverLog, notify.DriverNoop} {
		b.Run(driver, func(b *testing.B) {
			n, err := notify.NewNotifier(newTransport(b), notify.WithPublisherID("compute.host1"), notify.WithDriverNames(driver))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := n.Info(b.Context(), nctx, "compute.instance.update", payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
