package dispatcher

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

type infoAndWrongWarn struct{}

func (infoAndWrongWarn) Info(context.Context, *Notification) Result { return Handled }
func (infoAndWrongWarn) Warn(context.Context, *Notification) error  { return nil }
func (infoAndWrongWarn) Audit(context.Context, []*Notification) Result {
	return Handled
}

type ptrError struct{}

func (*ptrError) Error(context.Context, *Notification) Result { return Requeue }

// The methods found are those of the endpoint interfaces: by name and by
// signature, on the value's own method set (as an interface check is).
func TestMethodsOf(t *testing.T) {
	single := singleMethods(infoAndWrongWarn{})
	assert.Len(t, single, 1)
	assert.Contains(t, single, transport.Info)
	assert.Equal(t, Handled, single[transport.Info](t.Context(), nil))

	batch := batchMethods(infoAndWrongWarn{})
	assert.Len(t, batch, 1)
	assert.Contains(t, batch, transport.Audit)

	assert.Empty(t, singleMethods(ptrError{}), "a pointer method is not in the value's method set")
	ptr := singleMethods(&ptrError{})
	assert.Len(t, ptr, 1)
	assert.Equal(t, Requeue, ptr[transport.Error](t.Context(), nil))

	assert.Empty(t, singleMethods(nil))
	assert.Empty(t, batchMethods(42))
}

// A notification keeps the layout its body was decoded from, so a bridge
// need not decode it again.
func TestNotificationDialect(t *testing.T) {
	n := FromOslo(&oslo.OsloMessage{Dialect: transport.DialectKafka}, 1, nil)
	assert.Equal(t, transport.DialectKafka, n.Dialect())
	assert.Equal(t, transport.DialectAMQP, FromOslo(&oslo.OsloMessage{}, 1, nil).Dialect())
}
