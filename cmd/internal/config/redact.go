package config

import (
	"go.yaml.in/yaml/v3"

	"github.com/harkmq/hark/cmd/internal/redact"
)

// Redacted is what a secret is printed as.
const Redacted = redact.Marker

// Redacted returns a copy of c for printing, its secrets replaced by
// Redacted by position: passwords, tokens and secret-named options of
// transport URLs; the user info, path and query values of webhook URLs;
// every webhook header value and signing secret; every exec env value.
// Values too short for a Redactor (redact.MinLength) are hidden too.
func (c *Config) Redacted() *Config {
	r := *c
	r.TransportURL = RedactTransportURL(c.TransportURL)
	r.Endpoints = make([]Endpoint, len(c.Endpoints))
	for i, e := range c.Endpoints {
		switch {
		case e.Webhook != nil:
			w := *e.Webhook
			w.URL = RedactURL(w.URL)
			w.Headers = redactValues(w.Headers)
			if w.Secret != "" {
				w.Secret = Redacted
			}
			e.Webhook = &w
		case e.Forward != nil:
			f := *e.Forward
			f.TransportURL = RedactTransportURL(f.TransportURL)
			e.Forward = &f
		case e.Exec != nil:
			x := *e.Exec
			x.Env = redactValues(x.Env)
			e.Exec = &x
		}
		r.Endpoints[i] = e
	}
	return &r
}

// YAML returns the config as YAML, secrets redacted: the effective
// configuration, defaults included. Beyond Redacted's positions, every
// printed value has c's Secrets replaced wherever they occur (a
// ${API_TOKEN} in an exec command's arguments).
func (c *Config) YAML() string {
	var n yaml.Node
	if err := n.Encode(c.Redacted()); err != nil {
		return "# cannot print the config: " + err.Error() + "\n"
	}
	redactNode(&n, c.Redactor())
	b, err := yaml.Marshal(&n)
	if err != nil {
		return "# cannot print the config: " + err.Error() + "\n"
	}
	return string(b)
}

// redactNode redacts every scalar of n. A scalar that changes becomes a
// string, so "REDACTED" is never printed with a number's tag.
func redactNode(n *yaml.Node, r *redact.Redactor) {
	if n.Kind == yaml.ScalarNode {
		if v := r.String(n.Value); v != n.Value {
			n.Value, n.Tag, n.Style = v, "!!str", 0
		}
	}
	for _, c := range n.Content {
		redactNode(c, r)
	}
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

// redactValues returns m with every value replaced by Redacted: header
// and environment values are secrets whatever their names
// (X-Goog-Api-Key, DSN, ...).
func redactValues(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k := range m {
		out[k] = Redacted
	}
	return out
}
