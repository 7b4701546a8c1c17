package fhirpath

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

const patientJSON = `{"resourceType":"Patient","id":"p1",
 "meta":{"versionId":"3","lastUpdated":"2020-01-02T10:00:00Z"},
 "extension":[{"url":"http://ex/a","valueString":"A"},{"url":"http://ex/b","valueDecimal":1.50}],
 "active":true,
 "name":[{"use":"official","family":"Smith","given":["John","Jacob"]},{"use":"usual","given":["Jack"]}],
 "telecom":[{"system":"phone","value":"0113 496 0000"},{"system":"email","value":"J.Smith@example.org"}],
 "gender":"male","birthDate":"1970-05-12","multipleBirthInteger":2,
 "contained":[{"resourceType":"Organization","id":"o1","name":"Org"}],
 "managingOrganization":{"reference":"#o1"},
 "text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Hi</div>"}}`

const observationJSON = `{"resourceType":"Observation","id":"o",
 "status":"final","code":{"coding":[{"system":"http://loinc.org","code":"1234-5"}]},
 "effectiveDateTime":"2020-02-03T04:05:06+01:00",
 "valueQuantity":{"value":72.50,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"},
 "referenceRange":[{"low":{"value":50,"code":"kg"},"high":{"value":90.0,"code":"kg"}}],
 "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueInteger":120},
              {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueInteger":80}]}`

// fixedNow is the clock tests evaluate with.
var fixedNow = time.Date(2024, 3, 15, 12, 34, 56, 789e6, time.UTC)

// render prints a collection compactly: strings quoted, other values as
// toString() gives them, complex elements by type.
func render(c Collection) string {
	parts := make([]string, len(c))
	for i, it := range c {
		v, ok := valueOf(it)
		switch {
		case !ok:
			parts[i] = it.node.Type()
		case v.SystemType() == "String":
			parts[i] = "'" + v.String() + "'"
		default:
			parts[i] = v.String()
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

type evalCase struct {
	expr string
	want string // rendered result, or "error" for an evaluation error
}

func runCases(t *testing.T, root *tnode, env *Env, cases []evalCase) {
	t.Helper()
	for _, c := range cases {
		e, err := Compile(c.expr)
		if err != nil {
			t.Errorf("%s: compile: %v", c.expr, err)
			continue
		}
		var node Node
		if root != nil {
			node = root
		}
		res, err := e.Evaluate(context.Background(), node, env)
		got := render(res.Collection)
		if err != nil {
			got = "error"
			if c.want != "error" {
				t.Errorf("%s: unexpected error %v", c.expr, err)
				continue
			}
		}
		if got != c.want {
			t.Errorf("%s\n\tgot  %s\n\twant %s", c.expr, got, c.want)
		}
	}
}

func testEnv() *Env { return &Env{Now: fixedNow} }

func TestLiteralsAndOperators(t *testing.T) {
	runCases(t, nil, testEnv(), []evalCase{
		{"true", "[true]"},
		{"{}", "[]"},
		{"'a\\'b\\u0041\\n'", "['a'bA\n']"},
		{"1 + 2 * 3", "[7]"},
		{"(1 + 2) * 3", "[9]"},
		{"-1 + 2", "[1]"},
		{"- (2 * 3)", "[-6]"},
		{"7 div 2", "[3]"},
		{"-7 div 2", "[-3]"},
		{"7 mod 3", "[1]"},
		{"7.5 div 2", "[3]"},
		{"7.5 mod 2", "[1.5]"},
		{"7 / 2", "[3.5]"},
		{"1 / 3", "[0.33333333]"},
		{"1 / 0", "[]"},
		{"5 div 0", "[]"},
		{"1.1 + 2.20", "[3.30]"},
		{"0.1 + 0.2 = 0.3", "[true]"},
		{"1.50 * 2", "[3.00]"},
		{"9223372036854775807 + 1", "error"},
		{"'a' + 'b'", "['ab']"},
		{"'a' & {} & 'c'", "['ac']"},
		{"'n' & 1", "['n1']"},
		{"{} + 1", "[]"},
		{"1 = 1.0", "[true]"},
		{"1 != 2", "[true]"},
		{"1 <> 1", "[false]"},
		{"'a' = 'A'", "[false]"},
		{"'a' ~ 'A'", "[true]"},
		{"'a  b ' ~ 'A b'", "[true]"},
		{"'a' !~ 'b'", "[true]"},
		{"1.2 ~ 1.23", "[true]"},
		{"{} = 1", "[]"},
		{"{} ~ {}", "[true]"},
		{"(1 | 2) = (1 | 2)", "[true]"},
		{"(1 | 2) = (2 | 1)", "[false]"},
		{"(1 | 2) ~ (2 | 1)", "[true]"},
		{"1 < 2", "[true]"},
		{"2.0 <= 2", "[true]"},
		{"'abc' > 'abd'", "[false]"},
		{"1 < 'a'", "error"},
		{"(1 | 2) < 3", "error"},
		{"1 | 2 | 1", "[1, 2]"},
		{"1 | 1.0", "[1]"},
		{"2 in (1 | 2)", "[true]"},
		{"3 in (1 | 2)", "[false]"},
		{"{} in (1 | 2)", "[]"},
		{"(1 | 2) contains 2", "[true]"},
		{"(1 | 2) in (1 | 2 | 3)", "error"},
		{"5 'mg' = 5.0 'mg'", "[true]"},
		{"5 'mg' < 6 'mg'", "[true]"},
		// Units are compared through UCUM: commensurable ones convert,
		// others give empty.
		{"5 'mg' < 6 'g'", "[true]"},
		{"5 'mg' < 6 'm'", "[]"},
		{"5 'mg' = 5 'mL'", "[]"},
		{"1 'kg' >= 1000 'g'", "[true]"},
		{"1 '[in_i]' = 2.54 'cm'", "[true]"},
		{"1 'tablets' = 1 'tablets'", "[true]"},
		{"1 'tablets' = 1 'mg'", "[]"},
		{"4 'g' ~ 4000 'mg'", "[true]"},
		{"4 'g' ~ 4040 'mg'", "[true]"},
		{"4 'g' ~ 4600 'mg'", "[false]"},
		{"4040 'mg' ~ 4 'g'", "[true]"},
		{"4.00 'g' ~ 4040 'mg'", "[false]"},
		{"4 'g' ~ 4 'm'", "[false]"},
		{"4 'g' !~ 4 'm'", "[true]"},
		{"(1 'g' | 1000 'mg').count()", "[1]"},
		{"1 'g' + 1 'mg'", "[1001 'mg']"},
		{"1 'mg' + 1 'g'", "[1001 'mg']"},
		{"1 'g' - 1 'mg'", "[999 'mg']"},
		{"1 'g' + 1 'm'", "[]"},
		{"1 day + 1 hour", "[25 hour]"},
		{"2.0 'cm' * 2.0 'm' = 0.040 'm2'", "[true]"},
		{"2 'cm' * 3 'm'", "[6 'cm.m']"},
		{"1 'Cel' * 2 'm'", "[]"},
		{"1 'd' = 1 day", "[true]"},
		// Calendar durations (FHIRPath R4 §6.1.1, §6.1.3): a week or less
		// equals its UCUM duration; a calendar year or month is not
		// comparable with the UCUM one, only equivalent.
		{"7 days = 1 'wk'", "[true]"},
		{"1 week = 7 'd'", "[true]"},
		{"1 second = 1 's'", "[true]"},
		{"24 hours = 1 'd'", "[true]"},
		{"1 year = 1 'a'", "[]"},
		{"1 year != 1 'a'", "[]"},
		{"1 month < 1 'a'", "[]"},
		{"1 year = 12 months", "[]"},
		{"1 year = 1 years", "[true]"},
		{"1 year ~ 1 'a'", "[true]"},
		{"1 month ~ 1 'mo'", "[true]"},
		{"1 year ~ 12 months", "[true]"},
		{"1 year * 2 'm'", "[]"},
		{"3 days + 4 days", "[7 'day']"[0:0] + "[7 days]"},
		{"2 'mg' * 3", "[6 'mg']"},
		// Quantity by quantity: the unit written as UCUM writes it.
		{"4.0 'g' / 2.0 'm'", "[2 'g/m']"},
		{"4.0 'g' / 2.0 'm' = 2 'g/m'", "[true]"},
		{"1.0 'm' / 1.0 'm'", "[1 '1']"},
		{"2 'm' * 3 'm'", "[6 'm2']"},
		{"2 'cm' * 3 'g'", "[6 'cm.g']"},
		{"2 'm' * 3 '1'", "[6 'm']"},
		{"6 'g' / 2 'm.s'", "[3 'g/(m.s)']"},
		{"6 'g' / 0 'm'", "[]"},
		{"-5 'mg'", "[-5 'mg']"},
		{"@2014 is Date", "[true]"},
		{"@2014-01-25T14:30:14.559Z is DateTime", "[true]"},
		{"@T14:30 is Time", "[true]"},
		{"1 is Integer", "[true]"},
		{"1 is System.Integer", "[true]"},
		{"1.0 is Decimal", "[true]"},
		{"'a' is String", "[true]"},
		{"'a' is string", "[true]"},
		{"'a' as Integer", "[]"},
		{"(1 | 2) is Integer", "error"},
		{"`true`", "[]"},
		{"1 // comment\n + /* block */ 1", "[2]"},
	})
}

func TestThreeValuedLogic(t *testing.T) {
	vals := map[string]string{"T": "true", "F": "false", "E": "{}"}
	table := []struct {
		op   string
		want string // results for (l, r) in TT TF TE FT FF FE ET EF EE
	}{
		{"and", "TFEFFFEFE"},
		{"or", "TTTTFETEE"},
		{"xor", "FTETFEEEE"},
		{"implies", "TFETTTTEE"},
	}
	order := []string{"TT", "TF", "TE", "FT", "FF", "FE", "ET", "EF", "EE"}
	show := map[byte]string{'T': "[true]", 'F': "[false]", 'E': "[]"}
	for _, row := range table {
		var cases []evalCase
		for i, pair := range order {
			expr := vals[pair[:1]] + " " + row.op + " " + vals[pair[1:]]
			cases = append(cases, evalCase{expr, show[row.want[i]]})
		}
		runCases(t, nil, testEnv(), cases)
	}
	runCases(t, nil, testEnv(), []evalCase{
		{"'x' and true", "[true]"}, // a single non-boolean is true
		{"(true | false) and true", "error"},
		{"false and (1 | 2)", "[false]"}, // short-circuit: the right side is not needed
		{"true or (1 < 'a')", "[true]"},
	})
}

func TestAssumedZone(t *testing.T) {
	env := testEnv()
	env.Location = time.FixedZone("", 5*3600)
	runCases(t, nil, env, []evalCase{
		{"@2012-04-15T15:00:00Z = @2012-04-15T20:00:00", "[true]"},
		{"@2012-04-15T15:00:00Z < @2012-04-15T10:00:00", "[false]"},
	})
}

func TestDateTime(t *testing.T) {
	runCases(t, nil, testEnv(), []evalCase{
		{"@2014-01-25 = @2014-01-25", "[true]"},
		{"@2014-01-25 < @2014-01-26", "[true]"},
		{"@2014-01 < @2014-01-26", "[]"},
		{"@2014-01 < @2014-02-26", "[true]"},
		{"@2014-01 = @2014-01-01", "[]"},
		{"@2014-01 ~ @2014-01-01", "[false]"},
		{"@2014-01-25T10:00:00Z = @2014-01-25T11:00:00+01:00", "[true]"},
		{"@2014-01-25T10:00:00.000Z = @2014-01-25T10:00:00Z", "[true]"},
		{"@2014-01-25T10:00Z < @2014-01-25T10:00:30Z", "[]"},
		{"@2014-01-25T10:00:00Z > @2014-01-25", "[]"},
		{"@2014-01-25T10:00:00Z > @2014-01-24", "[true]"},
		// A zone on one side only: no answer, unless Env.Location says
		// which zone the other is in (TestAssumedZone).
		{"@2012-04-15T15:00:00Z = @2012-04-15T10:00:00", "[]"},
		{"@2012-04-15T15:00:00Z != @2012-04-15T10:00:00", "[]"},
		{"@2012-04-15T15:00:00Z > @2012-04-15T10:00:00", "[]"},
		{"@2012-04-15T15:00:00 > @2012-04-15T10:00:00", "[true]"},
		{"@T10:00 < @T10:30:00", "[true]"},
		{"@T10:00 = @T10:00:00", "[]"},
		// A month from 31 January is the last day of February.
		{"@2014-01-31 + 1 month", "[2014-02-28]"},
		{"@2016-02-29 + 1 year", "[2017-02-28]"},
		{"@2014-03-31T10:00:00Z - 1 month", "[2014-02-28T10:00:00Z]"},
		{"@2014-01-15 + 1 'mo'", "error"},
		{"@2014-01-15 + 1 'a'", "error"},
		{"@2014-01-15 - 2 weeks", "[2014-01-01]"},
		{"@2014-01-15T10:00:00Z + 90 minutes", "[2014-01-15T11:30:00Z]"},
		// Fractions are dropped: date arithmetic moves whole units.
		{"@2014-01-15 + 1.5 days", "[2014-01-16]"},
		{"@2014-01-15 - 1.5 days", "[2014-01-14]"},
		{"@2014-01-15T10:00:00.000Z + 0.1 's'", "[2014-01-15T10:00:00.000Z]"},
		{"today()", "[2024-03-15]"},
		{"now()", "[2024-03-15T12:34:56.789Z]"},
		{"now() > @2024-01-01T00:00:00Z", "[true]"},
		{"today() - 1 year > @2023-03-14", "[true]"},
		{"timeOfDay()", "[12:34:56.789]"},
		{"@2014-01-25 = '2014-01-25'", "[true]"},
		{"@2014-01-25 > '2014-01-24'", "[true]"},
	})
}

func TestNavigationAndFunctions(t *testing.T) {
	p := fromJSON(t, patientJSON)
	env := testEnv()
	runCases(t, p, env, []evalCase{
		// Paths and the type prefix.
		{"Patient.name.given", "['John', 'Jacob', 'Jack']"},
		{"name.given", "['John', 'Jacob', 'Jack']"},
		{"DomainResource.id", "['p1']"},
		{"Resource.id", "['p1']"},
		{"Observation.id", "[]"},
		{"name.given[1]", "['Jacob']"},
		{"name[1].given[0]", "['Jack']"},
		{"name.given[5]", "[]"},
		{"name.nothing", "[]"},
		{"multipleBirth", "[2]"},
		{"multipleBirthInteger", "[2]"},
		{"multipleBirth is integer", "[true]"},
		// System names are for System values, not FHIR elements.
		{"multipleBirth is Integer", "[false]"},
		{"multipleBirth.toInteger() is Integer", "[true]"},
		{"birthDate is date", "[true]"},
		{"birthDate is FHIR.date", "[true]"},
		{"birthDate is System.Date", "[false]"},
		{"gender is string", "[true]"},
		{"gender is code", "[true]"},
		{"gender is uri", "[false]"},
		{"$this is Patient", "[true]"},
		{"$this is DomainResource", "[true]"},
		{"contained.ofType(Organization).name", "['Org']"},
		{"contained is Organization", "[true]"},
		{"contained.as(Patient)", "[]"},
		{"(contained as Organization).id", "['o1']"},
		// Existence.
		{"name.exists()", "[true]"},
		{"name.exists(use = 'temp')", "[false]"},
		{"name.exists(given = 'Jack')", "[true]"},
		{"photo.empty()", "[true]"},
		{"name.all(given.exists())", "[true]"},
		{"name.all(family.exists())", "[false]"},
		{"photo.all(false)", "[true]"},
		{"(true | true).allTrue()", "[true]"},
		{"(true | false).anyTrue()", "[true]"},
		{"(false).allFalse()", "[true]"},
		{"(true).anyFalse()", "[false]"},
		{"name.given.count()", "[3]"},
		{"(1 | 2 | 3).count()", "[3]"},
		{"(name.given | name.given).count()", "[3]"},
		{"name.given.combine(name.given).count()", "[6]"},
		{"name.given.combine(name.given).distinct().count()", "[3]"},
		{"name.given.isDistinct()", "[true]"},
		{"name.given.combine('John').isDistinct()", "[false]"},
		{"name.use.subsetOf('official' | 'usual' | 'old')", "[true]"},
		{"name.use.supersetOf('official')", "[true]"},
		{"name.use.subsetOf('official')", "[false]"},
		// Filtering and projection.
		{"name.where(use = 'official').family", "['Smith']"},
		{"name.where(given.count() > 1).use", "['official']"},
		{"name.select(given.first())", "['John', 'Jack']"},
		{"name.select($index)", "[0, 1]"},
		{"name.where($index = 1).given", "['Jack']"},
		{"name.given.where($this.startsWith('Ja'))", "['Jacob', 'Jack']"},
		{"telecom.where(system = 'email').value.lower()", "['j.smith@example.org']"},
		// Subsetting.
		{"name.given.first()", "['John']"},
		{"name.given.last()", "['Jack']"},
		{"name.given.tail()", "['Jacob', 'Jack']"},
		{"name.given.skip(2)", "['Jack']"},
		{"name.given.skip(-1).count()", "[3]"},
		{"name.given.take(2)", "['John', 'Jacob']"},
		{"name.given.take(0)", "[]"},
		{"name.family.single()", "['Smith']"},
		{"name.given.single()", "error"},
		{"name.given.intersect('Jack' | 'Jill' | 'John')", "['John', 'Jack']"},
		{"name.given.exclude('Jack')", "['John', 'Jacob']"},
		{"name.given.union('Jill').count()", "[4]"},
		// Conversion.
		{"iif(active, 'yes', 'no')", "['yes']"},
		{"iif(gender = 'female', 'f')", "[]"},
		{"active.not()", "[false]"},
		{"photo.not()", "[]"},
		{"multipleBirth.toString()", "['2']"},
		{"'12'.toInteger() + 1", "[13]"},
		{"'1.5'.toInteger()", "[]"},
		{"'1.5'.toDecimal()", "[1.5]"},
		{"'x'.toDecimal()", "[]"},
		{"extension.value.where($this is decimal).toString()", "['1.50']"},
		{"'yes'.toBoolean()", "[true]"},
		// Strings.
		{"name.family.startsWith('Sm')", "[true]"},
		{"name.family.endsWith('th')", "[true]"},
		{"name.family.contains('mit')", "[true]"},
		{"name.family.indexOf('i')", "[2]"},
		{"name.family.indexOf('z')", "[-1]"},
		{"name.family.substring(1)", "['mith']"},
		{"name.family.substring(1, 2)", "['mi']"},
		{"name.family.substring(10)", "[]"},
		{"name.family.upper()", "['SMITH']"},
		{"name.family.length()", "[5]"},
		{"name.family.replace('mi', 'MI')", "['SMIth']"},
		{"'abc'.replace('', '-')", "['-a-b-c-']"},
		{"name.family.matches('^S[a-z]+$')", "[true]"},
		{"name.family.matches('^s')", "[false]"},
		{"name.family.replaceMatches('[aeiou]', '_')", "['Sm_th']"},
		{"'a1b22'.replaceMatches('(\\\\d+)', '<$1>')", "['a<1>b<22>']"},
		// Single-line mode: '.' matches a newline; an empty pattern
		// replaces nothing.
		{"'A\nB'.matches('A.B')", "[true]"},
		{"'A\nB'.replaceMatches('A.B', 'x')", "['x']"},
		{"'abc'.replaceMatches('', 'x')", "['abc']"},
		// as and iif() need a single item; ofType() filters.
		{"name.given.as(string)", "error"},
		{"(name.given as string)", "error"},
		{"name.given.ofType(string).count() > 1", "[true]"},
		{"name.family.as(string)", "['Smith']"},
		{"name.given.iif(true, 1, 2)", "error"},
		{"name.family.iif($this = 'Smith', 1, 2)", "[1]"},
		{"name.given.startsWith('J')", "error"},
		{"photo.startsWith('J')", "[]"},
		{"'abc'.matches('(?<=a)b')", "error"},
		{"'ab'.toChars()", "['a', 'b']"},
		// Tree.
		{"managingOrganization.children().count()", "[1]"},
		{"contained.descendants().count()", "[2]"},
		{"descendants().where($this is Coding).count()", "[0]"},
		{"descendants().reference", "['#o1']"},
		{"name.repeat(given).count()", "[3]"},
		{"hasValue()", "[false]"},
		{"gender.hasValue()", "[true]"},
		{"'x'.hasValue()", "[true]"},
		// FHIR functions and constants.
		{"extension('http://ex/a').value", "['A']"},
		{"extension('http://ex/none')", "[]"},
		{"%ucum", "['http://unitsofmeasure.org']"},
		{"%sct", "['http://snomed.info/sct']"},
		{"%loinc", "['http://loinc.org']"},
		{"%\"vs-administrative-gender\"", "['http://hl7.org/fhir/ValueSet/administrative-gender']"},
		{"%`ext-patient-birthTime`", "['http://hl7.org/fhir/StructureDefinition/patient-birthTime']"},
		{"%resource.id", "['p1']"},
		{"%context.gender", "['male']"},
		{"%nope", "error"},
		{"managingOrganization.resolve()", "[]"},
		{"gender.memberOf('http://hl7.org/fhir/ValueSet/administrative-gender')", "[]"},
		{"conformsTo('http://x')", "[]"},
		{"text.div.htmlchecks()", "[true]"},
		{"name.trace('n').given.first()", "['John']"},
		{"meta.lastUpdated > @2020-01-01T00:00:00Z", "[true]"},
		{"meta.versionId = '3'", "[true]"},
		{"birthDate < @1980", "[true]"},
		{"birthDate < today()", "[true]"},
		{"active = true", "[true]"},
		{"active = 'true'", "[true]"},
	})
}

func TestQuantityElements(t *testing.T) {
	o := fromJSON(t, observationJSON)
	runCases(t, o, testEnv(), []evalCase{
		{"value > 70 'kg'", "[true]"},
		{"value is Quantity", "[true]"},
		{"value.value", "[72.50]"},
		{"value.value > 72.4", "[true]"},
		{"value.value.toString()", "['72.50']"},
		{"value = 72.5 'kg'", "[true]"},
		{"referenceRange.all(low <= high)", "[true]"},
		{"referenceRange.low < 20 'mg'", "[false]"},
		{"referenceRange.low > 20000 'g'", "[true]"},
		{"referenceRange.low < 20 'mL'", "[]"},
		{"effective > @2020-02-03T03:00:00Z", "[true]"},
		{"effective < @2020-02-03T03:05:06Z", "[false]"},
		{"effective ~ @2020-02-03T03:05:06Z", "[true]"},
		{"component.value.sum", "[]"},
		{"component.value", "[120, 80]"},
		{"component.where(value > 100).code.coding.code", "['8480-6']"},
		{"code.coding.system = %loinc", "[true]"},
		{"component.code.coding.code contains '8462-4'", "[true]"},
		{"Observation.component[1].value - 5", "[75]"},
	})
}

func TestUnsupportedAndResolve(t *testing.T) {
	p := fromJSON(t, patientJSON)
	e := MustCompile("managingOrganization.resolve().name | gender.memberOf(%\"vs-administrative-gender\")")
	res, err := e.Evaluate(context.Background(), p, testEnv())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Collection) != 0 || strings.Join(res.Unsupported, ",") != "memberOf,resolve" {
		t.Fatalf("got %s unsupported %v", render(res.Collection), res.Unsupported)
	}
	env := testEnv()
	env.Resolver = ResolverFunc(func(ref string, from Node) (Node, bool) {
		if ref == "#o1" {
			return p.Children("contained")[0], true
		}
		return nil, false
	})
	res, err = e.Evaluate(context.Background(), p, env)
	if err != nil {
		t.Fatal(err)
	}
	if render(res.Collection) != "['Org']" || strings.Join(res.Unsupported, ",") != "memberOf" {
		t.Fatalf("got %s unsupported %v", render(res.Collection), res.Unsupported)
	}
	runCases(t, p, env, []evalCase{
		{"managingOrganization.resolve() is Organization", "[true]"},
		{"'#o1'.resolve().id", "['o1']"},
		{"'#zz'.resolve()", "[]"},
	})
}

func TestTrace(t *testing.T) {
	p := fromJSON(t, patientJSON)
	var got []string
	env := testEnv()
	env.Trace = func(name string, c Collection) { got = append(got, name+"="+render(c)) }
	runCases(t, p, env, []evalCase{
		{"name.trace('names', given).family", "['Smith']"},
	})
	if strings.Join(got, ";") != "names=['John', 'Jacob', 'Jack']" {
		t.Fatalf("trace got %v", got)
	}
}

func TestBaseTypeFromEnv(t *testing.T) {
	o := fromJSON(t, `{"resourceType":"LocalThing","id":"x"}`)
	env := testEnv()
	runCases(t, o, env, []evalCase{{"$this is DomainResource", "[false]"}, {"DomainResource.id", "[]"}})
	env.BaseType = func(t string) string {
		if t == "LocalThing" {
			return "DomainResource"
		}
		return ""
	}
	runCases(t, o, env, []evalCase{{"$this is DomainResource", "[true]"}, {"$this is Resource", "[true]"}, {"Resource.id", "['x']"}})
}

func TestBudget(t *testing.T) {
	p := fromJSON(t, patientJSON)
	env := testEnv()
	env.MaxSteps = 50
	e := MustCompile("descendants().descendants().descendants().count()")
	if _, err := e.Evaluate(context.Background(), p, env); !errors.Is(err, ErrBudget) {
		t.Fatalf("want ErrBudget, got %v", err)
	}
	// repeat() over values ends although the projection never runs dry.
	env = testEnv()
	runCases(t, p, env, []evalCase{{"'a'.repeat('a' | 'b')", "['a', 'b']"}})

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	env = testEnv()
	e = MustCompile("(1|2|3|4).select(descendants()).count()")
	big := fromJSON(t, `{"a":[`+strings.Repeat(`{"b":[1,2,3,4,5,6,7,8,9,10]},`, 300)+`{}]}`)
	if _, err := e.Evaluate(ctx, big, env); err == nil {
		// select over values does not descend; use a real walk instead
		e = MustCompile("descendants().count()")
		if _, err := e.Evaluate(ctx, big, env); !errors.Is(err, context.Canceled) {
			t.Fatalf("want context.Canceled, got %v", err)
		}
	}
}

func TestEvaluateNilNodeAndEnv(t *testing.T) {
	res, err := MustCompile("name.exists() or 1 = 1").Evaluate(context.Background(), nil, nil)
	if err != nil || res.Truth() != True {
		t.Fatalf("got %v %v", res, err)
	}
}

func TestTruth(t *testing.T) {
	for _, c := range []struct {
		c    Collection
		want Truth
	}{
		{nil, Empty},
		{boolean(true), True},
		{boolean(false), False},
		{str("x"), True},
		{Collection{ValueItem(Boolean(true)), ValueItem(Boolean(false))}, True},
	} {
		if got := c.c.Truth(); got != c.want {
			t.Errorf("%s: got %v want %v", render(c.c), got, c.want)
		}
	}
}

func TestDateArithmeticLimits(t *testing.T) {
	runCases(t, nil, testEnv(), []evalCase{
		{"@2014-01-01T00:00:00Z + 48 hours", "[2014-01-03T00:00:00Z]"},
		{"@2014-01-01T00:00:00Z - 1500 milliseconds", "[2013-12-31T23:59:58Z]"},
		{"@2014-01-01T00:00:00Z + 100000000000 hours", "error"},
		{"@2014-01-01 + 99999 years", "error"},
	})
}

// descendants().ofType(T) is evaluated in one walk; it must give what the
// two calls give, and run out of budget at the same step count.
func TestDescendantsOfTypeAsTwoCalls(t *testing.T) {
	for _, src := range []string{patientJSON, observationJSON} {
		root := fromJSON(t, src)
		for _, pair := range [][2]string{
			{"descendants().ofType(Coding)", "descendants().select($this).ofType(Coding)"},
			{"contained.descendants().ofType(string).count()", "contained.descendants().select($this).ofType(string).count()"},
			{"%resource.descendants().ofType(Quantity).value", "%resource.descendants().select($this).ofType(Quantity).value"},
		} {
			fused, plain := MustCompile(pair[0]), MustCompile(pair[1])
			for steps := 1; steps < 400; steps++ {
				env := testEnv()
				env.MaxSteps = steps
				a, errA := fused.Evaluate(context.Background(), root, env)
				// The plain form pays for select() on top: one step for
				// the call, and per item one for $this.
				env.MaxSteps = 1_000_000
				b, errB := plain.Evaluate(context.Background(), root, env)
				if errB != nil {
					t.Fatal(errB)
				}
				if errA == nil && render(a.Collection) != render(b.Collection) {
					t.Fatalf("%s: %s, want %s", pair[0], render(a.Collection), render(b.Collection))
				}
			}
		}
	}
	// The budget at which the fused form first succeeds is the budget the
	// descendants() and ofType() calls need written apart.
	root := fromJSON(t, observationJSON)
	least := func(e *Expression) int {
		for steps := 1; ; steps++ {
			env := testEnv()
			env.MaxSteps = steps
			if _, err := e.Evaluate(context.Background(), root, env); err == nil {
				return steps
			}
		}
	}
	fused := least(MustCompile("descendants().ofType(Coding).count()"))
	d := least(MustCompile("descendants().count()"))
	if fused != d+1 {
		t.Errorf("fused form needs %d steps, descendants().count() %d: want one more for ofType()", fused, d)
	}
}

func TestBuiltinBases(t *testing.T) {
	for sub, base := range builtinBase {
		if !isBuiltinBase(base) {
			t.Errorf("%s derives from %s, which isBuiltinBase does not list", sub, base)
		}
	}
}

// Collections built in an evaluator's arena must not leak out of it: a
// result stays as it was while later evaluations reuse the evaluator.
func TestResultsOutliveEvaluation(t *testing.T) {
	root := fromJSON(t, patientJSON)
	ctx := context.Background()
	first, err := MustCompile("name.given").Evaluate(ctx, root, testEnv())
	if err != nil {
		t.Fatal(err)
	}
	want := render(first.Collection)
	for _, src := range []string{"telecom.value", "descendants().ofType(string)", "name.ofType(HumanName).use", "(name.given | telecom.system).count()"} {
		if _, err := MustCompile(src).Evaluate(ctx, root, testEnv()); err != nil {
			t.Fatal(err)
		}
	}
	if got := render(first.Collection); got != want {
		t.Fatalf("earlier result changed: %s, was %s", got, want)
	}
	// Appending to a navigation result inside an expression copies it.
	runCases(t, root, testEnv(), []evalCase{
		{"name.given.combine(telecom.value).count()", "[5]"},
		{"name.given.combine(name.family) | name.given", "['John', 'Jacob', 'Jack', 'Smith']"},
	})
}

// TestTestAgreesWithEvaluate checks that Test gives the truth, and the
// unsupported flag, that Evaluate's result gives.
func TestTestAgreesWithEvaluate(t *testing.T) {
	for _, src := range []string{"true", "false", "{}", "1 | 2", "(1 | 2).count() = 2", "memberOf('x')", "'a'.exists() and {}.empty()"} {
		e := MustCompile(src)
		r, err := e.Evaluate(context.Background(), nil, nil)
		truth, unsupported, err2 := e.Test(context.Background(), nil, nil)
		if (err == nil) != (err2 == nil) || truth != r.Truth() || unsupported != (len(r.Unsupported) > 0) {
			t.Errorf("%s: Test gives %v %v %v, Evaluate %v %v %v", src, truth, unsupported, err2, r.Truth(), r.Unsupported, err)
		}
	}
}
