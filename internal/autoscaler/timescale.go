package autoscaler

import "github.com/shoal-gw/shoal/internal/autoscale"

// scaleTime multiplies the policy's own time constants by f (see
// autoscale.Params.TimeScaled, which knows the policies' defaults and
// which constants stay in real time: the cold start the scaler measures,
// the scale-to-zero grace the scale block sets).
func scaleTime(p *autoscale.Params, f float64) { *p = p.TimeScaled(f) }
