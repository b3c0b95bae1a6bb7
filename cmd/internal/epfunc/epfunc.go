// Package epfunc makes one handler function a dispatcher endpoint for all
// seven priorities, in the single or the batch form. Go cannot make
// methods from names, so the seven methods are written here once, for
// both forms (one generic type), instead of in every adapter.
package epfunc

import (
	"context"

	"github.com/harkmq/hark/dispatcher"
)

// Notifications is what an endpoint method takes: one notification (the
// single form) or a batch.
type Notifications interface {
	*dispatcher.Notification | []*dispatcher.Notification
}

// All is an endpoint whose seven priority methods all call the function:
// All[*dispatcher.Notification] implements every dispatcher.XxxEndpoint,
// All[[]*dispatcher.Notification] every dispatcher.XxxBatchEndpoint. Embed
// it next to a dispatcher.Prioritizer to bind only some priorities.
type All[N Notifications] func(ctx context.Context, n N) dispatcher.Result

// Audit calls f.
func (f All[N]) Audit(ctx context.Context, n N) dispatcher.Result { return f(ctx, n) }

// Debug calls f.
func (f All[N]) Debug(ctx context.Context, n N) dispatcher.Result { return f(ctx, n) }

// Info calls f.
func (f All[N]) Info(ctx context.Context, n N) dispatcher.Result { return f(ctx, n) }

// Warn calls f.
func (f All[N]) Warn(ctx context.Context, n N) dispatcher.Result { return f(ctx, n) }

// Error calls f.
func (f All[N]) Error(ctx context.Context, n N) dispatcher.Result { return f(ctx, n) }

// Critical calls f.
func (f All[N]) Critical(ctx context.Context, n N) dispatcher.Result { return f(ctx, n) }

// Sample calls f.
func (f All[N]) Sample(ctx context.Context, n N) dispatcher.Result { return f(ctx, n) }
