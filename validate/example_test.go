package validate_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/inputs"
)

// Validate one payload held in memory and print the OperationOutcome NEMS
// would answer with.
func ExampleValidator_Validate() {
	v, err := validate.New(validate.Options{NoRules: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	res := v.Validate("patient.json", []byte(`{"resourceType":"Patient","gender":"unknown-value"}`))
	fmt.Println("valid:", res.Valid())
	for _, is := range res.Issues {
		fmt.Println(is.Severity, is.Rule, is.Path)
	}
	fmt.Println(string(res.Outcome().JSON()))
	// Output:
	// valid: false
	// error fhir:binding Patient.gender
	// {
	//   "resourceType": "OperationOutcome",
	//   "id": "2407e503-a583-5d19-9803-4e020b4b4f6a",
	//   "meta": {
	//     "profile": [
	//       "https://fhir.nhs.uk/STU3/StructureDefinition/Spine-OperationOutcome-1"
	//     ]
	//   },
	//   "issue": [
	//     {
	//       "severity": "error",
	//       "code": "code-invalid",
	//       "details": {
	//         "coding": [
	//           {
	//             "system": "https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1",
	//             "code": "INVALID_CODE_VALUE",
	//             "display": "Invalid code value"
	//           }
	//         ]
	//       },
	//       "diagnostics": "1:27: Patient.gender: code \"unknown-value\" is not in the required value set http://hl7.org/fhir/ValueSet/administrative-gender (expected one of: female, male, other, unknown) [fhir:binding]"
	//     }
	//   ]
	// }
}

// Validate every payload of a folder with two workers; the results come in
// the order of the files, and a file that cannot be read takes its place
// among them.
func ExampleValidator_ValidateAll() {
	dir, err := os.MkdirTemp("", "nemsfhir-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	for name, body := range map[string]string{
		"a.json": `{"resourceType":"Patient","active":true}`,
		"b.xml":  `<Patient xmlns="http://hl7.org/fhir"><active value="maybe"/></Patient>`,
		"c.txt":  `not a payload: not taken`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			fmt.Println(err)
			return
		}
	}
	v, err := validate.New(validate.Options{NoRules: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	paths := []string{dir, filepath.Join(dir, "missing.json")}
	err = v.ValidateAll(ctx, inputs.Walk(ctx, paths, inputs.Options{}), validate.BatchOptions{Workers: 2}, func(r validate.BatchResult) error {
		name, _ := filepath.Rel(dir, r.Input.Name)
		switch {
		case r.Err != nil:
			fmt.Printf("%s: not read\n", name)
		case r.Skipped:
		default:
			fmt.Printf("%s: valid %v, %d error(s)\n", name, r.Result.Valid(), r.Result.Count(validate.SeverityError))
		}
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// a.json: valid true, 0 error(s)
	// b.xml: valid false, 2 error(s)
	// missing.json: not read
}
