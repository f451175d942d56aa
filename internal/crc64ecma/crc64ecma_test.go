package crc64ecma

import (
	"math/rand/v2"
	"testing"
)

// Known answers from OSS-PROTOCOL.md (produced by the SDK).
func TestChecksumKnownAnswers(t *testing.T) {
	for in, want := range map[string]uint64{
		"":            0,
		"123456789":   11051210869376104954,
		"hello":       11177612005948864433,
		"hello world": 5981764153023615706,
	} {
		if got := Checksum([]byte(in)); got != want {
			t.Errorf("Checksum(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestCombine(t *testing.T) {
	if got := Combine(6748440630437108969, 10278880121275185425, 4); got != 11051210869376104954 {
		t.Errorf("Combine(12345, 6789) = %d", got)
	}
	if got := Combine(1796661072844795914, 4472352582074980600, 5); got != 5981764153023615706 {
		t.Errorf("Combine(hello , world) = %d", got)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		data := make([]byte, rng.IntN(5000))
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		cut := 0
		if len(data) > 0 {
			cut = rng.IntN(len(data) + 1)
		}
		a, b := data[:cut], data[cut:]
		if got, want := Combine(Checksum(a), Checksum(b), int64(len(b))), Checksum(data); got != want {
			t.Fatalf("Combine at %d/%d = %d, want %d", cut, len(data), got, want)
		}
	}
}
