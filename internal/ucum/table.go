package ucum

import (
	_ "embed"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"sync"
)

// essenceTable is the generated table; see gen/essencegen for its format.
//
//go:embed essence.tsv
var essenceTable string

type prefix struct {
	code  string
	value *big.Rat
	name  string
}

// atom is a unit symbol that may stand alone: a base unit or a defined
// unit.
type atom struct {
	code      string
	metric    bool
	special   bool
	arbitrary bool
	base      bool
	name      string
	valueText string   // value as written in the table, parsed by resolveAll
	value     *big.Rat // factor of the definition (the function's value when special)
	def       string   // defining expression; "" for base units
	fn        string   // special function

	// Filled in by resolve.
	canon    *canonical // the unit in base units (nil when special)
	defCanon *canonical // special units: the unit of the function's argument, with value folded in
}

// canonical is a magnitude times a product of base units (and of
// arbitrary units, which UCUM treats as their own dimensions).
type canonical struct {
	mag  *big.Rat
	dims map[string]int
}

type tables struct {
	version  string
	date     string
	prefixes []*prefix // longest code first, for lookups
	prefix   map[string]*prefix
	atoms    map[string]*atom
	order    []string // atom codes in table order
}

var (
	loadOnce    sync.Once
	tab         *tables
	loadErr     error
	resolveOnce sync.Once
	resolveErr  error
)

// load parses the embedded table once: its symbols, prefixes and
// definitions as written, which is all Validate needs. A broken table
// makes every call fail with the same error rather than answer wrongly.
func load() (*tables, error) {
	loadOnce.Do(func() {
		tab, loadErr = parseTable(essenceTable)
		if loadErr != nil {
			loadErr = fmt.Errorf("ucum: embedded table essence.tsv: %v", loadErr)
			tab = nil
		}
	})
	return tab, loadErr
}

// loadResolved is load with every unit resolved to base units, which
// conversion and comparison need. Resolving is most of the table's cost,
// and a validation that only checks unit codes never pays it; a table
// that does not resolve makes every conversion fail (and Version, which
// the tests call).
func loadResolved() (*tables, error) {
	t, err := load()
	if err != nil {
		return nil, err
	}
	resolveOnce.Do(func() {
		if err := t.resolveAll(); err != nil {
			resolveErr = fmt.Errorf("ucum: embedded table essence.tsv: %v", err)
		}
	})
	if resolveErr != nil {
		return nil, resolveErr
	}
	return t, nil
}

func parseTable(src string) (*tables, error) {
	t := &tables{prefix: map[string]*prefix{}, atoms: map[string]*atom{}}
	for i, line := range strings.Split(src, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		bad := func(why string) error { return fmt.Errorf("line %d: %s", i+1, why) }
		switch f[0] {
		case "version":
			if len(f) != 3 {
				return nil, bad("version wants 2 fields")
			}
			t.version, t.date = f[1], f[2]
		case "prefix":
			if len(f) != 4 {
				return nil, bad("prefix wants 3 fields")
			}
			v, ok := new(big.Rat).SetString(f[2])
			if !ok {
				return nil, bad("prefix value " + f[2] + " is not a decimal")
			}
			p := &prefix{code: f[1], value: v, name: undash(f[3])}
			t.prefixes = append(t.prefixes, p)
			t.prefix[p.code] = p
		case "base":
			if len(f) != 4 {
				return nil, bad("base wants 3 fields")
			}
			t.add(&atom{code: f[1], metric: true, base: true, name: undash(f[3]),
				canon: &canonical{mag: big.NewRat(1, 1), dims: map[string]int{f[1]: 1}}})
		case "unit":
			if len(f) != 8 {
				return nil, bad("unit wants 7 fields")
			}
			t.add(&atom{code: f[1], metric: strings.Contains(f[2], "m"), special: strings.Contains(f[2], "s"),
				arbitrary: strings.Contains(f[2], "a"), valueText: f[3], def: f[4], fn: undash(f[5]), name: undash(f[7])})
		default:
			return nil, bad("unknown record " + f[0])
		}
	}
	if len(t.prefixes) == 0 || len(t.atoms) == 0 {
		return nil, fmt.Errorf("no prefixes or no units")
	}
	sort.SliceStable(t.prefixes, func(i, j int) bool { return len(t.prefixes[i].code) > len(t.prefixes[j].code) })
	return t, nil
}

// resolveAll parses every unit's value and works out its canonical form.
// It writes only fields that parsing units does not read (value, canon,
// defCanon), so Validate may run beside it.
func (t *tables) resolveAll() error {
	for _, code := range t.order {
		a := t.atoms[code]
		if a.base {
			continue
		}
		v, ok := new(big.Rat).SetString(a.valueText)
		if !ok {
			return fmt.Errorf("unit %s: value %s is not a decimal", a.code, a.valueText)
		}
		a.value = v
	}
	for _, code := range t.order {
		if err := t.resolve(t.atoms[code], map[string]bool{}); err != nil {
			return err
		}
	}
	return nil
}

func (t *tables) add(a *atom) {
	if _, dup := t.atoms[a.code]; !dup {
		t.order = append(t.order, a.code)
	}
	t.atoms[a.code] = a
}

func undash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// resolve works out the canonical form of a defined unit from its
// definition, resolving the units that definition names first.
func (t *tables) resolve(a *atom, seen map[string]bool) error {
	if a.canon != nil || a.defCanon != nil {
		return nil
	}
	if seen[a.code] {
		return fmt.Errorf("unit %s is defined in terms of itself", a.code)
	}
	seen[a.code] = true
	if a.arbitrary && a.def == "1" {
		// An arbitrary unit is commensurable with nothing but itself.
		a.canon = &canonical{mag: big.NewRat(1, 1), dims: map[string]int{a.code: 1}}
		return nil
	}
	e, err := t.parse(a.def)
	if err != nil {
		return fmt.Errorf("definition of %s: %v", a.code, err)
	}
	for _, it := range e.items {
		if it.atom != nil {
			if err := t.resolve(it.atom, seen); err != nil {
				return err
			}
		}
	}
	c, err := e.canonical()
	if err != nil {
		return fmt.Errorf("definition of %s: %v", a.code, err)
	}
	c.mag.Mul(c.mag, a.value)
	if a.special {
		a.defCanon = c
	} else {
		a.canon = c
	}
	return nil
}
