package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/nemsfhir/nemsfhir/transform"
)

// gen holds the random choices of one payload.
type gen struct {
	rng  *rand.Rand
	seq  int
	base time.Time
}

func newGen(rng *rand.Rand, seq int) *gen {
	// A fixed epoch, not the clock: the corpus must not change between runs.
	base := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(300*24)) * time.Hour)
	return &gen{rng: rng, seq: seq, base: base}
}

func (g *gen) uuid() string {
	b := make([]byte, 16)
	for i := range b {
		b[i] = byte(g.rng.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// nhsNumber draws a number in the 999 test range with a valid modulus-11
// check digit (nems.md 8.1).
func (g *gen) nhsNumber() string {
	for {
		d := make([]int, 9)
		d[0], d[1], d[2] = 9, 9, 9
		sum := 9*10 + 9*9 + 9*8
		for i := 3; i < 9; i++ {
			d[i] = g.rng.IntN(10)
			sum += d[i] * (10 - i)
		}
		check := 11 - sum%11
		if check == 11 {
			check = 0
		}
		if check == 10 {
			continue
		}
		var b strings.Builder
		for _, x := range d {
			b.WriteByte(byte('0' + x))
		}
		b.WriteByte(byte('0' + check))
		return b.String()
	}
}

func (g *gen) pick(list ...string) string { return list[g.rng.IntN(len(list))] }

func (g *gen) ods() string {
	return fmt.Sprintf("%c%05d", 'A'+rune(g.rng.IntN(26)), g.rng.IntN(100000))
}

// instant renders t with an explicit +00:00 zone, as nems.md 5.9 wants.
func instant(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

func date(t time.Time) string { return t.Format("2006-01-02") }

// person is the patient an event is about.
type person struct {
	nhs, family, given, gender, birth string
	scn                               int
}

func (g *gen) person(maxAge int) person {
	birth := g.base.AddDate(-g.rng.IntN(maxAge+1), -g.rng.IntN(12), -g.rng.IntN(28)-1)
	return person{
		nhs:    g.nhsNumber(),
		family: g.pick("Okafor", "Patel", "Smith", "Jones", "Nguyen", "Kowalski", "Evans", "Hussain", "Murphy", "Taylor"),
		given:  g.pick("Ada", "Ravi", "Grace", "Tom", "Lin", "Ewa", "Megan", "Aisha", "Sean", "Ruth"),
		gender: g.pick("female", "male"),
		birth:  date(birth),
		scn:    1 + g.rng.IntN(40),
	}
}

// toJSON converts a generated XML payload with the project's own converter,
// so that both variants say exactly the same thing.
func toJSON(xml []byte) ([]byte, error) {
	out, _, err := transform.XMLToJSON(xml, transform.Options{Pretty: true})
	return out, err
}
