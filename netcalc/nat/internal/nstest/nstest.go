// Package nstest runs test code inside a network namespace, for the
// kernel-oracle tests of package nat and kubeproxy: sockets opened there
// send their packets through that namespace's routes, netfilter rules and
// conntrack table. Build the namespaces with internal/testlab.
package nstest

import (
	"runtime"
	"testing"

	"github.com/vishvananda/netns"
)

// In runs f on an OS thread switched into network namespace ns (a name
// under /run/netns) and switches the thread back before returning.
// Sockets f opens stay in ns after In returns; goroutines f starts do
// not run in ns. It fails the test when ns cannot be entered, and panics
// when the thread cannot return to the test's namespace (the thread would
// otherwise be reused by other goroutines in the wrong namespace).
func In(t testing.TB, ns string, f func()) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	h, err := netns.GetFromName(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := netns.Set(h); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := netns.Set(orig); err != nil {
			panic("nstest: cannot return to the test's network namespace: " + err.Error())
		}
	}()
	f()
}
