// Package scenarios is the scenario engine: the file format and its lint (positioned errors, a
// JSON Schema for editors), reading scenario files and directories, matching requests to rules,
// and the actions (respond, delay, fault, rate_limit, infect, processing); plus the ready-made
// scenario files: rate limits, viruses, slow processing, flaky S3, outages. Faults are data:
// they come from YAML files, never from code paths written for one test.
package scenarios
