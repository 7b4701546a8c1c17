package nems

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// PatientRecord is what the server knows of a patient from PDS: enough to
// judge generic subscriptions and the flags that stop messages flowing.
type PatientRecord struct {
	NHSNumber string `json:"nhsNumber"`
	// GP is the ODS code of the registered practice, "" when unregistered.
	GP       string `json:"gp,omitempty"`
	Postcode string `json:"postcode,omitempty"`
	// Flags holds the PDS flags: S (sensitive) or I (invalid) stop every
	// message about the patient (spec 1.8).
	Flags string `json:"flags,omitempty"`
	// areas, when a store read them with the patient (one round trip),
	// place GP and Postcode as they were read.
	areas *patientAreas
}

// patientAreas is the practice and postcode area of a patient's record,
// read with it.
type patientAreas struct {
	gp, postcode         string // what they place
	practice             Practice
	area                 PostcodeArea
	hasPractice, hasArea bool
}

// PostcodeArea places a home postcode.
type PostcodeArea struct {
	Postcode       string `json:"postcode"`
	LocalAuthority string `json:"localAuthority,omitempty"`
	ICBSubLocation string `json:"icbSubLocation,omitempty"`
	Country        string `json:"country,omitempty"`
}

// Practice places a GP practice under its ICB sub-location.
type Practice struct {
	Code           string `json:"code"`
	ICBSubLocation string `json:"icbSubLocation"`
}

// Directory stands in for what NEMS reads from PDS and ODS to match
// generic subscriptions: patients, postcode areas and practices.
// It is safe for concurrent use.
type Directory struct {
	mu        sync.RWMutex
	patients  map[string]PatientRecord
	postcodes map[string]PostcodeArea
	practices map[string]Practice
	// store, once set, holds the directory instead of the maps, so that
	// it survives restarts and every instance on the store sees one.
	store DirectoryStore
}

// DirectoryEntries is the content of a directory, and the JSON form
// LoadDirectory reads.
type DirectoryEntries struct {
	Patients  []PatientRecord `json:"patients"`
	Postcodes []PostcodeArea  `json:"postcodes"`
	Practices []Practice      `json:"practices"`
}

// MaxDirectorySize bounds a directory file.
const MaxDirectorySize = 64 << 20

// LoadDirectory reads a directory in JSON, {"patients": [...],
// "postcodes": [...], "practices": [...]}, refusing unknown fields,
// repeated keys and entries without their key. name is for messages.
func LoadDirectory(r io.Reader, name string) (*Directory, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxDirectorySize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > MaxDirectorySize {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, MaxDirectorySize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f DirectoryEntries
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	d, err := newDirectory(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return d, nil
}

// normPostcode compares postcodes without spaces or case.
func normPostcode(s string) string { return strings.ToUpper(strings.ReplaceAll(s, " ", "")) }

func newDirectory(f DirectoryEntries) (*Directory, error) {
	d := &Directory{patients: map[string]PatientRecord{}, postcodes: map[string]PostcodeArea{}, practices: map[string]Practice{}}
	for i, p := range f.Patients {
		if p.NHSNumber == "" {
			return nil, fmt.Errorf("patients[%d]: no nhsNumber", i)
		}
		if _, dup := d.patients[p.NHSNumber]; dup {
			return nil, fmt.Errorf("patients[%d]: NHS number %s is listed twice", i, p.NHSNumber)
		}
		if strings.Trim(strings.ToUpper(p.Flags), "SI") != "" {
			return nil, fmt.Errorf("patients[%d]: flags %q: only S (sensitive) and I (invalid) are known", i, p.Flags)
		}
		p.GP, p.Flags = strings.ToUpper(p.GP), strings.ToUpper(p.Flags)
		d.patients[p.NHSNumber] = p
	}
	for i, a := range f.Postcodes {
		k := normPostcode(a.Postcode)
		if k == "" {
			return nil, fmt.Errorf("postcodes[%d]: no postcode", i)
		}
		if _, dup := d.postcodes[k]; dup {
			return nil, fmt.Errorf("postcodes[%d]: postcode %s is listed twice", i, a.Postcode)
		}
		d.postcodes[k] = a
	}
	for i, p := range f.Practices {
		k := strings.ToUpper(p.Code)
		if k == "" {
			return nil, fmt.Errorf("practices[%d]: no code", i)
		}
		if _, dup := d.practices[k]; dup {
			return nil, fmt.Errorf("practices[%d]: practice %s is listed twice", i, p.Code)
		}
		d.practices[k] = p
	}
	return d, nil
}

// SampleDirectory is a small made-up directory around the codes of the
// guide's examples: the patient 9434765919 of the subscription examples
// and 9912003888 of the PDS examples, registered with A91545 under ICB
// sub-location X2458, living in LS17 7DF (Leeds, England).
func SampleDirectory() *Directory {
	d, err := newDirectory(DirectoryEntries{
		Patients: []PatientRecord{
			{NHSNumber: "9434765919", GP: "A91545", Postcode: "LS17 7DF"},
			{NHSNumber: "9912003888", GP: "A91545", Postcode: "LS17 7DF"},
		},
		Postcodes: []PostcodeArea{{Postcode: "LS17 7DF", LocalAuthority: "E08000035", ICBSubLocation: "X2458", Country: "E92000001"}},
		Practices: []Practice{{Code: "A91545", ICBSubLocation: "X2458"}},
	})
	if err != nil {
		panic(err) // constant data
	}
	return d
}

// Patient returns the record of an NHS number. A store error reads as
// not found: the server itself uses Lookup, which reports it.
func (d *Directory) Patient(nhsNumber string) (PatientRecord, bool) {
	if d == nil {
		return PatientRecord{}, false
	}
	p, ok, _ := d.Lookup(context.Background(), nhsNumber)
	return p, ok
}

// Lookup returns the record of an NHS number, from the store once the
// directory is bound to one (see Server), from memory until then.
func (d *Directory) Lookup(ctx context.Context, nhsNumber string) (PatientRecord, bool, error) {
	d.mu.RLock()
	st, p, ok := d.store, d.patients[nhsNumber], false
	if st == nil {
		_, ok = d.patients[nhsNumber]
	}
	d.mu.RUnlock()
	if st != nil {
		return st.Patient(ctx, nhsNumber)
	}
	return p, ok, nil
}

// Put adds or replaces a patient's record, as a PDS event does.
func (d *Directory) Put(ctx context.Context, p PatientRecord) error {
	p.GP, p.Flags = strings.ToUpper(p.GP), strings.ToUpper(p.Flags)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.store != nil {
		return d.store.PutPatient(ctx, p)
	}
	if d.patients == nil {
		d.patients = map[string]PatientRecord{}
	}
	d.patients[p.NHSNumber] = p
	return nil
}

// ReplaceWith puts the content of other, an unbound directory, in place
// of d's.
func (d *Directory) ReplaceWith(ctx context.Context, other *Directory) error {
	other.mu.RLock()
	p, a, g := other.patients, other.postcodes, other.practices
	entries := other.entries()
	other.mu.RUnlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.store != nil {
		return d.store.ReplaceDirectory(ctx, entries)
	}
	d.patients, d.postcodes, d.practices = p, a, g
	return nil
}

// Sizes counts the patients, postcodes and practices of an unbound
// directory, such as one LoadDirectory returned.
func (d *Directory) Sizes() (patients, postcodes, practices int) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.patients), len(d.postcodes), len(d.practices)
}

// entries lists the content of the maps, sorted, so that the same
// content always gives the same seed. The caller holds d.mu.
func (d *Directory) entries() DirectoryEntries {
	var e DirectoryEntries
	for _, p := range d.patients {
		e.Patients = append(e.Patients, p)
	}
	for k, a := range d.postcodes {
		a.Postcode = k
		e.Postcodes = append(e.Postcodes, a)
	}
	for k, g := range d.practices {
		g.Code = k
		e.Practices = append(e.Practices, g)
	}
	slices.SortFunc(e.Patients, func(a, b PatientRecord) int { return strings.Compare(a.NHSNumber, b.NHSNumber) })
	slices.SortFunc(e.Postcodes, func(a, b PostcodeArea) int { return strings.Compare(a.Postcode, b.Postcode) })
	slices.SortFunc(e.Practices, func(a, b Practice) int { return strings.Compare(a.Code, b.Code) })
	return e
}

// bind makes store the home of the directory from now on. Unless the
// store was last seeded with the same content, the directory's own
// content replaces the store's first: restarting with the same file (or
// the sample) keeps what PDS events and the admin API changed since,
// while a changed file is applied. seed is false for an empty directory
// the caller did not give, which never replaces anything.
func (d *Directory) bind(ctx context.Context, store DirectoryStore, seed bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.store != nil {
		if d.store == store {
			return nil
		}
		return errors.New("the directory is already kept in another store")
	}
	if seed {
		e := d.entries()
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		if _, err := store.SeedDirectory(ctx, e, hex.EncodeToString(sum[:])); err != nil {
			return fmt.Errorf("directory: %w", err)
		}
	}
	d.store = store
	d.patients, d.postcodes, d.practices = nil, nil, nil
	return nil
}

// Withheld reports whether messages about the patient must not flow.
func (p PatientRecord) Withheld() bool { return strings.ContainsAny(p.Flags, "SI") }

// RuleCodes gives, for each generic rule type, the organisation code a
// subscription must name to match the patient (spec 7.1); a rule type the
// directory cannot place the patient for is left out.
func (d *Directory) RuleCodes(ctx context.Context, p PatientRecord) (map[string]string, error) {
	d.mu.RLock()
	st := d.store
	var area PostcodeArea
	var practice Practice
	var hasArea, hasPractice bool
	if st == nil {
		area, hasArea = d.postcodes[normPostcode(p.Postcode)]
		practice, hasPractice = d.practices[p.GP]
	}
	d.mu.RUnlock()
	if st != nil && p.areas != nil && p.areas.gp == p.GP && p.areas.postcode == p.Postcode {
		practice, hasPractice, area, hasArea = p.areas.practice, p.areas.hasPractice, p.areas.area, p.areas.hasArea
	} else if st != nil {
		var err error
		if p.GP != "" {
			if practice, hasPractice, err = st.Practice(ctx, p.GP); err != nil {
				return nil, err
			}
		}
		if p.Postcode != "" {
			if area, hasArea, err = st.PostcodeArea(ctx, normPostcode(p.Postcode)); err != nil {
				return nil, err
			}
		}
	}
	out := map[string]string{}
	if p.GP != "" {
		out["GP_GP_GP"] = p.GP
		if hasPractice && practice.ICBSubLocation != "" {
			out["CHO_GP_CCG"] = strings.ToUpper(practice.ICBSubLocation)
		}
	}
	if hasArea && p.Postcode != "" {
		for rule, code := range map[string]string{"CHO_POSTCODE_CCG": area.ICBSubLocation, "UHV_POSTCODE_LACODE": area.LocalAuthority, "COUNTRYCODE": area.Country} {
			if code != "" {
				out[rule] = strings.ToUpper(code)
			}
		}
	}
	return out, nil
}
