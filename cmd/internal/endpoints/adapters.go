package endpoints

import (
	"context"

	"github.com/harkmq/hark/dispatcher"
)

// singleEndpoint is an adapter in the single-notification form. It has all
// seven priority methods; Priorities (from adapter) limits the binding.
type singleEndpoint struct{ *adapter }

// batchEndpoint is an adapter in the batch form.
type batchEndpoint struct{ *adapter }

// Audit handles audit notifications.
func (a singleEndpoint) Audit(ctx context.Context, n *dispatcher.Notification) dispatcher.Result {
	return a.handle(ctx, n)
}

// Debug handles debug notifications.
func (a singleEndpoint) Debug(ctx context.Context, n *dispatcher.Notification) dispatcher.Result {
	return a.handle(ctx, n)
}

// Info handles info notifications.
func (a singleEndpoint) Info(ctx context.Context, n *dispatcher.Notification) dispatcher.Result {
	return a.handle(ctx, n)
}

// Warn handles warn notifications.
func (a singleEndpoint) Warn(ctx context.Context, n *dispatcher.Notification) dispatcher.Result {
	return a.handle(ctx, n)
}

// Error handles error notifications.
func (a singleEndpoint) Error(ctx context.Context, n *dispatcher.Notification) dispatcher.Result {
	return a.handle(ctx, n)
}

// Critical handles critical notifications.
func (a singleEndpoint) Critical(ctx context.Context, n *dispatcher.Notification) dispatcher.Result {
	return a.handle(ctx, n)
}

// Sample handles sample notifications.
func (a singleEndpoint) Sample(ctx context.Context, n *dispatcher.Notification) dispatcher.Result {
	return a.handle(ctx, n)
}

// Audit handles batches of audit notifications.
func (a batchEndpoint) Audit(ctx context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	return a.handleBatch(ctx, ns)
}

// Debug handles batches of debug notifications.
func (a batchEndpoint) Debug(ctx context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	return a.handleBatch(ctx, ns)
}

// Info handles batches of info notifications.
func (a batchEndpoint) Info(ctx context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	return a.handleBatch(ctx, ns)
}

// Warn handles batches of warn notifications.
func (a batchEndpoint) Warn(ctx context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	return a.handleBatch(ctx, ns)
}

// Error handles batches of error notifications.
func (a batchEndpoint) Error(ctx context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	return a.handleBatch(ctx, ns)
}

// Critical handles batches of critical notifications.
func (a batchEndpoint) Critical(ctx context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	return a.handleBatch(ctx, ns)
}

// Sample handles batches of sample notifications.
func (a batchEndpoint) Sample(ctx context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	return a.handleBatch(ctx, ns)
}
