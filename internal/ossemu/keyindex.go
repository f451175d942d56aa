package ossemu

import (
	"sort"
)

// keyIndexChunk is the most keys one chunk holds before it splits. Inserting
// costs one binary search over chunks plus a memmove inside one chunk, so a
// bucket of millions of keys stays cheap to grow in any order.
const keyIndexChunk = 512

// keyIndex is an ordered set of object keys (byte order, as OSS lists them).
// Invariants: every chunk is non-empty and sorted; chunks are in order and do
// not overlap. Not safe for concurrent use: the bucket's lock guards it.
type keyIndex struct {
	chunks [][]string
	n      int
}

func (ix *keyIndex) len() int { return ix.n }

// chunkFor returns the index of the chunk where key is or would be inserted.
func (ix *keyIndex) chunkFor(key string) int {
	// First chunk whose last key >= key; past the end means the last chunk.
	i := sort.Search(len(ix.chunks), func(i int) bool {
		c := ix.chunks[i]
		return c[len(c)-1] >= key
	})
	if i == len(ix.chunks) && i > 0 {
		i--
	}
	return i
}

// insert adds key and reports whether it was new.
func (ix *keyIndex) insert(key string) bool {
	if len(ix.chunks) == 0 {
		ix.chunks = append(ix.chunks, []string{key})
		ix.n = 1
		return true
	}
	ci := ix.chunkFor(key)
	c := ix.chunks[ci]
	j := sort.SearchStrings(c, key)
	if j < len(c) && c[j] == key {
		return false
	}
	c = append(c, "")
	copy(c[j+1:], c[j:])
	c[j] = key
	ix.n++
	if len(c) <= keyIndexChunk {
		ix.chunks[ci] = c
		return true
	}
	half := len(c) / 2
	left := append([]string(nil), c[:half]...)
	right := append([]string(nil), c[half:]...)
	ix.chunks = append(ix.chunks, nil)
	copy(ix.chunks[ci+2:], ix.chunks[ci+1:])
	ix.chunks[ci] = left
	ix.chunks[ci+1] = right
	return true
}

// remove deletes key and reports whether it was present.
func (ix *keyIndex) remove(key string) bool {
	if len(ix.chunks) == 0 {
		return false
	}
	ci := ix.chunkFor(key)
	c := ix.chunks[ci]
	j := sort.SearchStrings(c, key)
	if j >= len(c) || c[j] != key {
		return false
	}
	c = append(c[:j], c[j+1:]...)
	ix.n--
	if len(c) == 0 {
		ix.chunks = append(ix.chunks[:ci], ix.chunks[ci+1:]...)
		return true
	}
	ix.chunks[ci] = c
	return true
}

// ascend calls fn for every key >= from in order until fn returns false.
func (ix *keyIndex) ascend(from string, fn func(key string) bool) {
	if len(ix.chunks) == 0 {
		return
	}
	ci := ix.chunkFor(from)
	j := sort.SearchStrings(ix.chunks[ci], from)
	for ; ci < len(ix.chunks); ci++ {
		c := ix.chunks[ci]
		for ; j < len(c); j++ {
			if !fn(c[j]) {
				return
			}
		}
		j = 0
	}
}
