// Package notify is hark's user-facing API: Listener and BatchListener
// receive notifications from a transport and dispatch them to endpoints;
// Notifier sends them. The types endpoint authors need (Notification,
// Result, Handled, Requeue, ...) are re-exported here so most programs
// import only notify, transport and a driver.
package notify
