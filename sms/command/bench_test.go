package command_test

import (
	"testing"

	"github.com/kikundi/kikundi/sms/command"
)

// corpus is a realistic mix: mostly members' everyday commands, a few officials', a typo.
var corpus = []string{
	"BAL", "changa 500", "MKOPO 5,000 3 umoja", "lipa 1000/=", "SALIO UMOJA",
	"add 0712345678 Amina Wanjiru", "xyz", "madeni",
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		_, _ = command.Parse(corpus[n%len(corpus)])
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "parses/s")
}
