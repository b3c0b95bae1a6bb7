package config

import (
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/harkmq/hark/cmd/internal/redact"
	"github.com/harkmq/hark/transport"
)

// secretName matches option and variable names that hold secrets.
var secretName = regexp.MustCompile(`(?i)auth|token|secret|passw|key|cookie|credential|signature`)

// commandArg matches the key path of an exec endpoint's command argument.
var commandArg = regexp.MustCompile(`^endpoints\[\d+\]\.command\[\d+\]$`)

// Secrets returns every secret-bearing value of c, for a redact.Redactor:
//
//   - transport URLs (transport_url and forward endpoints'): each host's
//     password, a user name without a password (NATS reads it as a
//     token), and the values of options named like a secret (?token=);
//   - webhook URLs: the user info, the path and the query (a receiver's
//     URL often is the credential: /hooks/T0/B0/XXXX, ?token=);
//   - every webhook header value, and the credentials after its scheme
//     ("Bearer xyz" gives "xyz" too, which a receiver may echo alone);
//   - webhook signing secrets and every exec env value;
//   - the value of every ${VAR} whose name looks secret (TOKEN, KEY,
//     PASSWORD, ...) wherever it is used, and of every ${VAR} in an exec
//     command's arguments.
//
// Other ${VAR} values are not secrets: they are names and addresses
// (topics, pools, directories) that logs and metric labels must show.
// TLS key and certificate paths are not secrets either: the files are.
func (c *Config) Secrets() []string {
	var out []string
	add := func(vs ...string) {
		for _, v := range vs {
			if v != "" {
				out = append(out, v)
			}
		}
	}
	add(transportURLSecrets(c.TransportURL)...)
	for _, e := range c.Endpoints {
		switch {
		case e.Webhook != nil:
			add(httpURLSecrets(e.Webhook.URL)...)
			for _, v := range e.Webhook.Headers {
				add(v)
				if _, cred, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
					add(strings.TrimSpace(cred))
				}
			}
			add(e.Webhook.Secret)
		case e.Forward != nil:
			add(transportURLSecrets(e.Forward.TransportURL)...)
		case e.Exec != nil:
			for _, v := range e.Exec.Env {
				add(v)
			}
		}
	}
	for _, x := range c.expanded {
		if secretName.MatchString(x.name) || commandArg.MatchString(x.path) {
			add(x.value)
		}
	}
	return out
}

// Redactor returns a redact.Redactor of c's Secrets.
func (c *Config) Redactor() *redact.Redactor { return redact.New(c.Secrets()...) }

func transportURLSecrets(raw string) []string {
	if raw == "" {
		return nil
	}
	u, err := transport.ParseURL(raw)
	if err != nil {
		return []string{raw}
	}
	var out []string
	for _, h := range u.Hosts {
		switch {
		case h.HasPassword:
			out = append(out, h.Password)
		case h.HasCredentials:
			out = append(out, h.Username)
		}
	}
	for k, v := range u.Query {
		if secretName.MatchString(k) {
			out = append(out, v)
		}
	}
	return out
}

func httpURLSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return []string{raw}
	}
	var out []string
	if u.User != nil {
		p, _ := u.User.Password()
		out = append(out, u.User.Username(), p, u.User.String())
	}
	if u.Path != "" && u.Path != "/" {
		out = append(out, u.Path, u.EscapedPath())
	}
	out = append(out, u.RawQuery)
	for _, vs := range u.Query() {
		out = append(out, vs...)
	}
	return out
}

// RedactTransportURL returns a transport URL for printing: passwords,
// tokens (a user name without a password) and secret-named options
// replaced.
func RedactTransportURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := transport.ParseURL(raw)
	if err != nil {
		return Redacted
	}
	for i, h := range u.Hosts {
		if h.HasCredentials && !h.HasPassword {
			u.Hosts[i].Username = Redacted
		}
	}
	for k := range u.Query {
		if secretName.MatchString(k) {
			u.Query[k] = Redacted
		}
	}
	return u.Redacted()
}

// RedactURL returns an http(s) URL for printing: the scheme and host, with
// the user info, the path and every query value replaced by Redacted, so
// "https://u:p@h/hooks/T0/B0/XXXX?token=t&v=2" prints as
// "https://REDACTED@h/REDACTED?token=REDACTED&v=REDACTED". A URL that does
// not parse prints as Redacted.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return Redacted
	}
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	if u.Opaque != "" {
		r.Opaque = Redacted
	}
	if u.User != nil {
		r.User = url.User(Redacted)
	}
	if u.Path != "" && u.Path != "/" {
		r.Path = "/" + Redacted
	}
	if u.RawQuery != "" {
		// The keys stay, for diagnosis, unless one has no value: then it
		// may be the token itself ("?abc123").
		q, err := url.ParseQuery(u.RawQuery)
		bare := err != nil || len(q) == 0
		for k, vs := range q {
			bare = bare || slices.Contains(vs, "")
			q[k] = []string{Redacted}
		}
		r.RawQuery = q.Encode()
		if bare {
			r.RawQuery = Redacted
		}
	}
	return r.String()
}
