package clocale

import (
	"os"
	"testing"
)

func TestNormalizeAndRestore(t *testing.T) {
	for _, tc := range []struct {
		env       map[string]string
		name      string // the variable changed, "" for none
		for_, was string
	}{
		{map[string]string{"LANG": "C.UTF-8"}, "LANG", "C", "C.UTF-8"},
		{map[string]string{"LC_ALL": "POSIX.utf8", "LANG": "C.UTF-8"}, "LC_ALL", "POSIX", "POSIX.utf8"},
		{map[string]string{"LC_ALL": "en_US.UTF-8", "LANG": "C.UTF-8"}, "", "", ""},
		{map[string]string{"LANG": "zh_HK.UTF-8"}, "", "", ""},
		{map[string]string{"LANG": "C"}, "", "", ""},
	} {
		for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
			t.Setenv(k, tc.env[k])
		}
		normalize()
		if tc.name != "" && os.Getenv(tc.name) != tc.for_ {
			t.Errorf("%v: %s = %q, want %q", tc.env, tc.name, os.Getenv(tc.name), tc.for_)
		}
		if tc.name == "" && len(changed) != 0 {
			t.Errorf("%v: changed %v", tc.env, changed)
		}
		Restore()
		for k, v := range tc.env {
			if os.Getenv(k) != v {
				t.Errorf("%v: after Restore %s = %q", tc.env, k, os.Getenv(k))
			}
		}
	}
}
