package signals

// Holds is the hook through which a gateway queue (the activator) reports
// the requests it holds while no slot is free, so that samples can tell the
// time spent waiting from the time spent in service (autoscale.Sample's
// Queued). A held request must also be in flight (between Begin and End)
// for all the time it is held. Safe for concurrent use; allocation-free.
type Holds struct{ s *Service }

// Holds returns the service's queue hook. From this call on the service's
// samples say the queue is measured (a Queued of 0 then means that nothing
// waited), so call it when the queue is wired, not when it first holds.
func (s *Service) Holds() Holds {
	s.queueMeasured.Store(true)
	return Holds{s: s}
}

// HoldBegin records that a request started waiting for a slot.
func (h Holds) HoldBegin() {
	s := h.s
	t := s.nanos()
	s.held.Add(1)
	sec, end := secondOf(t)
	if b := s.bucket(sec); b != nil {
		b.held.up(end - t)
	}
}

// HoldEnd records that a held request stopped waiting: it got a slot, timed
// out or its client left.
func (h Holds) HoldEnd() {
	s := h.s
	t := s.nanos()
	s.held.Add(-1)
	sec, end := secondOf(t)
	if b := s.bucket(sec); b != nil {
		b.held.down(end - t)
	}
}
