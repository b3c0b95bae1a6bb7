// Package driverkit holds the mechanisms every transport driver's
// transport, listener and deliveries share, so that a driver (memory,
// NATS core and JetStream, RabbitMQ, and the next one) writes only what
// its broker makes different:
//
//   - State, a delivery's settle-once state machine: a delivery is
//     acknowledged, requeued or dead-lettered at most once, and a later
//     settle returns an error wrapping transport.ErrAlreadySettled,
//     ErrLeaseExpired or ErrClosed, by what became of it;
//   - Handoff, the buffer between a listener's intake and the goroutines
//     calling Next, with its wake-up and its close for Stop;
//   - Wake, the one-slot wake-up of a Next waiting for a listener that
//     hands deliveries over one at a time;
//   - Listeners, a transport's set of open listeners and its closed flag,
//     so that Listen after Close fails and Close closes each listener once;
//   - Driver, the transport.Driver made of a package's ValidateURL and Open.
//
// Locking stays with the driver: a State is guarded by whatever lock
// guards its delivery, and a Handoff by its own lock.
package driverkit
