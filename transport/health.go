package transport

// Health is implemented by transports that can lose their broker (NATS,
// RabbitMQ) so a daemon can answer readiness probes. A transport without
// it (memory) is always healthy.
type Health interface {
	// Healthy returns nil while the transport is connected to its broker,
	// and otherwise an error saying what is wrong (e.g. "reconnecting to
	// 127.0.0.1:4222: connection refused"). It must be cheap and must not
	// block.
	Healthy() error
}

// CheckHealth returns tr's Healthy() when tr implements Health, else nil.
func CheckHealth(tr Transport) error {
	if h, ok := tr.(Health); ok {
		return h.Healthy()
	}
	return nil
}
