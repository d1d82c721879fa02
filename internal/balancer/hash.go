package balancer

// Hashing for keys and ring/table positions. It must be the same in every
// gateway process (two gateways sharding by key have to agree), so no
// randomly seeded hash/maphash: FNV-1a over the bytes, then the murmur3
// 64-bit finaliser, because FNV alone spreads short, similar strings badly.

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	golden    = 0x9e3779b97f4a7c15
)

func hashString(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return mix(h)
}

// mix is murmur3's fmix64: every input bit affects every output bit.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// derive gives the i-th independent hash from a base hash (ring points,
// Maglev's offset and skip).
func derive(base uint64, i uint64) uint64 {
	return mix(base ^ (i+1)*golden)
}
