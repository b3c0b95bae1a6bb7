package main

import (
	"context"
	"reflect"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/harkmq/hark/cmd/internal/config"
)

// reload re-reads the config (file, environment, flags) and replaces the
// listener and its endpoints. A config that does not load, or endpoints
// that cannot be built, are rejected and the running generation keeps
// running. Settings that need a restart (transport_url, embedded, http,
// log.format) are kept as they are, with a warning.
func (d *daemon) reload() {
	d.log.Info("SIGHUP: reloading the config")
	cfg, ok := d.loadForReload()
	if !ok {
		return
	}
	g, err := d.newGeneration(cfg)
	if err != nil {
		d.reloadFailed(err)
		return
	}

	old := d.cur
	d.setStatus("reloading")
	defer d.setStatus("")
	ctx, cancel := context.WithTimeout(context.Background(), d.cfg.Listener.ShutdownTimeout.D())
	if err := old.stop(ctx); err != nil {
		d.log.Warn("reload: in-flight notifications did not finish within shutdown_timeout; the broker will redeliver them",
			zap.Error(err))
	}
	cancel()

	ctx, cancel = context.WithTimeout(context.Background(), d.cfg.Listener.ShutdownTimeout.D())
	defer cancel()
	if err := g.start(ctx); err != nil {
		g.close(d.log)
		// Put the old listener back; a stopped and waited listener can
		// start again.
		if err2 := old.start(ctx); err2 != nil {
			d.log.Error("reload: the new listener did not start and the old one did not restart; restart harkd",
				zap.NamedError("new", err), zap.NamedError("old", err2))
			d.setStatus("failed to restart the listener after a reload; restart harkd")
			d.metrics.Reloaded(false)
			return
		}
		d.reloadFailed(err)
		return
	}
	old.close(d.log)
	d.cur, d.cfg = g, cfg
	if lvl, err := zapcore.ParseLevel(cfg.Log.Level); err == nil {
		d.level.SetLevel(lvl)
	}
	d.metrics.Reloaded(true)
	d.log.Info("config reloaded", zap.Strings("endpoints", endpointNames(cfg)))
}

// loadForReload loads the config anew and keeps the running values of the
// settings that need a restart.
func (d *daemon) loadForReload() (*config.Config, bool) {
	cfg, err := d.load()
	if err != nil {
		d.reloadFailed(err)
		return nil, false
	}
	d.redactor.Add(cfg.Secrets()...)
	cur := d.cfg
	restart := func(key string, was, now any, keep func()) {
		if !reflect.DeepEqual(was, now) {
			d.log.Warn("reload: "+key+" changed, which needs a restart; keeping the running value", zap.String("key", key))
			keep()
		}
	}
	restart("transport_url", cur.TransportURL, cfg.TransportURL, func() { cfg.TransportURL = cur.TransportURL })
	restart("embedded", cur.Embedded, cfg.Embedded, func() { cfg.Embedded = cur.Embedded })
	restart("http", cur.HTTP, cfg.HTTP, func() { cfg.HTTP = cur.HTTP })
	restart("log.format", cur.Log.Format, cfg.Log.Format, func() { cfg.Log.Format = cur.Log.Format })
	for _, w := range cfg.Warnings {
		d.log.Warn(w)
	}
	return cfg, true
}

func (d *daemon) reloadFailed(err error) {
	d.log.Error("reload rejected; the running config stays in effect", zap.Error(err))
	d.metrics.Reloaded(false)
}
