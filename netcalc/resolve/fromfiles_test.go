package resolve

import (
	"errors"
	"io/fs"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFromFiles checks FromFiles on the test fixtures and on missing
// files, required or not. Every path is explicit: no system file is read.
func TestFromFiles(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	base := Paths{ResolvConf: fixture("basic.conf"), Hosts: fixture("hosts"), NSSwitch: fixture("nsswitch-dns-first.conf")}
	with := func(f func(*Paths)) Paths { p := base; f(&p); return p }
	tests := []struct {
		name      string
		paths     Paths
		wantErr   *FileError // nil: no error
		wantOrder []Source
		wantHosts bool
		wantWarn  []string
	}{
		{name: "fixtures", paths: base, wantOrder: []Source{DNS, Files}, wantHosts: true},
		{name: "missing files fall back", paths: Paths{ResolvConf: missing, Hosts: missing, NSSwitch: missing},
			wantOrder: DefaultOrder(),
			wantWarn:  []string{missing + ": file not found; using the local machine as the server", missing + ": file not found; using hosts: files dns"}},
		{name: "required resolv.conf missing", paths: with(func(p *Paths) { p.ResolvConf, p.Required = missing, []FileKind{ResolvConfFile} }),
			wantErr: &FileError{Kind: ResolvConfFile, Path: missing, Err: fs.ErrNotExist}},
		{name: "required nsswitch.conf is a directory", paths: with(func(p *Paths) { p.NSSwitch, p.Required = dir, []FileKind{NSSwitchFile} }),
			wantErr: &FileError{Kind: NSSwitchFile, Path: dir, Err: syscall.EISDIR}},
		{name: "required hosts missing", paths: with(func(p *Paths) { p.Hosts, p.Required = missing, []FileKind{HostsFile} }),
			wantErr: &FileError{Kind: HostsFile, Path: missing, Err: fs.ErrNotExist}},
		{name: "no hosts file", paths: with(func(p *Paths) { p.Hosts = "-" }), wantOrder: []Source{DNS, Files}},
		{name: "musl reads no nsswitch.conf", paths: with(func(p *Paths) { p.Libc, p.NSSwitch, p.Required = Musl123, missing, []FileKind{NSSwitchFile} }),
			wantHosts: true},
		{name: "given configuration and order", paths: with(func(p *Paths) {
			p.ResolvConf, p.NSSwitch, p.Required = missing, missing, []FileKind{ResolvConfFile, NSSwitchFile}
			p.Config, p.Order = &Config{Ndots: 3}, []Source{Files, DNS}
		}), wantOrder: []Source{Files, DNS}, wantHosts: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := FromFiles(tt.paths)
			if tt.wantErr != nil {
				var fe *FileError
				if !errors.As(err, &fe) || fe.Kind != tt.wantErr.Kind || fe.Path != tt.wantErr.Path || !errors.Is(err, tt.wantErr.Err) {
					t.Fatalf("FromFiles = %v; want a *FileError %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantOrder, r.Order); diff != "" {
				t.Errorf("Order (-want +got):\n%s", diff)
			}
			if (r.Hosts != nil) != tt.wantHosts {
				t.Errorf("Hosts = %v; want a hosts file: %v", r.Hosts, tt.wantHosts)
			}
			if r.Libc != tt.paths.Libc {
				t.Errorf("Libc = %q; want %q", r.Libc, tt.paths.Libc)
			}
			var warns []string
			for _, w := range r.Warnings {
				warns = append(warns, w.String())
			}
			if diff := cmp.Diff(tt.wantWarn, warns); diff != "" {
				t.Errorf("Warnings (-want +got):\n%s", diff)
			}
			if tt.paths.Config != nil && r.Config.Ndots != tt.paths.Config.Ndots {
				t.Errorf("Config.Ndots = %d; want the given Config's %d", r.Config.Ndots, tt.paths.Config.Ndots)
			}
		})
	}
}
