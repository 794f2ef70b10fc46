// Package scenarios will hold the scenario engine (parse, lint, match, act) and the ready-made
// scenario files: rate limits, viruses, slow processing, flaky S3, outages. Faults are data:
// they come from YAML files, never from code paths written for one test.
package scenarios
