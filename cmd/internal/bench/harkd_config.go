package bench

import (
	"errors"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/harkmq/hark/executor"
	"github.com/harkmq/hark/transport"
)

// Harkd is the harkd contender: the binary to run, and the listener
// settings to give it. Settings left zero stay out of its config, so that
// harkd runs with its own defaults, as it does from a user's plain
// config; the CLI sets them only when its flags were given.
type Harkd struct {
	// Path of the harkd binary (go build -o /tmp/harkd ./cmd/harkd).
	// Empty: no harkd contender.
	Path string
	// Executor, Workers and Prefetch become listener.executor,
	// listener.workers and listener.prefetch when set.
	Executor string
	Workers  int
	Prefetch int
}

func (h Harkd) validate() error {
	st, err := os.Stat(h.Path)
	switch {
	case err != nil:
		return fmt.Errorf("the binary: %w (build it with: go build -o /tmp/harkd ./cmd/harkd)", err)
	case st.IsDir() || st.Mode()&0o111 == 0:
		return fmt.Errorf("%s is not an executable file", h.Path)
	case h.Workers < 0:
		return fmt.Errorf("workers %d: must not be negative", h.Workers)
	case h.Prefetch < 0:
		return fmt.Errorf("prefetch %d: must not be negative", h.Prefetch)
	}
	if h.Executor != "" {
		if _, err := executor.ByName(h.Executor, max(h.Workers, 1)); err != nil {
			return fmt.Errorf("executor: %w", err)
		}
	}
	return nil
}

// harkdConfig is the YAML file harkd is given: the plain config of one
// listener on the round's exchange and topic (and pool), one log
// endpoint, which takes every priority and writes nothing below the
// warn level, the operations server on a port of its own, and warnings
// only.
type harkdConfig struct {
	TransportURL string          `yaml:"transport_url"`
	Listener     harkdListener   `yaml:"listener"`
	Endpoints    []harkdEndpoint `yaml:"endpoints"`
	HTTP         harkdHTTP       `yaml:"http"`
	Log          harkdLog        `yaml:"log"`
}

type harkdListener struct {
	Targets  []harkdTarget `yaml:"targets"`
	Pool     string        `yaml:"pool,omitempty"`
	Executor string        `yaml:"executor,omitempty"`
	Workers  int           `yaml:"workers,omitempty"`
	Prefetch int           `yaml:"prefetch,omitempty"`
	Start    string        `yaml:"start,omitempty"`
	Batch    *harkdBatch   `yaml:"batch,omitempty"`
	Requeue  *harkdRequeue `yaml:"requeue,omitempty"`
}

type harkdRequeue struct {
	Allow bool `yaml:"allow"`
}

type harkdTarget struct {
	Exchange string `yaml:"exchange"`
	Topic    string `yaml:"topic"`
}

type harkdBatch struct {
	Size    int    `yaml:"size"`
	Timeout string `yaml:"timeout"`
}

type harkdEndpoint struct {
	Name  string `yaml:"name"`
	Type  string `yaml:"type"`
	Level string `yaml:"level"`
}

type harkdHTTP struct {
	Listen string `yaml:"listen"`
}

type harkdLog struct {
	Level string `yaml:"level"`
}

// harkdConfigYAML is the config of the harkd process that consumes group
// of n: cfg's URL, the explicit settings of cfg.Harkd, and cfg's batch
// listener when it asks for one (hark's side uses one then too). On NATS
// core, which delivers at most once, requeue is turned off, as harkd
// refuses to start there otherwise (every user's config says so too). On
// Kafka the group starts at the start of the round's topics
// (listener.start: all; see Config.startPosition).
func harkdConfigYAML(cfg *Config, n names, group, httpListen string) ([]byte, error) {
	c := harkdConfig{
		TransportURL: cfg.URL,
		Listener: harkdListener{
			Targets:  []harkdTarget{{Exchange: n.exchange, Topic: n.topic}},
			Pool:     group,
			Executor: cfg.Harkd.Executor,
			Workers:  cfg.Harkd.Workers,
			Prefetch: cfg.Harkd.Prefetch,
			Start:    cfg.startPosition().String(),
		},
		Endpoints: []harkdEndpoint{{Name: "sink", Type: "log", Level: "debug"}},
		HTTP:      harkdHTTP{Listen: httpListen},
		Log:       harkdLog{Level: "warn"},
	}
	if u, err := transport.ParseURL(cfg.URL); err == nil {
		if k, _ := kindOf(u); k == KindNATSCore {
			c.Listener.Requeue = &harkdRequeue{Allow: false}
		}
	}
	if cfg.Batch > 0 {
		c.Listener.Batch = &harkdBatch{Size: cfg.Batch, Timeout: cfg.BatchTimeout.String()}
	}
	b, err := yaml.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("bench: harkd config: %w", err)
	}
	return b, nil
}

// errHarkdMemory is why harkd cannot run on memory://.
var errHarkdMemory = errors.New("harkd runs as a process of its own, and memory:// is a broker inside one process: give harkd a broker both can reach (nats://, rabbit://)")
