module github.com/nemsfhir/nemsfhir

go 1.24
