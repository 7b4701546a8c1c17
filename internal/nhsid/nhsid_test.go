package nhsid

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckNHSNumber(t *testing.T) {
	tests := []struct {
		in      string
		wantErr error  // nil = valid
		inMsg   string // substring the message must hold
	}{
		// Values from spec/nems.md 8.1 and the NEMS example corpus.
		{"9434765919", nil, ""},
		{"9912003888", nil, ""},
		{"5900005879", nil, ""},
		{"1112223330", ErrCheckDigit, "check digit is 0; the modulus 11 check of the first nine digits expects 9"},
		{"6101231234", ErrCheckDigit, "expects 2"},
		// Check value 11 reads as 0.
		{"0000000000", nil, ""},
		// Sum 12, remainder 1, check value 10: invalid whatever the last digit.
		{"0000000060", ErrCheckDigit, "is 10"},
		{"0000000069", ErrCheckDigit, "is 10"},
		// Test-range numbers follow the same rule.
		{"9990000018", nil, ""},
		{"9990000017", ErrCheckDigit, "expects 8"},
		{"", ErrEmpty, "expected 10 digits"},
		{"943476591", ErrLength, "has 9 digits"},
		{"94347659190", ErrLength, "has 11 digits"},
		{"943 476 5919", ErrCharacter, "without separators"},
		{"943-476-5919", ErrCharacter, "without separators"},
		{" 9434765919", ErrCharacter, "without separators"},
		{"9434765919\n", ErrCharacter, `'\n'`},
		{"94347659I9", ErrCharacter, `'I'`},
		{"９４３４７６５９１９", ErrCharacter, "only the digits"}, // full-width digits
		{"\u200b9434765919", ErrCharacter, `'\u200b'`},
	}
	for _, tt := range tests {
		err := CheckNHSNumber(tt.in)
		if tt.wantErr == nil {
			if err != nil {
				t.Errorf("CheckNHSNumber(%q) = %v, want nil", tt.in, err)
			}
			continue
		}
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("CheckNHSNumber(%q) = %v, want %v", tt.in, err, tt.wantErr)
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindNHSNumber || e.Value != tt.in {
			t.Errorf("CheckNHSNumber(%q): error %#v lacks kind or value", tt.in, err)
		}
		if !strings.Contains(err.Error(), tt.inMsg) {
			t.Errorf("CheckNHSNumber(%q) message %q does not contain %q", tt.in, err, tt.inMsg)
		}
	}
}

func TestNHSNumberCheckDigit(t *testing.T) {
	tests := []struct {
		in     string
		digit  int
		wantOK bool
	}{
		{"943476591", 9, true},
		{"111222333", 9, true},
		{"610123123", 2, true},
		{"000000000", 0, true},
		{"000000006", 0, false}, // check value 10
		{"12345678", 0, false},
		{"1234567890", 0, false},
		{"12345678x", 0, false},
	}
	for _, tt := range tests {
		d, ok := NHSNumberCheckDigit(tt.in)
		if d != tt.digit || ok != tt.wantOK {
			t.Errorf("NHSNumberCheckDigit(%q) = %d, %v; want %d, %v", tt.in, d, ok, tt.digit, tt.wantOK)
		}
	}
}

func TestNormalizeNHSNumber(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  error
	}{
		{"9434765919", "9434765919", nil},
		{"943 476 5919", "9434765919", nil},
		{"  943 476 5919 ", "9434765919", nil},
		{"9434 765 919", "", ErrCharacter},
		{"943  476 5919", "", ErrCharacter},
		{"943 476 5918", "", ErrCheckDigit},
		{"943-476-5919", "", ErrCharacter},
	}
	for _, tt := range tests {
		got, err := NormalizeNHSNumber(tt.in)
		if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
			t.Errorf("NormalizeNHSNumber(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		var e *Error
		if errors.As(err, &e) && e.Value != tt.in {
			t.Errorf("NormalizeNHSNumber(%q): error reports value %q, want the input", tt.in, e.Value)
		}
	}
}

func TestIsTestNHSNumber(t *testing.T) {
	for in, want := range map[string]bool{
		"9990000018":  true,
		"9990000017":  true, // range only, not the check digit
		"9434765919":  false,
		"999000001":   false,
		"999000001x":  false,
		"99900000180": false,
	} {
		if got := IsTestNHSNumber(in); got != want {
			t.Errorf("IsTestNHSNumber(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestCheckODS(t *testing.T) {
	tests := []struct {
		check   func(string) error
		name    string
		in      string
		wantErr error
		inMsg   string
	}{
		// Organisation codes seen in the NEMS examples (spec/nems.md 8.2).
		{CheckODSOrganisationCode, "org", "X26", nil, ""},
		{CheckODSOrganisationCode, "org", "02V", nil, ""},
		{CheckODSOrganisationCode, "org", "5D7", nil, ""},
		{CheckODSOrganisationCode, "org", "RR830", nil, ""},
		{CheckODSOrganisationCode, "org", "01DAM", nil, ""},
		{CheckODSOrganisationCode, "org", "B86056", nil, ""},
		{CheckODSOrganisationCode, "org", "ABC123", nil, ""},
		{CheckODSOrganisationCode, "org", "", ErrEmpty, "expected 3 to 6"},
		{CheckODSOrganisationCode, "org", "X2", ErrLength, "has 2 characters; expected 3 to 6"},
		{CheckODSOrganisationCode, "org", "A83627001", ErrLength, "has 9 characters"},
		{CheckODSOrganisationCode, "org", "rr8", ErrCase, `"RR8"`},
		{CheckODSOrganisationCode, "org", "RR8 ", ErrCharacter, "' '"},
		{CheckODSOrganisationCode, "org", "RR-8", ErrCharacter, "'-'"},
		{CheckODSOrganisationCode, "org", "RÉ8", ErrCharacter, "'É'"},
		// Site codes seen in the NEMS examples.
		{CheckODSSiteCode, "site", "RX3EP", nil, ""},
		{CheckODSSiteCode, "site", "A83627", nil, ""},
		{CheckODSSiteCode, "site", "A83627001", nil, ""},
		{CheckODSSiteCode, "site", "RR8", ErrLength, "expected 5 to 9"},
		{CheckODSSiteCode, "site", "A836270011", ErrLength, "has 10 characters"},
		{CheckODSSiteCode, "site", "a83627001", ErrCase, "upper case"},
	}
	for _, tt := range tests {
		err := tt.check(tt.in)
		if (tt.wantErr == nil) != (err == nil) || !errors.Is(err, tt.wantErr) {
			t.Errorf("%s %q: got %v, want %v", tt.name, tt.in, err, tt.wantErr)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), tt.inMsg) {
			t.Errorf("%s %q: message %q does not contain %q", tt.name, tt.in, err, tt.inMsg)
		}
	}
}

func TestCheckASID(t *testing.T) {
	tests := []struct {
		in      string
		wantErr error
	}{
		// ASIDs from spec/nems.md 8.3.
		{"477121000323", nil},
		{"618729461037", nil},
		{"300000000161", nil},
		{"200000000205", nil},
		{"", ErrEmpty},
		{"20000000020", ErrLength},
		{"2000000002050", ErrLength},
		{"urn:nhs:addressing:asid:200000000205", ErrCharacter},
		{"https://fhir.nhs.uk/Id/accredited-system|200000000205", ErrCharacter},
		{"200000000 05", ErrCharacter},
	}
	for _, tt := range tests {
		err := CheckASID(tt.in)
		if (tt.wantErr == nil) != (err == nil) || !errors.Is(err, tt.wantErr) {
			t.Errorf("CheckASID(%q) = %v, want %v", tt.in, err, tt.wantErr)
		}
	}
}

func TestCheckUUID(t *testing.T) {
	tests := []struct {
		in      string
		wantErr error
		inMsg   string
	}{
		{"3cfdf880-86e9-4b5b-8ff0-4a2d4d0a23b7", nil, ""},
		{"3CFDF880-86E9-4B5B-8FF0-4A2D4D0A23B7", nil, ""}, // RFC 4122: any case on input
		{"00000000-0000-0000-0000-000000000000", nil, ""},
		{"", ErrEmpty, ""},
		{"3cfdf88086e94b5b8ff04a2d4d0a23b7", ErrForm, "no hyphens"},
		{"{3cfdf880-86e9-4b5b-8ff0-4a2d4d0a23b7}", ErrForm, "braces"},
		{"urn:uuid:3cfdf880-86e9-4b5b-8ff0-4a2d4d0a23b7", ErrForm, "prefix"},
		{"3cfdf880-86e9-4b5b-8ff0", ErrForm, "4 hyphen-separated groups"},
		{"3cfdf88-086e9-4b5b-8ff0-4a2d4d0a23b7", ErrLength, "group 1 has 7"},
		{"3cfdf880-86e9-4b5b-8ff0-4a2d4d0a23bg", ErrCharacter, "group 5 contains 'g'"},
		{"ea0a4851-8720-4b49-b978-bdcf7102388c-", ErrForm, "6 hyphen-separated"},
	}
	for _, tt := range tests {
		err := CheckUUID(tt.in)
		if (tt.wantErr == nil) != (err == nil) || !errors.Is(err, tt.wantErr) {
			t.Errorf("CheckUUID(%q) = %v, want %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), tt.inMsg) {
			t.Errorf("CheckUUID(%q): message %q does not contain %q", tt.in, err, tt.inMsg)
		}
	}
}

func TestURNUUID(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr error
		inMsg   string
	}{
		{"urn:uuid:3cfdf880-86e9-4b5b-8ff0-4a2d4d0a23b7", "3cfdf880-86e9-4b5b-8ff0-4a2d4d0a23b7", nil, ""},
		{"urn:uuid:3CFDF880-86e9-4b5b-8ff0-4a2d4d0a23b7", "", ErrCase, "only lower case"},
		{"URN:UUID:3cfdf880-86e9-4b5b-8ff0-4a2d4d0a23b7", "", ErrCase, "prefix"},
		{"3cfdf880-86e9-4b5b-8ff0-4a2d4d0a23b7", "", ErrForm, "bare UUID"},
		{"urn:oid:1.2.3", "", ErrForm, "does not start"},
		{"urn:uuid:", "", ErrEmpty, ""},
		{"urn:uuid:3cfdf88086e94b5b8ff04a2d4d0a23b7", "", ErrForm, "no hyphens"},
		{"", "", ErrEmpty, ""},
	}
	for _, tt := range tests {
		got, err := UUIDFromURN(tt.in)
		if got != tt.want || (tt.wantErr == nil) != (err == nil) || !errors.Is(err, tt.wantErr) {
			t.Errorf("UUIDFromURN(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.wantErr)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), tt.inMsg) {
			t.Errorf("UUIDFromURN(%q): message %q does not contain %q", tt.in, err, tt.inMsg)
		}
		if (CheckURNUUID(tt.in) == nil) != (err == nil) {
			t.Errorf("CheckURNUUID(%q) disagrees with UUIDFromURN", tt.in)
		}
	}
}

func TestSplitToken(t *testing.T) {
	sys, val, ok := SplitToken(SystemNHSNumberSpine + "|9434765919")
	if !ok || sys != SystemNHSNumberSpine || val != "9434765919" {
		t.Errorf("SplitToken = %q, %q, %v", sys, val, ok)
	}
	if _, _, ok := SplitToken("9434765919"); ok {
		t.Error("SplitToken without | reported ok")
	}
}

func TestErrorMessageBounded(t *testing.T) {
	long := strings.Repeat("9", 10000)
	msg := CheckNHSNumber(long).Error()
	if len(msg) > 300 || !strings.Contains(msg, "10000 bytes") {
		t.Errorf("message for a long value is %d bytes: %.120s", len(msg), msg)
	}
}

// nhsNumberReference is a deliberately plain second implementation of the
// modulus 11 rule, for the fuzz target to compare with.
func nhsNumberReference(s string) bool {
	if len(s) != 10 {
		return false
	}
	sum := 0
	for i := 0; i < 10; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		if i < 9 {
			sum += int(s[i]-'0') * (10 - i)
		}
	}
	check := (11 - sum%11) % 11
	return check != 10 && check == int(s[9]-'0')
}

func FuzzCheckNHSNumber(f *testing.F) {
	for _, s := range []string{"9434765919", "1112223330", "6101231234", "0000000060", "943 476 5919", "", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckNHSNumber(s)
		if want := nhsNumberReference(s); want != (err == nil) {
			t.Fatalf("CheckNHSNumber(%q) = %v, reference says valid=%v", s, err, want)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Err == nil || e.Detail == "" {
				t.Fatalf("CheckNHSNumber(%q) returned an undescriptive error %#v", s, err)
			}
			_ = err.Error()
		}
		if n, err := NormalizeNHSNumber(s); err == nil && CheckNHSNumber(n) != nil {
			t.Fatalf("NormalizeNHSNumber(%q) = %q which does not pass CheckNHSNumber", s, n)
		}
	})
}

func FuzzUUID(f *testing.F) {
	for _, s := range []string{"urn:uuid:3cfdf880-86e9-4b5b-8ff0-4a2d4d0a23b7", "3CFDF880-86E9-4B5B-8FF0-4A2D4D0A23B7", "{-}", "urn:uuid:----"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := UUIDFromURN(s)
		if err == nil {
			if CheckUUID(u) != nil || URNUUIDPrefix+u != s || strings.ToLower(s) != s {
				t.Fatalf("UUIDFromURN(%q) accepted %q inconsistently", s, u)
			}
		}
		if CheckUUID(s) == nil && len(s) != 36 {
			t.Fatalf("CheckUUID accepted %q of length %d", s, len(s))
		}
	})
}
