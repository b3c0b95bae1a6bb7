// Package endpoints builds harkd's endpoints (log, file, webhook, forward,
// exec) from config and adapts them to the dispatcher.
//
// Each endpoint is a Handler: it handles one notification (Handle) or the
// notifications of one priority in a batch (HandleBatch) and returns
// dispatcher.Handled, dispatcher.RequeueWith(err) for failures worth retrying
// (the listener's backoff and max deliveries then apply), or
// dispatcher.Reject(err) for notifications that can never succeed (dead
// letter at once).
package endpoints
