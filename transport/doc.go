// Package transport is hark's broker abstraction: a Transport sends
// notifications and opens Listeners; a Listener hands out Deliveries; a
// Delivery is settled exactly once (acknowledged, requeued, or
// dead-lettered) and may have its lease extended.
//
// Drivers register under URL schemes (database/sql style) and are chosen by
// Open from a TransportURL with oslo.messaging's syntax:
//
//	driver://[user:pass@]host:port[,[user:pass@]host:port]/virtual_host?options
//
// ValidateURL checks such a URL without connecting, with the same code
// the driver's Open uses.
//
// The package also holds the dead-letter record format every driver
// writes (DeadLetter). The oslo.messaging wire format that notifications
// take inside a Message (v1 and v2 envelopes, _context_ flattening, kombu
// compression, Python-compatible JSON) is package transport/oslo; a driver
// moves bodies as they are and does not need it.
package transport
