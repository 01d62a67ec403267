// Package simrand is the deterministic randomness the simulators share:
// every generated record is derived from Mix(seed, its kind, its index)
// rather than from one shared random stream, so that any record can be
// generated on its own, in any order, and always comes out the same.
package simrand

import "hash/fnv"

// Mix is the splitmix64 finaliser: a cheap, well-spread 64-bit hash.
func Mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// RNG is a splitmix64 generator local to one record.
type RNG uint64

// Next returns the next value.
func (r *RNG) Next() uint64 {
	*r += 0x9e3779b97f4a7c15
	return Mix(uint64(*r))
}

// Intn returns a value in [0,n).
func (r *RNG) Intn(n int) int { return int(r.Next() % uint64(n)) }

// Between returns a value in [lo,hi].
func (r *RNG) Between(lo, hi int) int { return lo + r.Intn(hi-lo+1) }

// Pick returns a random element of xs.
func Pick[T any](r *RNG, xs []T) T { return xs[r.Intn(len(xs))] }

// Salt turns a name into a stable number.
func Salt(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}
