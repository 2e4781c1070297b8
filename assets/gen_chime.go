//go:build ignore

// gen_chime writes chime.wav, the short two-note sound qfpos plays when a
// payment is confirmed paid: go run gen_chime.go (from this directory).
package main

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
)

func main() {
	const rate = 22050
	notes := []struct {
		freq, start, length float64
	}{
		{987.77, 0, 0.35},    // B5
		{1318.51, 0.12, 0.5}, // E6
	}
	n := int(0.62 * rate)
	samples := make([]float64, n)
	for _, nt := range notes {
		for i := 0; i < int(nt.length*rate); i++ {
			t := float64(i) / rate
			j := int(nt.start*rate) + i
			if j >= n {
				break
			}
			attack := math.Min(1, t/0.005)
			decay := math.Exp(-t * 7)
			samples[j] += 0.35 * attack * decay * (math.Sin(2*math.Pi*nt.freq*t) + 0.25*math.Sin(4*math.Pi*nt.freq*t))
		}
	}
	var pcm bytes.Buffer
	for _, s := range samples {
		v := int16(math.Max(-1, math.Min(1, s)) * 32767 * 0.8)
		binary.Write(&pcm, binary.LittleEndian, v)
	}
	var out bytes.Buffer
	w := func(v any) { binary.Write(&out, binary.LittleEndian, v) }
	out.WriteString("RIFF")
	w(uint32(36 + pcm.Len()))
	out.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1)) // PCM
	w(uint16(1)) // mono
	w(uint32(rate))
	w(uint32(rate * 2))
	w(uint16(2))
	w(uint16(16))
	out.WriteString("data")
	w(uint32(pcm.Len()))
	out.Write(pcm.Bytes())
	if err := os.WriteFile("chime.wav", out.Bytes(), 0o644); err != nil {
		panic(err)
	}
}
