package autoscale

// kthSmallest returns the value that would sit at index k of d sorted
// ascending, reordering d in place (Hoare's selection, median-of-three
// pivots). The robust scatter estimates read one median a second from
// the stable window and one a minute from two hours of minutes, the
// recurrence detector one every ten minutes from eight hours; sorting for
// them was a fifth of a 90-day replay of the policy. d must hold no NaN.
func kthSmallest(d []float64, k int) float64 {
	lo, hi := 0, len(d)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if d[mid] < d[lo] {
			d[mid], d[lo] = d[lo], d[mid]
		}
		if d[hi] < d[lo] {
			d[hi], d[lo] = d[lo], d[hi]
		}
		if d[hi] < d[mid] {
			d[hi], d[mid] = d[mid], d[hi]
		}
		p := d[mid]
		i, j := lo, hi
		for i <= j {
			for d[i] < p {
				i++
			}
			for d[j] > p {
				j--
			}
			if i <= j {
				d[i], d[j] = d[j], d[i]
				i++
				j--
			}
		}
		// d[lo..j] ≤ p ≤ d[i..hi], and anything between i and j equals p.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return d[k]
		}
	}
	return d[k]
}
