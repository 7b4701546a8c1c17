package nems

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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
}

// directoryFile is the JSON form LoadDirectory reads.
type directoryFile struct {
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
	var f directoryFile
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

func newDirectory(f directoryFile) (*Directory, error) {
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
	d, err := newDirectory(directoryFile{
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

// Patient returns the record of an NHS number.
func (d *Directory) Patient(nhsNumber string) (PatientRecord, bool) {
	if d == nil {
		return PatientRecord{}, false
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	p, ok := d.patients[nhsNumber]
	return p, ok
}

// SetPatient adds or replaces a patient's record, as a PDS event does.
func (d *Directory) SetPatient(p PatientRecord) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.patients == nil {
		d.patients = map[string]PatientRecord{}
	}
	p.GP, p.Flags = strings.ToUpper(p.GP), strings.ToUpper(p.Flags)
	d.patients[p.NHSNumber] = p
}

// Replace puts the content of other in place of d's.
func (d *Directory) Replace(other *Directory) {
	other.mu.RLock()
	p, a, g := other.patients, other.postcodes, other.practices
	other.mu.RUnlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.patients, d.postcodes, d.practices = p, a, g
}

// Sizes counts the patients, postcodes and practices.
func (d *Directory) Sizes() (patients, postcodes, practices int) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.patients), len(d.postcodes), len(d.practices)
}

// Withheld reports whether messages about the patient must not flow.
func (p PatientRecord) Withheld() bool { return strings.ContainsAny(p.Flags, "SI") }

// RuleCodes gives, for each generic rule type, the organisation code a
// subscription must name to match the patient (spec 7.1); a rule type the
// directory cannot place the patient for is left out.
func (d *Directory) RuleCodes(p PatientRecord) map[string]string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := map[string]string{}
	if p.GP != "" {
		out["GP_GP_GP"] = p.GP
		if pr, ok := d.practices[p.GP]; ok && pr.ICBSubLocation != "" {
			out["CHO_GP_CCG"] = strings.ToUpper(pr.ICBSubLocation)
		}
	}
	if a, ok := d.postcodes[normPostcode(p.Postcode)]; ok && p.Postcode != "" {
		for rule, code := range map[string]string{"CHO_POSTCODE_CCG": a.ICBSubLocation, "UHV_POSTCODE_LACODE": a.LocalAuthority, "COUNTRYCODE": a.Country} {
			if code != "" {
				out[rule] = strings.ToUpper(code)
			}
		}
	}
	return out
}
