package cli

// ResultGraceForTest is the grace `pay --jsapi` gives its pages after the
// sale; tests shorten it.
var ResultGraceForTest = &resultGrace
