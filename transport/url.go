package transport

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// URL is a parsed TransportURL, with oslo.messaging's parsing rules:
//
//	driver://[user:pass@]host:port[,[user:pass@]host:port]/virtual_host?query
//
// A URL holds passwords in clear (drivers need them to log in) but never
// prints them: String and Redacted replace them with "***".
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
	// (oslo: ?a=1&a=2 -> a="1,2"). As with Python's parse_qs, a key without
	// '=' or with an empty value is dropped. Never nil after ParseURL.
	Query map[string]string
}

// Host is one host of a URL, with its own credentials (oslo does not carry
// credentials over from one host to the next).
type Host struct {
	// Username is the percent-decoded user name ("" when none was given).
	Username string
	// Password is the percent-decoded password ("" when none was given).
	Password string
	// HasCredentials is true when the host had a user-info part ('@').
	HasCredentials bool
	// HasPassword is true when the user-info part had a ':' (oslo: the
	// password is not None), so "u:@h" (empty password) and "u@h" (none)
	// stay distinct.
	HasPassword bool
	// Hostname is the host name or IP address, IPv6 without brackets. It is
	// not percent-decoded (oslo does not decode it either).
	Hostname string
	// Port is 0 when none was given.
	Port int
}

// Addr returns "hostname:port" for dialing, with IPv6 addresses in
// brackets, using defaultPort when the host has none.
func (h Host) Addr(defaultPort int) string {
	p := h.Port
	if p == 0 {
		p = defaultPort
	}
	return net.JoinHostPort(h.Hostname, strconv.Itoa(p))
}

// String returns the host as written in a URL, with the password (if any)
// replaced by "***". Because Host is a Stringer, fmt's %v and %+v of a
// URL value show its hosts redacted too.
func (h Host) String() string {
	var b strings.Builder
	h.appendRedacted(&b)
	return b.String()
}

// GoString is what %#v prints: the fields, with the password replaced by
// "***", so not even a debugging print of a URL shows it.
func (h Host) GoString() string {
	p := ""
	if h.HasPassword {
		p = "***"
	}
	return fmt.Sprintf("transport.Host{Username:%q, Password:%q, HasCredentials:%t, HasPassword:%t, Hostname:%q, Port:%d}",
		h.Username, p, h.HasCredentials, h.HasPassword, h.Hostname, h.Port)
}

func (h Host) appendRedacted(b *strings.Builder) {
	if h.HasCredentials {
		b.WriteString(pyQuote(h.Username, ""))
		if h.HasPassword {
			b.WriteString(":***")
		}
		b.WriteByte('@')
	}
	if strings.Contains(h.Hostname, ":") {
		b.WriteByte('[')
		b.WriteString(h.Hostname)
		b.WriteByte(']')
	} else {
		b.WriteString(h.Hostname)
	}
	if h.Port != 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(h.Port))
	}
}

// urlSyntax is appended to parse errors so the operator sees the expected
// shape without the error ever echoing the (secret-bearing) input.
const urlSyntax = "expected driver://[user:pass@]host:port[,[user:pass@]host:port]/virtual_host?options"

// ParseURL parses s with oslo.messaging's TransportURL rules (spec §4.8):
// the scheme is required and lower-cased; the netloc is split on ',' into
// hosts, each with its own optional credentials (user info is everything
// before the last '@', the password everything after the first ':' of it,
// both percent-decoded); the virtual host is the percent-decoded path after
// the first '/'; the query follows Python's parse_qs with repeated keys
// joined by ','. Errors wrap ErrInvalidURL and never contain a password:
// they quote neither the URL nor the user info.
func ParseURL(s string) (*URL, error) {
	// urllib.parse.urlsplit strips leading C0 controls and spaces and
	// removes tabs and newlines anywhere (WHATWG behaviour); copy that so a
	// URL pasted from a config file parses the same way in both.
	s = strings.TrimLeft(s, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	s = strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(s)

	scheme, rest, ok := splitScheme(s)
	if !ok {
		return nil, fmt.Errorf("%w: No scheme specified (%s)", ErrInvalidURL, urlSyntax)
	}
	u := &URL{Scheme: scheme, Query: map[string]string{}}
	u.Driver, _, _ = strings.Cut(scheme, "+")

	var netloc string
	if strings.HasPrefix(rest, "//") {
		rest = rest[2:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		netloc, rest = rest[:end], rest[end:]
	}
	// The fragment is dropped, as urlsplit(allow_fragments=True) does.
	rest, _, _ = strings.Cut(rest, "#")
	path, query, _ := strings.Cut(rest, "?")

	if strings.HasPrefix(path, "/") {
		u.VirtualHost = pyUnquote(path[1:])
		u.HasVirtualHost = true
	}
	parseQuery(query, u.Query)

	n := 0
	for piece := range strings.SplitSeq(netloc, ",") {
		if piece == "" {
			continue
		}
		n++
		h, err := parseHost(piece)
		if err != nil {
			return nil, fmt.Errorf("%w: host %d: %w", ErrInvalidURL, n, err)
		}
		u.Hosts = append(u.Hosts, h)
	}
	return u, nil
}

// splitScheme splits "scheme:rest" as urlsplit does: the scheme is the text
// before the first ':', must start with an ASCII letter and contain only
// letters, digits, '+', '-' and '.'.
func splitScheme(s string) (scheme, rest string, ok bool) {
	i := strings.IndexByte(s, ':')
	if i <= 0 || !isASCIILetter(s[0]) {
		return "", "", false
	}
	for j := 0; j < i; j++ {
		c := s[j]
		if !isASCIILetter(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.' {
			return "", "", false
		}
	}
	return strings.ToLower(s[:i]), s[i+1:], true
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// parseHost parses one comma-separated piece of the netloc. Its errors name
// the host name only: the piece may hold a password.
func parseHost(piece string) (Host, error) {
	var h Host
	hostport := piece
	if at := strings.LastIndexByte(piece, '@'); at >= 0 {
		userinfo := piece[:at]
		hostport = piece[at+1:]
		h.HasCredentials = true
		user, pass, hasPass := strings.Cut(userinfo, ":")
		h.Username = pyUnquote(user)
		if hasPass {
			h.Password = pyUnquote(pass)
			h.HasPassword = true
		}
	}

	var portText string
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return Host{}, fmt.Errorf("invalid IPv6 address: no closing ']' (%s)", urlSyntax)
		}
		h.Hostname = hostport[1:end]
		after := hostport[end+1:]
		if after != "" && after[0] != ':' {
			return Host{}, fmt.Errorf("unexpected text after IPv6 address [%s] (want [addr]:port)", h.Hostname)
		}
		if after != "" {
			portText = after[1:]
		}
		if _, err := netip.ParseAddr(h.Hostname); err != nil || !strings.Contains(h.Hostname, ":") {
			return Host{}, fmt.Errorf("invalid IPv6 address [%s]", h.Hostname)
		}
	} else {
		h.Hostname, portText, _ = strings.Cut(hostport, ":")
	}

	if portText != "" {
		p, err := strconv.Atoi(portText)
		if err != nil || p < 0 || p > 65535 || portText[0] == '+' || portText[0] == '-' {
			// The port text is not quoted: when a password holds an
			// unencoded '/', '?' or '#', the "port" is a piece of it.
			return Host{}, fmt.Errorf("%q has a port that is not a number between 0 and 65535 (percent-encode any '/', '?', '#', '@' or ':' in user names and passwords)", h.Hostname)
		}
		h.Port = p
	}
	return h, nil
}

// parseQuery fills q from a query string with urllib.parse.parse_qs's
// defaults: pairs split on '&'; '+' means space; a pair without '=' or with
// an empty value is dropped (keep_blank_values=False); repeated keys are
// joined with ',' (oslo's TransportURL.parse).
func parseQuery(query string, q map[string]string) {
	for pair := range strings.SplitSeq(query, "&") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok || v == "" {
			continue
		}
		k = pyUnquote(strings.ReplaceAll(k, "+", " "))
		v = pyUnquote(strings.ReplaceAll(v, "+", " "))
		if old, dup := q[k]; dup {
			v = old + "," + v
		}
		q[k] = v
	}
}

// pyUnquote is urllib.parse.unquote: "%XX" with two hex digits becomes the
// byte; anything else, including a malformed escape, stays as written. The
// bytes are then read as UTF-8 with invalid sequences replaced by U+FFFD
// (errors="replace").
func pyUnquote(s string) string {
	if !strings.Contains(s, "%") && utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return (c | 0x20) - 'a' + 10
}

// pyQuote is urllib.parse.quote(s, safe): every byte except ASCII letters,
// digits, "_.-~" and those in safe is percent-encoded (upper-case hex).
func pyQuote(s, safe string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isASCIILetter(c) || (c >= '0' && c <= '9') || strings.IndexByte("_.-~", c) >= 0 ||
			(c < utf8.RuneSelf && strings.IndexByte(safe, c) >= 0) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// pyQuotePlus is urllib.parse.quote_plus, as urlencode uses it: spaces
// become '+'.
func pyQuotePlus(s string) string {
	if !strings.Contains(s, " ") {
		return pyQuote(s, "")
	}
	return strings.ReplaceAll(pyQuote(s, " "), " ", "+")
}

// secretOption reports whether a query option's value must not be printed:
// its name mentions a password, secret or token. oslo's rabbit options
// carry no such value, but other drivers' (SASL, TLS key passwords) may.
func secretOption(key string) bool {
	k := strings.ToLower(key)
	for _, w := range []string{"password", "passwd", "secret", "token"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// Redacted returns the URL re-serialized with every password replaced by
// "***" (user names are kept): the scheme, the hosts joined by ',', the
// virtual host percent-encoded as oslo's TransportURL.__str__ does ('/'
// kept), and the query sorted by key. Options whose name mentions a
// password, secret or token are shown as "***" too. Parsing the result
// gives back the same URL apart from the redacted values.
func (u *URL) Redacted() string {
	if u == nil {
		return "<nil>"
	}
	var b strings.Builder
	b.WriteString(u.Scheme)
	b.WriteString("://")
	for i, h := range u.Hosts {
		if i > 0 {
			b.WriteByte(',')
		}
		h.appendRedacted(&b)
	}
	if u.HasVirtualHost {
		b.WriteByte('/')
		b.WriteString(pyQuote(u.VirtualHost, "/"))
	}
	keys := make([]string, 0, len(u.Query))
	for k := range u.Query {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(pyQuotePlus(k))
		b.WriteByte('=')
		if secretOption(k) {
			b.WriteString("***")
		} else {
			b.WriteString(pyQuotePlus(u.Query[k]))
		}
	}
	return b.String()
}

// String is Redacted: a URL never prints its passwords.
func (u *URL) String() string { return u.Redacted() }
