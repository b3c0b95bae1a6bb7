// Package endpoints builds harkd's endpoints (log, file, webhook, forward,
// exec) from config and adapts them to the dispatcher.
//
// Each endpoint is a Handler: it handles one notification (Handle) or the
// notifications of one priority in a batch (HandleBatch) and returns
// notify.Handled, notify.RequeueWith(err) for failures worth retrying
// (the listener's backoff and max deliveries then apply), or
// notify.Reject(err) for notifications that can never succeed (dead
// letter at once).
package endpoints
