// Package transports opens hark transports by URL for the hark and harkd
// programs, with every driver the programs ship compiled in, and runs the
// embedded NATS server harkd starts when no transport_url is configured.
//
// Importing this package registers the drivers (memory, nats,
// rabbit, kafka); that registration is its only side effect, so programs
// import this package instead of the driver packages one by one and cannot
// drift apart in what URLs they accept.
package transports
