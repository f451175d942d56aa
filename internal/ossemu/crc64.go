package ossemu

import "hash/crc64"

// crcTable is CRC-64/ECMA-182 as OSS uses it (x-oss-hash-crc64ecma); Go's
// crc64 applies the same init/xorout of all ones.
var crcTable = crc64.MakeTable(crc64.ECMA)

// crc64Combine returns the CRC of A||B from crc(A), crc(B) and len(B), the
// way OSS derives a multipart object's CRC from its parts' CRCs without
// re-reading them (zlib's crc32_combine, widened to 64 bits).
func crc64Combine(crc1, crc2 uint64, len2 int64) uint64 {
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
