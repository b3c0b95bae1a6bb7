package bench

// BuildHarkd builds harkd for the tests of package bench_test.
var BuildHarkd = buildHarkd
