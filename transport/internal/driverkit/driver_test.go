package driverkit

import (
	"context"
	"errors"
	"testing"

	"github.com/harkmq/hark/transport"
)

// nilTransport is a transport.Transport whose Open fails with a nil
// pointer, as a driver package's Open does.
type nilTransport struct{ transport.Transport }

func TestDriverOpenFailureIsNilInterface(t *testing.T) {
	errOpen := errors.New("refused")
	errURL := errors.New("bad url")
	d := Driver[*nilTransport, int]{
		Validate: func(*transport.URL) error { return errURL },
		Connect: func(context.Context, *transport.URL, transport.Options, ...int) (*nilTransport, error) {
			return nil, errOpen
		},
	}
	var _ transport.Driver = d
	if err := d.ValidateURL(nil); !errors.Is(err, errURL) {
		t.Fatalf("ValidateURL = %v, want %v", err, errURL)
	}
	tr, err := d.Open(t.Context(), nil, transport.Options{})
	if !errors.Is(err, errOpen) {
		t.Fatalf("Open error = %v, want %v", err, errOpen)
	}
	if tr != nil {
		t.Fatalf("Open returned %#v with its error, want a nil transport.Transport", tr)
	}
}
