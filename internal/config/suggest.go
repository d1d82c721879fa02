package config

import "fmt"

// suggest returns ` (did you mean "x"?)` when one candidate is close to
// word, so typos such as "path_prefx" point at the right key.
func suggest(word string, candidates []string) string {
	best, bestDist := "", len(word)/3+1
	if bestDist > 3 {
		bestDist = 3
	}
	found := false
	for _, c := range candidates {
		if d := editDistance(word, c); d <= bestDist && (!found || d < bestDist) {
			best, bestDist, found = c, d, true
		}
	}
	if !found {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b, in bytes, with a
// swap of two neighbours counted as one edit (the commonest typo).
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
