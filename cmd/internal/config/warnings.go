package config

import (
	"fmt"

	"go.uber.org/zap/zapcore"
)

// silentLogEndpoints warns about log endpoints whose level is below
// log.level: harkd's logger drops every line they write, so they handle
// notifications without showing any. It expects a validated config.
func (c *Config) silentLogEndpoints() []string {
	min, err := zapcore.ParseLevel(c.Log.Level)
	if err != nil {
		return nil
	}
	var w []string
	for i, e := range c.Endpoints {
		if e.Type != TypeLog || e.Log == nil {
			continue
		}
		lvl, err := zapcore.ParseLevel(e.Log.Level)
		if err == nil && lvl < min {
			w = append(w, fmt.Sprintf("endpoints[%d].level: %s is below log.level %s, so endpoint %q logs nothing (raise its level or lower log.level)",
				i, e.Log.Level, c.Log.Level, e.Name))
		}
	}
	return w
}
