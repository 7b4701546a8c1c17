module github.com/nemsfhir/nemsfhir

go 1.24.0

require (
	github.com/go-jose/go-jose/v4 v4.1.9
	github.com/lestrrat-go/libxml2 v0.0.0-20240905100032-c934e3fcb9d3
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	github.com/spf13/pflag v1.0.10
	golang.org/x/text v0.14.0
)

require github.com/pkg/errors v0.9.1 // indirect
