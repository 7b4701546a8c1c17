package criteria

import "testing"

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct{ name, s string }{
		{"explicit", explicit},
		{"generic", generic + "&tag=site123"},
		{"invalid", "/Bundle?type=message&Organization.identifier=X2458&MessageHeader.event=pds-birth-notification-1&MessageHeader.event=pds-person-death-1"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Parse(bc.s)
			}
		})
	}
}
