package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// osloPython returns the CPython that has oslo.messaging, or skips.
func osloPython(t *testing.T) string {
	t.Helper()
	if os.Getenv("HARK_TEST_OSLO") != "1" {
		t.Skip("set HARK_TEST_OSLO=1 to compare with the real oslo.messaging (Debian python3-oslo.messaging, /usr/bin/python3)")
	}
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skipf("%s not found: %v", py, err)
	}
	return py
}

// hark notify sends the body oslo's notifier sends for the same inputs,
// byte for byte: the context's keys in the order given (oslo keeps its
// dict's order), NaN and Infinity written as json.dumps writes them. oslo
// runs for real (its Notifier, messaging drivers and rabbit driver, kombu's
// serializer), only the broker connection replaced by a recorder and its
// ids and clock fixed to the ones hark drew.
func TestNotify_bodyIsOslos(t *testing.T) {
	py := osloPython(t)
	// Keys oslo's notifier keeps (it drops the rest of a context), in an
	// order that is not sorted.
	const reqCtxt = `{"user_id": "u1", "request_id": "req-1", "project_id": "p1", "roles": ["admin", "reader"], "is_admin": false, "global_request_id": null, "domain_id": NaN}`
	const payload = `{"state": "active", "cpu": NaN, "limits": [Infinity, -Infinity, 1.5], "nested": {"z": 1, "a": "\u00e9"}}`
	for _, driver := range []string{"messagingv2", "messaging"} {
		t.Run(driver, func(t *testing.T) {
			url, tr := memURL(t)
			ctx := testutil.Within(t, 10*time.Second)
			r := hark(t, ctx, "", "notify", "--url", url, "--driver", driver,
				"--priority", "warn", "--event-type", "compute.instance.update", "--publisher-id", "compute.host1",
				"--payload", payload, "--context", reqCtxt)
			require.Equal(t, exitOK, r.code, r.err)

			l, err := tr.Listen(ctx, transport.ListenConfig{Targets: []target.Target{{Topic: "notifications"}}, Priorities: []transport.Priority{transport.Warn}})
			require.NoError(t, err)
			defer l.Close()
			oms, msgs := receive(t, l, 1)
			om := oms[0]

			spec, err := json.Marshal(map[string]string{
				"message_id": om.MessageID, "unique_id": om.UniqueID, "timestamp": om.Timestamp,
				"publisher_id": "compute.host1", "event_type": "compute.instance.update", "priority": "warn",
				"driver": driver, "context": reqCtxt, "payload": payload,
			})
			require.NoError(t, err)
			out, err := exec.Command(py, "testdata/oslo_notify_body.py", string(spec)).Output()
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("oslo notifier failed: %v\n%s", err, ee.Stderr)
			}
			require.NoError(t, err)
			assert.Equal(t, string(out), string(msgs[0].Body))
		})
	}
}
