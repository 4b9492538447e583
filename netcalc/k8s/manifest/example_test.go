package manifest_test

import (
	"errors"
	"fmt"

	"github.com/netcalc/netcalc/netcalc/k8s/manifest"
)

// A kubectl List read item by item; a bad value is an error naming its
// line and path.
func ExampleReader() {
	data := []byte(`apiVersion: v1
kind: List
items:
- kind: Service
  metadata: {name: web}
  spec:
    clusterIP: 10.96.0.20
    ports:
    - port: 80
    - port: 70000
`)
	r := &manifest.Reader{File: "svc.yaml"}
	for _, d := range r.Split(data) {
		root, err := d.Root()
		if err != nil {
			fmt.Println(err)
			return
		}
		items, _ := root.Items()
		for _, it := range items {
			ip, _ := it.Get("spec").Get("clusterIP").Addr()
			fmt.Println(it.Kind(), ip)
			ports, _ := it.Get("spec").Get("ports").List()
			for _, p := range ports {
				if _, err := p.Get("port").Port("a port"); err != nil {
					var me *manifest.Error
					errors.As(err, &me)
					fmt.Println(me.Line, me.Path)
					fmt.Println(me.Message())
				}
			}
		}
	}
	// Output:
	// Service 10.96.0.20
	// 10 items[0].spec.ports[1].port
	// svc.yaml:10: items[0].spec.ports[1].port: 70000 is not a port: want an integer 1-65535
}
