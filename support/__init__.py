"""Support code shared by the tests, the benchmark and the scanner: one HTTP client, one server launcher."""
