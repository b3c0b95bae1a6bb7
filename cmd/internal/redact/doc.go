// Package redact keeps configured secret values out of what harkd writes:
// its logs, dead-letter records, readiness answers and metric labels.
//
// Redaction is by value: the config says which values are secret (a
// password, a header value, an exec environment value), and a Redactor
// replaces every occurrence of them, in the forms they take once printed
// (as written, percent-encoded, JSON- or Go-quoted), with "REDACTED". So a
// secret is hidden wherever it ends up, whatever message or error carries
// it: a URL inside an HTTP client error, a receiver's response body
// echoing an Authorization header, a command's stderr.
package redact
