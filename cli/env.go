package cli

import "os"

var defaultLookup = os.LookupEnv
