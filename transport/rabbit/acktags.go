package rabbit

import "slices"

// settledTags is the set of delivery tags of one channel that are settled
// as far as the acker knows, kept as the contiguous prefix 1..prefix plus
// the settled runs above the first unsettled tag.
//
// Its size is bounded by the number of unsettled tags above the prefix
// (each one splits a run), not by how far the tags have run ahead of a
// slow low tag: a handler that holds tag 5 while a million later tags are
// settled costs one run, [6, 1000005], not a million bits. The unsettled
// tags are deliveries the broker counts against the prefetch, so in
// practice there are at most a few prefetch windows of them.
//
// The zero value is the empty set of a fresh channel (tags start at 1).
// It is not safe for concurrent use; the acker guards it.
type settledTags struct {
	// prefix is the highest tag such that every tag 1..prefix is settled.
	prefix uint64
	// runs are the settled tags above prefix+1 (prefix+1 itself is
	// unsettled, or it would be part of the prefix): sorted, disjoint
	// and non-adjacent closed intervals.
	runs []tagRun
}

// tagRun is the closed interval lo..hi of settled tags.
type tagRun struct{ lo, hi uint64 }

// add marks tag settled and reports whether it was unsettled before. A
// tag that joins the prefix pulls in the run that starts right after it,
// so the prefix always ends at the first unsettled tag.
func (s *settledTags) add(tag uint64) bool {
	switch {
	case tag <= s.prefix:
		return false
	case tag == s.prefix+1:
		s.prefix = tag
		if len(s.runs) > 0 && s.runs[0].lo == tag+1 {
			s.prefix = s.runs[0].hi
			s.runs = slices.Delete(s.runs, 0, 1)
		}
		return true
	}
	// The usual case above a gap: settles arrive roughly in order, so the
	// tag extends the last run.
	if n := len(s.runs); n > 0 && s.runs[n-1].hi+1 == tag {
		s.runs[n-1].hi = tag
		return true
	}
	// i is the first run that ends at tag-1 or later: the run tag extends
	// upwards, or the first run above tag.
	i, _ := slices.BinarySearchFunc(s.runs, tag, func(r tagRun, t uint64) int {
		if r.hi+1 < t {
			return -1
		}
		return 1
	})
	switch {
	case i < len(s.runs) && s.runs[i].lo <= tag && tag <= s.runs[i].hi:
		return false
	case i < len(s.runs) && s.runs[i].hi+1 == tag:
		s.runs[i].hi = tag
		if i+1 < len(s.runs) && s.runs[i+1].lo == tag+1 {
			s.runs[i].hi = s.runs[i+1].hi
			s.runs = slices.Delete(s.runs, i+1, i+2)
		}
	case i < len(s.runs) && s.runs[i].lo == tag+1:
		s.runs[i].lo = tag
	default:
		s.runs = slices.Insert(s.runs, i, tagRun{tag, tag})
	}
	return true
}

// has reports whether tag is settled.
func (s *settledTags) has(tag uint64) bool {
	if tag <= s.prefix {
		return true
	}
	_, found := slices.BinarySearchFunc(s.runs, tag, func(r tagRun, t uint64) int {
		switch {
		case r.hi < t:
			return -1
		case r.lo > t:
			return 1
		}
		return 0
	})
	return found
}
