package main

import (
	"runtime/debug"
	"testing"
)

// TestVersionFlags: --version, -v and version print the same version, one
// the build recorded rather than a placeholder.
func TestVersionFlags(t *testing.T) {
	want := "kalends " + versionString() + "\n"
	if v := versionString(); v == "dev" || v == "" {
		t.Fatalf("version is a placeholder: %q", v)
	}
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		code, out, stderr := runCmd(t, "", nil, args...)
		if code != 0 || out != want {
			t.Errorf("kalends %v: %d %q %q, want %q", args, code, out, stderr, want)
		}
	}
}

func TestBuildVersion(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123456789abcdef0123"}}
	for _, tc := range []struct {
		info debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "v1.2.0"},
		{debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261208010203-0123456789ab+dirty"}, Settings: vcs}, "v0.0.0-20261208010203-0123456789ab+dirty"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs}, "0123456789ab"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: append(vcs, debug.BuildSetting{Key: "vcs.modified", Value: "true"})}, "0123456789ab-dirty"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "(devel)"},
	} {
		if got := buildVersion(&tc.info); got != tc.want {
			t.Errorf("buildVersion(%+v) = %q, want %q", tc.info, got, tc.want)
		}
	}
}
