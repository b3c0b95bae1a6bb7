// Package notify is hark's user-facing API: Listener and BatchListener
// receive notifications from a transport and dispatch them to endpoints;
// Notifier sends them.
//
// Each type has one import path, the package that defines it: endpoints
// receive a *dispatcher.Notification and return a dispatcher.Result
// (dispatcher.Handled, dispatcher.Requeue, ...), priorities are
// transport.Priority and targets target.Target. The second names notify
// used to give them (Notification, Result, Handled, ...) are deprecated.
//
// Every option is a With… function: ListenerOption for NewListener and
// NewBatchListener, NotifierOption for NewNotifier, PrepareOption for
// Notifier.Prepare and SendOption for one Notifier.Notify call.
package notify
