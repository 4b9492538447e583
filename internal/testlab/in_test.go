package testlab_test

import (
	"net"
	"os"
	"slices"
	"testing"

	"github.com/netcalc/netcalc/internal/testlab"
)

// TestIn checks that In runs its function inside the namespace (which has
// only the lab's interfaces) and returns the thread to the test's own.
func TestIn(t *testing.T) {
	l := testlab.New(t)
	ns := l.NS("in")
	l.IP("-n", ns, "link", "add", "in0", "type", "veth", "peer", "name", "in1")
	self, err := os.Readlink("/proc/thread-self/ns/net")
	if err != nil {
		t.Skip("no /proc/thread-self/ns/net:", err)
	}
	var inside string
	var names []string
	testlab.In(t, ns, func() {
		inside, _ = os.Readlink("/proc/thread-self/ns/net")
		ifs, err := net.Interfaces()
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range ifs {
			names = append(names, i.Name)
		}
	})
	slices.Sort(names)
	if inside == self || !slices.Equal(names, []string{"in0", "in1", "lo"}) {
		t.Errorf("In: namespace %s (the test's is %s), interfaces %v; want another namespace with in0, in1 and lo", inside, self, names)
	}
	if after, _ := os.Readlink("/proc/thread-self/ns/net"); after != self {
		t.Errorf("after In the thread is in %s; want the test's %s", after, self)
	}
}
