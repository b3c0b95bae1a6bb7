package config

import (
	"net/url"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/harkmq/hark/transport"
)

// Redacted is what a secret is printed as.
const Redacted = "REDACTED"

// secretName matches header, option and variable names that hold secrets.
var secretName = regexp.MustCompile(`(?i)auth|token|secret|passw|key|cookie|credential|signature`)

// Redacted returns a copy of c with its secrets replaced: passwords in
// transport URLs, webhook secrets, header values and exec environment
// values whose names look secret (Authorization, X-Api-Key, ...), and
// passwords in webhook URLs.
func (c *Config) Redacted() *Config {
	r := *c
	r.TransportURL = redactTransportURL(c.TransportURL)
	r.Endpoints = make([]Endpoint, len(c.Endpoints))
	for i, e := range c.Endpoints {
		switch {
		case e.Webhook != nil:
			w := *e.Webhook
			w.URL = redactURL(w.URL)
			w.Headers = redactMap(w.Headers)
			if w.Secret != "" {
				w.Secret = Redacted
			}
			e.Webhook = &w
		case e.Forward != nil:
			f := *e.Forward
			f.TransportURL = redactTransportURL(f.TransportURL)
			e.Forward = &f
		case e.Exec != nil:
			x := *e.Exec
			x.Env = redactMap(x.Env)
			e.Exec = &x
		}
		r.Endpoints[i] = e
	}
	return &r
}

// YAML returns the config as YAML, secrets redacted: the effective
// configuration, defaults included.
func (c *Config) YAML() string {
	b, err := yaml.Marshal(c.Redacted())
	if err != nil {
		return "# cannot print the config: " + err.Error() + "\n"
	}
	return string(b)
}

// MarshalYAML prints an endpoint as it is written: the common keys, then
// its type's options beside them.
func (e Endpoint) MarshalYAML() (any, error) {
	type common struct {
		Name       string   `yaml:"name"`
		Type       string   `yaml:"type"`
		Priorities []string `yaml:"priorities,flow,omitempty"`
		Filter     any      `yaml:"filter,omitempty"`
	}
	cm := common{Name: e.Name, Type: e.Type, Priorities: e.Priorities}
	if e.Filter.PublisherID != "" || e.Filter.EventType != "" || len(e.Filter.Context) > 0 ||
		len(e.Filter.Metadata) > 0 || len(e.Filter.Payload) > 0 {
		cm.Filter = filterYAML{e.Filter.PublisherID, e.Filter.EventType, e.Filter.Context, e.Filter.Metadata, e.Filter.Payload}
	}
	var n yaml.Node
	if err := n.Encode(cm); err != nil {
		return nil, err
	}
	if o := e.options(); o != nil {
		var on yaml.Node
		if err := on.Encode(o); err != nil {
			return nil, err
		}
		n.Content = append(n.Content, on.Content...)
	}
	return &n, nil
}

// filterYAML prints a filter with the config's key names.
type filterYAML struct {
	PublisherID string            `yaml:"publisher_id,omitempty"`
	EventType   string            `yaml:"event_type,omitempty"`
	Context     map[string]string `yaml:"context,omitempty"`
	Metadata    map[string]string `yaml:"metadata,omitempty"`
	Payload     map[string]string `yaml:"payload,omitempty"`
}

// MarshalYAML prints a duration as "1m30s".
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

func redactTransportURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := transport.ParseURL(raw)
	if err != nil {
		return Redacted
	}
	return u.Redacted()
}

// redactURL hides the password of an http URL and secret-looking query
// values.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") {
			return Redacted
		}
		return raw
	}
	q := u.Query()
	changed := false
	for k := range q {
		if secretName.MatchString(k) {
			q.Set(k, Redacted)
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

func redactMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if secretName.MatchString(k) {
			v = Redacted
		}
		out[k] = v
	}
	return out
}
