package rabbit

import "errors"

// Healthy returns nil while the send connection and every listener's
// connection are up, and otherwise says which is reconnecting and why.
// It does not block.
func (t *Transport) Healthy() error {
	ls, closed := t.listeners.Snapshot()
	if closed {
		return errPublisherClosed
	}
	var errs []error
	if err := t.pub.health(); err != nil {
		errs = append(errs, err)
	}
	for _, l := range ls {
		if err := l.health(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
