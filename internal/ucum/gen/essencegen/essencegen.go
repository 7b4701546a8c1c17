// Package essencegen reads the UCUM definitions file (ucum-essence.xml) and
// writes the compact table that package ucum embeds. It is kept apart from
// the command so that a test can regenerate the table into memory and
// compare it with the committed one.
package essencegen

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math/big"
	"strings"
)

// MaxSize bounds how much of the essence file is read: the 2024 edition is
// about 80 kB.
const MaxSize = 4 << 20

// Essence is what the generator keeps of ucum-essence.xml, in document
// order.
type Essence struct {
	Version      string
	RevisionDate string
	Prefixes     []Prefix
	Bases        []Base
	Units        []Unit
}

// Prefix is a metric prefix such as k (1e3).
type Prefix struct {
	Code, Value, Name string
}

// Base is one of the seven base units, with the dimension it stands for.
type Base struct {
	Code, Dim, Name string
}

// Unit is a defined unit: Value times the unit expression Def, or, when
// Special, the function Func applied to Value times Def.
type Unit struct {
	Code      string
	Metric    bool
	Special   bool
	Arbitrary bool
	Class     string
	Name      string
	Value     string // decimal factor, or the function's value when Special
	Def       string // UCUM expression the unit is defined by
	Func      string // function name when Special
}

type xmlRoot struct {
	Version      string      `xml:"version,attr"`
	RevisionDate string      `xml:"revision-date,attr"`
	Prefixes     []xmlPrefix `xml:"prefix"`
	Bases        []xmlBase   `xml:"base-unit"`
	Units        []xmlUnit   `xml:"unit"`
}

type xmlPrefix struct {
	Code  string   `xml:"Code,attr"`
	Names []string `xml:"name"`
	Value struct {
		Value string `xml:"value,attr"`
	} `xml:"value"`
}

type xmlBase struct {
	Code  string   `xml:"Code,attr"`
	Dim   string   `xml:"dim,attr"`
	Names []string `xml:"name"`
}

type xmlUnit struct {
	Code        string   `xml:"Code,attr"`
	IsMetric    string   `xml:"isMetric,attr"`
	IsSpecial   string   `xml:"isSpecial,attr"`
	IsArbitrary string   `xml:"isArbitrary,attr"`
	Class       string   `xml:"class,attr"`
	Names       []string `xml:"name"`
	Value       struct {
		Unit     string `xml:"Unit,attr"`
		Value    string `xml:"value,attr"`
		Function *struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
			Unit  string `xml:"Unit,attr"`
		} `xml:"function"`
	} `xml:"value"`
}

// Read parses an essence file, reading at most MaxSize bytes, and checks
// that every entry has what the table needs.
func Read(r io.Reader) (*Essence, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("larger than %d bytes: not a UCUM essence file", MaxSize)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	// The file declares encoding="ascii", a subset of UTF-8.
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "ascii", "us-ascii", "utf-8":
			return in, nil
		}
		return nil, fmt.Errorf("unsupported encoding %q", label)
	}
	var root xmlRoot
	if err := d.Decode(&root); err != nil {
		return nil, err
	}
	e := &Essence{Version: root.Version, RevisionDate: root.RevisionDate}
	if e.Version == "" {
		return nil, fmt.Errorf("root element has no version: not a UCUM essence file")
	}
	for _, p := range root.Prefixes {
		if err := checkField("prefix", p.Code, p.Code); err != nil {
			return nil, err
		}
		if !isDecimal(p.Value.Value) {
			return nil, fmt.Errorf("prefix %q: value %q is not a decimal", p.Code, p.Value.Value)
		}
		e.Prefixes = append(e.Prefixes, Prefix{Code: p.Code, Value: p.Value.Value, Name: firstName(p.Names)})
	}
	for _, b := range root.Bases {
		if err := checkField("base unit", b.Code, b.Code); err != nil {
			return nil, err
		}
		if b.Dim == "" {
			return nil, fmt.Errorf("base unit %q has no dimension", b.Code)
		}
		e.Bases = append(e.Bases, Base{Code: b.Code, Dim: b.Dim, Name: firstName(b.Names)})
	}
	for _, u := range root.Units {
		if err := checkField("unit", u.Code, u.Code); err != nil {
			return nil, err
		}
		x := Unit{
			Code:      u.Code,
			Metric:    u.IsMetric == "yes",
			Special:   u.IsSpecial == "yes",
			Arbitrary: u.IsArbitrary == "yes",
			Class:     u.Class,
			Name:      firstName(u.Names),
		}
		if x.Special {
			f := u.Value.Function
			if f == nil || f.Name == "" || f.Unit == "" {
				return nil, fmt.Errorf("special unit %q has no function", u.Code)
			}
			x.Func, x.Value, x.Def = f.Name, f.Value, f.Unit
		} else {
			x.Value, x.Def = u.Value.Value, u.Value.Unit
		}
		if !isDecimal(x.Value) {
			return nil, fmt.Errorf("unit %q: value %q is not a decimal", u.Code, x.Value)
		}
		for _, f := range []string{x.Def, x.Func, x.Class} {
			if err := checkField("unit", u.Code, f); err != nil {
				return nil, err
			}
		}
		if x.Def == "" {
			return nil, fmt.Errorf("unit %q has no definition", u.Code)
		}
		e.Units = append(e.Units, x)
	}
	if len(e.Prefixes) == 0 || len(e.Bases) == 0 || len(e.Units) == 0 {
		return nil, fmt.Errorf("%d prefixes, %d base units, %d units: not a UCUM essence file", len(e.Prefixes), len(e.Bases), len(e.Units))
	}
	return e, nil
}

func firstName(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return strings.Join(strings.Fields(names[0]), " ")
}

// checkField refuses what would break the tab-separated table.
func checkField(kind, code, v string) error {
	if kind != "" && code == "" {
		return fmt.Errorf("%s without a code", kind)
	}
	if strings.ContainsAny(v, "\t\n\r") {
		return fmt.Errorf("%s %q: field %q holds a tab or line break", kind, code, v)
	}
	return nil
}

func isDecimal(s string) bool {
	_, ok := new(big.Rat).SetString(s)
	return ok && s != "" && !strings.Contains(s, "/")
}

// Write writes the table: a comment naming the source, then one
// tab-separated record per line, prefixes, base units and units in the
// order of the essence file. The output depends on nothing but e and
// source.
//
//	prefix  CODE  VALUE  NAME
//	base    CODE  DIM    NAME
//	unit    CODE  FLAGS  VALUE  DEFINITION  FUNCTION  CLASS  NAME
//
// FLAGS holds m (metric), s (special) and a (arbitrary), or "-"; FUNCTION
// is "-" for units that are not special.
func Write(w io.Writer, e *Essence, source string) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# UCUM tables generated by internal/ucum/gen from %s (UCUM %s, %s). Do not edit: run go generate ./internal/ucum.\n",
		source, e.Version, e.RevisionDate)
	fmt.Fprintf(&b, "version\t%s\t%s\n", e.Version, e.RevisionDate)
	for _, p := range e.Prefixes {
		fmt.Fprintf(&b, "prefix\t%s\t%s\t%s\n", p.Code, p.Value, dash(p.Name))
	}
	for _, x := range e.Bases {
		fmt.Fprintf(&b, "base\t%s\t%s\t%s\n", x.Code, x.Dim, dash(x.Name))
	}
	for _, u := range e.Units {
		flags := ""
		if u.Metric {
			flags += "m"
		}
		if u.Special {
			flags += "s"
		}
		if u.Arbitrary {
			flags += "a"
		}
		fmt.Fprintf(&b, "unit\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.Code, dash(flags), u.Value, u.Def, dash(u.Func), dash(u.Class), dash(u.Name))
	}
	_, err := w.Write(b.Bytes())
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
