//go:build tools

// Package deps pins the modules netcalc is built on while their users are
// being written, so that go mod tidy keeps them.
package deps

import (
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/mdlayher/arp"
	_ "github.com/mdlayher/ndp"
	_ "github.com/miekg/dns"
	_ "github.com/rogpeppe/go-internal/testscript"
	_ "github.com/spf13/cobra"
	_ "github.com/vishvananda/netlink"
	_ "github.com/vishvananda/netns"
	_ "go4.org/netipx"
	_ "golang.org/x/net/idna"
	_ "golang.org/x/sys/unix"
	_ "golang.org/x/term"
	_ "golang.org/x/time/rate"
	_ "sigs.k8s.io/yaml"
)
