package demo

import "time"

// PolicyTimeFrame is how much real time the autoscaling policies' time
// constants are sized for in one demo run: a run of this length or longer
// uses them as they are. The demo compresses a day into minutes; its
// services' policies must follow suit or they would still be averaging the
// evening's traffic, and holding its instances for their scale-down
// stabilisation, when the night is already over. The compression of the day
// itself (1440× for a one-minute run) is far too much for windows that are
// counted in one-second samples, so the policies get their own, milder one.
const PolicyTimeFrame = 30 * time.Minute

// TimeScale is the factor for the policies' time constants in a demo of the
// given length (0 means the default 60 s): 1/30 for one minute, so that a
// 60 s stable window becomes 2 s and a 120 s scale-down stabilisation 4 s,
// and the image workers can go back to zero within the night.
func TimeScale(run time.Duration) float64 {
	if run <= 0 {
		run = 60 * time.Second
	}
	return min(run.Seconds()/PolicyTimeFrame.Seconds(), 1)
}
