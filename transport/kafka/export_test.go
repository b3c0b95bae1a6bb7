package kafka

import "github.com/harkmq/hark/transport"

// Kill makes l behave as a process that died: it stops taking records,
// commits nothing more, settles and gives back nothing, and its client
// closes (leaving the group at once rather than after the session
// timeout, which changes when, not what, the group reads again). Its
// Close does nothing afterwards.
func Kill(tl transport.Listener) {
	l := tl.(*listener)
	l.killed.Store(true)
	l.closeOnce.Do(func() {})
	l.mu.Lock()
	if !l.stopped {
		l.stopped = true
		close(l.done)
		l.handoff.Close()
	}
	l.mu.Unlock()
	l.pollCancel()
	<-l.loopDone
	close(l.commitStop)
	<-l.commitDone
	l.cl.CloseAllowingRebalance()
}
