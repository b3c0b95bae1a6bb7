package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/harkmq/hark/cmd/internal/transports"
	"github.com/harkmq/hark/transport"
)

// open connects to the broker --url names, within --connect-timeout. A bad
// URL is a usage error; an unreachable broker is a runtime error that says
// where hark tried to connect and what to do about it. The caller closes
// the transport.
func (a *app) open(ctx context.Context) (transport.Transport, error) {
	u, err := transport.ParseURL(a.url)
	if err != nil {
		return nil, usagef("%s: %w", a.urlName(), err)
	}
	octx, cancel := context.WithTimeout(ctx, a.connectTimeout)
	defer cancel()
	tr, err := transports.Open(octx, a.url, a.log)
	switch {
	case err == nil:
		return tr, nil
	case ctx.Err() != nil:
		return nil, fmt.Errorf("%w while connecting to %s", errInterrupted, u.Redacted())
	case errors.Is(err, transport.ErrInvalidURL), errors.Is(err, transport.ErrUnknownScheme):
		return nil, usagef("%s: %w", a.urlName(), err)
	case octx.Err() != nil:
		return nil, fmt.Errorf("cannot connect to %s: no answer within %s (--connect-timeout)%s", u.Redacted(), a.connectTimeout, a.hint())
	default:
		return nil, fmt.Errorf("cannot connect to %s: %w%s", u.Redacted(), err, a.hint())
	}
}

// hint says how to get a broker when hark failed to reach the default one:
// the usual cause is that no harkd is running.
func (a *app) hint() string {
	if a.url != defaultURL {
		return ""
	}
	return "\n(no broker at the default URL: start the daemon with 'harkd', which embeds one there, or point --url, $" + urlEnv + " or $" + natsURLEnv + " at your broker)"
}

// urlName names where the URL came from, for errors: "--url", or the
// environment variable that gave it.
func (a *app) urlName() string {
	if a.urlFrom != "" {
		return "$" + a.urlFrom
	}
	return "--url"
}
