package bench

import "github.com/harkmq/hark/transport"

// mixCycle is the length of the cycle MixPriority repeats: 54 info and
// one of each of the six other priorities.
const mixCycle = 60

// mixRare are the priorities other than info, in the order they come in
// a cycle.
var mixRare = [...]transport.Priority{
	transport.Audit, transport.Debug, transport.Warn,
	transport.Error, transport.Critical, transport.Sample,
}

// MixPriority is the priority of the i-th notification (from 0) sent with
// Config.Mix: every tenth one (i%10 == 9) takes the next of audit, debug,
// warn, error, critical, sample in turn, the others are info. Over every
// 60 notifications that is 54 info (90%) and one of each other priority
// (1/60 each); the sequence is the same in every run.
func MixPriority(i int) transport.Priority {
	if i%10 != 9 {
		return transport.Info
	}
	return mixRare[(i/10)%len(mixRare)]
}

// priorityOf is the priority of the i-th notification of the run.
func (c *Config) priorityOf(i int) transport.Priority {
	if !c.Mix {
		return transport.Info
	}
	return MixPriority(i)
}

// priorities are what the contenders consume: all seven with Mix, else
// info.
func (c *Config) priorities() []transport.Priority {
	if c.Mix {
		return transport.Priorities()
	}
	return []transport.Priority{transport.Info}
}
