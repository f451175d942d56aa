// Package crc64ecma is the CRC-64 that OSS reports in x-oss-hash-crc64ecma
// (CRC-64/ECMA-182 with all-ones init and xorout, i.e. CRC-64/XZ), plus the
// combination of two CRCs into the CRC of their concatenation, which is how
// a multipart object's CRC follows from its parts' without reading them.
package crc64ecma

import (
	"hash"
	"hash/crc64"
)

// Table is the ECMA table; Go's crc64 applies the same init and xorout as OSS.
var Table = crc64.MakeTable(crc64.ECMA)

// New returns a hash computing the OSS CRC-64.
func New() hash.Hash64 { return crc64.New(Table) }

// Checksum returns the OSS CRC-64 of data.
func Checksum(data []byte) uint64 { return crc64.Checksum(data, Table) }

// Combine returns the CRC of A||B given crc(A), crc(B) and len(B) (zlib's
// crc32_combine widened to 64 bits: the operator that appends len2 zero
// bytes, built by repeated squaring, applied to crc1). The SDK has the same
// function (oss.CRC64Combine), but the engine uses this package and only
// its storage adapter may import the SDK.
func Combine(crc1, crc2 uint64, len2 int64) uint64 {
	if len2 <= 0 {
		return crc1
	}
	var even, odd [64]uint64
	odd[0] = 0xC96C5795D7870F42 // reflected ECMA polynomial
	row := uint64(1)
	for n := 1; n < 64; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(&even, &odd) // operator for two zero bits
	gf2Square(&odd, &even) // four zero bits
	for {
		gf2Square(&even, &odd)
		if len2&1 != 0 {
			crc1 = gf2Times(&even, crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
		gf2Square(&odd, &even)
		if len2&1 != 0 {
			crc1 = gf2Times(&odd, crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
	}
	return crc1 ^ crc2
}

func gf2Times(mat *[64]uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat *[64]uint64) {
	for n := range 64 {
		square[n] = gf2Times(mat, mat[n])
	}
}
