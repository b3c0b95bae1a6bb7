package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.uber.org/zap"
	"go.yaml.in/yaml/v3"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// routingDriver is oslo's "routing" driver (_impl_routing): a YAML config
//
//	group_1:
//	  messagingv2:
//	    accepted_priorities: [info, error]
//	  log:
//	    accepted_events: ["compute.instance.*"]
//	group_2:
//	  log:
//	    accepted_events: ["*.delete.*"]
//	    accepted_priorities: [warn]
//
// selects, per notification, the drivers to call. Within one driver entry
// every rule listed must match (AND): accepted_events against the event
// type, accepted_priorities against the lower-cased priority, each a list
// of fnmatch globs of which one must match. An entry with no rules accepts
// everything; an empty list accepts nothing. Across entries and groups the
// result is an OR, and each accepted driver is called once.
//
// Deviations from oslo: the config is read and checked when the Notifier is
// built (oslo reads it on the first notification), and an unknown driver
// name, an unknown rule key or a bad glob is an error there (oslo ignores
// unknown keys and drivers). Accepted drivers are called in name order.
type routingDriver struct {
	entries []routeEntry
	drivers map[string]NotifyDriver
	log     *zap.Logger
}

type routeEntry struct {
	group, driver string
	events        []*regexp.Regexp // nil: no accepted_events rule
	hasEvents     bool
	priorities    []*regexp.Regexp
	hasPriorities bool
}

// routeRules is one driver entry of the YAML.
type routeRules struct {
	AcceptedEvents     *[]string `yaml:"accepted_events"`
	AcceptedPriorities *[]string `yaml:"accepted_priorities"`
}

func newRoutingDriver(b *driverBuilder) (*routingDriver, error) {
	o := b.o
	if o.routingData == nil {
		return nil, fmt.Errorf("%w: the routing driver needs WithRoutingConfig or WithRoutingConfigData", ErrInvalidNotifierOption)
	}
	src := o.routingSource
	cfg, err := parseRoutingConfig(o.routingData)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrRoutingConfig, src, err)
	}
	d := &routingDriver{drivers: map[string]NotifyDriver{}, log: o.logger}
	groups := slices.Sorted(maps.Keys(cfg))
	for _, g := range groups {
		drivers := cfg[g]
		for _, name := range slices.Sorted(maps.Keys(drivers)) {
			switch {
			case name == DriverRouting:
				return nil, fmt.Errorf("%w: %s: group %q: the routing driver cannot route to itself", ErrRoutingConfig, src, g)
			case !slices.Contains(DriverNames(), name):
				return nil, fmt.Errorf("%w: %s: group %q: %w", ErrRoutingConfig, src, g, unknownDriverError(name, "routing config"))
			}
			e := routeEntry{group: g, driver: name}
			if r := drivers[name]; r != nil {
				if r.AcceptedEvents != nil {
					e.hasEvents = true
					if e.events, err = compileGlobs(*r.AcceptedEvents, false); err != nil {
						return nil, fmt.Errorf("%w: %s: group %q, driver %q, accepted_events: %w", ErrRoutingConfig, src, g, name, err)
					}
				}
				if r.AcceptedPriorities != nil {
					e.hasPriorities = true
					if e.priorities, err = compileGlobs(*r.AcceptedPriorities, true); err != nil {
						return nil, fmt.Errorf("%w: %s: group %q, driver %q, accepted_priorities: %w", ErrRoutingConfig, src, g, name, err)
					}
				}
			}
			if _, ok := d.drivers[name]; !ok {
				child, err := b.build(name)
				if err != nil {
					return nil, fmt.Errorf("routing config %s: %w", src, err)
				}
				d.drivers[name] = child
			}
			d.entries = append(d.entries, e)
		}
	}
	if len(d.entries) == 0 {
		o.logger.Warn("the routing config routes nothing; notifications sent through the routing driver are dropped", zap.String("routing_config", src))
	}
	return d, nil
}

// parseRoutingConfig decodes the YAML strictly: unknown rule keys are
// errors. An empty document is an empty config.
func parseRoutingConfig(data []byte) (map[string]map[string]*routeRules, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var cfg map[string]map[string]*routeRules
	if err := dec.Decode(&cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	return cfg, nil
}

// compileGlobs compiles patterns; lower lower-cases them first, as oslo
// does with accepted_priorities.
func compileGlobs(patterns []string, lower bool) ([]*regexp.Regexp, error) {
	out := make([]*regexp.Regexp, 0, len(patterns))
	for _, p := range patterns {
		if lower {
			p = strings.ToLower(p)
		}
		re, err := compileGlob(p)
		if err != nil {
			return nil, err
		}
		out = append(out, re)
	}
	return out, nil
}

func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// accepted returns the names of the drivers the config selects, sorted.
func (d *routingDriver) accepted(eventType string, p transport.Priority) []string {
	prio := strings.ToLower(string(p))
	var names []string
	for _, e := range d.entries {
		if e.hasEvents && !matchAny(e.events, eventType) {
			continue
		}
		if e.hasPriorities && !matchAny(e.priorities, prio) {
			continue
		}
		names = append(names, e.driver)
	}
	sort.Strings(names)
	return slices.Compact(names)
}

func (d *routingDriver) Notify(ctx context.Context, m *oslo.OsloMessage, p transport.Priority, retry int) error {
	var errs []error
	for _, name := range d.accepted(m.EventType, p) {
		d.log.Debug("routing notification", zap.String("event_type", m.EventType), zap.String("driver", name))
		if err := d.drivers[name].Notify(ctx, m, p, retry); err != nil {
			errs = append(errs, fmt.Errorf("routed to %s: %w", name, err))
		}
	}
	return transport.JoinErrors(errs...)
}
