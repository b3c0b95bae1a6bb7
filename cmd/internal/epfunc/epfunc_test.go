package epfunc

import (
	"context"
	"testing"

	"github.com/harkmq/hark/dispatcher"
)

// Both forms implement all seven interfaces of their form, and every
// method calls the function with what it was given.
func TestAllImplementsEveryPriority(t *testing.T) {
	var got []*dispatcher.Notification
	single := All[*dispatcher.Notification](func(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
		got = append(got, n)
		return dispatcher.Requeue
	})
	n := &dispatcher.Notification{}
	for name, m := range map[string]func(context.Context, *dispatcher.Notification) dispatcher.Result{
		"Audit":    dispatcher.AuditEndpoint(single).Audit,
		"Debug":    dispatcher.DebugEndpoint(single).Debug,
		"Info":     dispatcher.InfoEndpoint(single).Info,
		"Warn":     dispatcher.WarnEndpoint(single).Warn,
		"Error":    dispatcher.ErrorEndpoint(single).Error,
		"Critical": dispatcher.CriticalEndpoint(single).Critical,
		"Sample":   dispatcher.SampleEndpoint(single).Sample,
	} {
		got = nil
		if r := m(t.Context(), n); r != dispatcher.Requeue || len(got) != 1 || got[0] != n {
			t.Errorf("%s: result %v, calls %v; want Requeue and one call with n", name, r, got)
		}
	}

	var batches int
	batch := All[[]*dispatcher.Notification](func(_ context.Context, ns []*dispatcher.Notification) dispatcher.Result {
		batches += len(ns)
		return dispatcher.Handled
	})
	ns := []*dispatcher.Notification{n, n}
	for name, m := range map[string]func(context.Context, []*dispatcher.Notification) dispatcher.Result{
		"Audit":    dispatcher.AuditBatchEndpoint(batch).Audit,
		"Debug":    dispatcher.DebugBatchEndpoint(batch).Debug,
		"Info":     dispatcher.InfoBatchEndpoint(batch).Info,
		"Warn":     dispatcher.WarnBatchEndpoint(batch).Warn,
		"Error":    dispatcher.ErrorBatchEndpoint(batch).Error,
		"Critical": dispatcher.CriticalBatchEndpoint(batch).Critical,
		"Sample":   dispatcher.SampleBatchEndpoint(batch).Sample,
	} {
		batches = 0
		if r := m(t.Context(), ns); r != dispatcher.Handled || batches != 2 {
			t.Errorf("%s: result %v, notifications %d; want Handled and 2", name, r, batches)
		}
	}
}
