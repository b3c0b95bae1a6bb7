package transport

// URL is a parsed TransportURL, with oslo.messaging's parsing rules:
//
//	driver://[user:pass@]host:port[,[user:pass@]host:port]/virtual_host?query
type URL struct {
	// Scheme is the scheme as written, lower-cased ("rabbit", "kombu+amqp").
	Scheme string
	// Driver is the scheme up to the first '+' ("kombu+amqp" -> "kombu").
	Driver string
	// Hosts in the order written; empty pieces between commas are skipped.
	Hosts []Host
	// VirtualHost is the percent-decoded path after the first '/'.
	// HasVirtualHost distinguishes "rabbit://h" (none) from "rabbit://h/"
	// (empty).
	VirtualHost    string
	HasVirtualHost bool
	// Query holds the options; a repeated key's values are joined with ','
	// (oslo: ?a=1&a=2 -> a="1,2").
	Query map[string]string
}

// Host is one host of a URL, with its own credentials (oslo does not carry
// credentials over from one host to the next).
type Host struct {
	Username string
	Password string
	// HasCredentials is true when the host had a user-info part ('@').
	HasCredentials bool
	Hostname       string
	// Port is 0 when none was given.
	Port int
}

// ParseURL parses s with oslo.messaging's TransportURL rules. Errors wrap
// ErrInvalidURL and never contain a password.
func ParseURL(s string) (*URL, error) { panic("not implemented") }

// Redacted returns the URL with every password replaced by "***".
func (u *URL) Redacted() string { panic("not implemented") }

// String is Redacted: a URL never prints its passwords.
func (u *URL) String() string { return u.Redacted() }
