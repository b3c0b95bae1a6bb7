package dispatcher

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/harkmq/hark/transport"
)

// endpoint is what a dispatcher keeps of each endpoint.
type endpoint struct {
	name   string
	filter *Filter // nil: no filter
}

type (
	singleFunc func(context.Context, *Notification) Result
	batchFunc  func(context.Context, []*Notification) Result
)

// binding is one endpoint's method for one priority.
type binding[F any] struct {
	ep *endpoint
	fn F
}

// singleMethods returns the single-notification methods v implements, by
// priority: the methods of AuditEndpoint ... SampleEndpoint.
func singleMethods(v any) map[transport.Priority]singleFunc { return methodsOf[singleFunc](v) }

// batchMethods returns the batch methods v implements, by priority: the
// methods of AuditBatchEndpoint ... SampleBatchEndpoint.
func batchMethods(v any) map[transport.Priority]batchFunc { return methodsOf[batchFunc](v) }

// methodsOf returns v's methods named after a priority ("Audit" ...
// "Sample", as oslo looks an endpoint's methods up by the priority's
// name) whose signature is F's, by priority. A method of that name with
// another signature is not one: v does not implement the priority's
// endpoint interface.
func methodsOf[F any](v any) map[transport.Priority]F {
	m := map[transport.Priority]F{}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return m
	}
	want := reflect.TypeFor[F]()
	for _, p := range transport.Priorities() {
		meth := rv.MethodByName(strings.ToUpper(string(p[:1])) + string(p[1:]))
		if meth.IsValid() && meth.Type().ConvertibleTo(want) {
			m[p] = meth.Convert(want).Interface().(F)
		}
	}
	return m
}

// routes is a dispatcher's immutable routing table.
type routes[F any] struct {
	byPriority map[transport.Priority][]binding[F]
	priorities []transport.Priority // with at least one binding, in oslo order
}

// bind builds the routing table for endpoints with methods (singleMethods
// or batchMethods); other (the other form's methods) only improves the
// error for an endpoint that implements the wrong form.
func bind[F, G any](endpoints []any, methods func(any) map[transport.Priority]F, other func(any) map[transport.Priority]G, batch bool) (routes[F], error) {
	eps := make([]*endpoint, len(endpoints))
	found := make([]map[transport.Priority]F, len(endpoints))
	for i, v := range endpoints {
		if v == nil {
			return routes[F]{}, fmt.Errorf("%w: endpoint %d is nil", ErrNoHandler, i)
		}
		found[i] = methods(v)
		if len(found[i]) == 0 {
			return routes[F]{}, noHandlerError(i, v, len(other(v)) > 0, batch)
		}
		if pr, ok := v.(Prioritizer); ok {
			if err := narrow(found[i], pr.Priorities()); err != nil {
				return routes[F]{}, fmt.Errorf("endpoint %d (%s): %w", i, endpointName(v), err)
			}
		}
		eps[i] = &endpoint{name: endpointName(v)}
		if fl, ok := v.(Filterer); ok {
			eps[i].filter = fl.Filter()
		}
	}
	dedupeNames(eps)
	r := routes[F]{byPriority: map[transport.Priority][]binding[F]{}}
	for _, p := range transport.Priorities() {
		for i, m := range found {
			if fn, ok := m[p]; ok {
				r.byPriority[p] = append(r.byPriority[p], binding[F]{ep: eps[i], fn: fn})
			}
		}
		if len(r.byPriority[p]) > 0 {
			r.priorities = append(r.priorities, p)
		}
	}
	return r, nil
}

// narrow keeps only the methods for priorities in keep: an endpoint that
// declares its priorities is bound (and so subscribed) to those alone.
func narrow[F any](m map[transport.Priority]F, keep []transport.Priority) error {
	if len(keep) == 0 {
		return fmt.Errorf("%w: it declares no priorities", ErrNoHandler)
	}
	want := map[transport.Priority]bool{}
	for _, p := range keep {
		if _, ok := m[p]; !ok {
			return fmt.Errorf("%w: it declares priority %q but has no method for it", ErrNoHandler, p)
		}
		want[p] = true
	}
	for p := range m {
		if !want[p] {
			delete(m, p)
		}
	}
	return nil
}

// noHandlerError explains why endpoint i (v) has no method of the form the
// dispatcher needs.
func noHandlerError(i int, v any, otherForm, batch bool) error {
	form, hint := "(ctx, *Notification) Result", ""
	if batch {
		form = "(ctx, []*Notification) Result"
	}
	switch {
	case otherForm && batch:
		hint = "; it implements the single-notification forms only: use a listener, not a batch listener"
	case otherForm:
		hint = "; it implements the batch forms only: use a batch listener"
	default:
		if t := reflect.TypeOf(v); t.Kind() != reflect.Pointer {
			pv := reflect.New(t).Interface()
			if len(singleMethods(pv)) > 0 || len(batchMethods(pv)) > 0 {
				hint = fmt.Sprintf("; its methods have pointer receivers: pass a %T", pv)
			}
		}
	}
	return fmt.Errorf("%w: endpoint %d (%T) has none of Audit, Debug, Info, Warn, Error, Critical, Sample%s%s",
		ErrNoHandler, i, v, form, hint)
}

// endpointName is v's Name() when it has a non-empty one, else its type.
func endpointName(v any) string {
	if nm, ok := v.(Namer); ok {
		if name := nm.Name(); name != "" {
			return name
		}
	}
	return fmt.Sprintf("%T", v)
}

// dedupeNames appends "#<index>" to every name that several endpoints
// share, so that each name identifies one endpoint.
func dedupeNames(eps []*endpoint) {
	count := map[string]int{}
	for _, ep := range eps {
		count[ep.name]++
	}
	for i, ep := range eps {
		if count[ep.name] > 1 {
			ep.name += "#" + strconv.Itoa(i)
		}
	}
}
