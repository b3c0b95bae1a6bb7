package rabbit

import "errors"

// Healthy returns nil while the send connection and every listener's
// connection are up, and otherwise says which is reconnecting and why.
// It does not block.
func (t *Transport) Healthy() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return errPublisherClosed
	}
	ls := make([]*listener, 0, len(t.listeners))
	for l := range t.listeners {
		ls = append(ls, l)
	}
	t.mu.Unlock()
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
