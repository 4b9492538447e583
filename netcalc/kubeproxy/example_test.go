package kubeproxy_test

import (
	"fmt"
	"net/netip"
	"os"

	"github.com/netcalc/netcalc/netcalc/kubeproxy"
	"github.com/netcalc/netcalc/netcalc/packet"
)

func ExampleServiceChain() {
	fmt.Println(kubeproxy.ServiceChain("default/kubernetes:https", "tcp"))
	fmt.Println(kubeproxy.ServiceChain("kube-system/kube-dns:dns", "udp"))
	// Output:
	// KUBE-SVC-NPX46M4PTMTKRN6Y
	// KUBE-SVC-TCOU7JCQXEZGVUNU
}

const scenario = `
node: node-a
nodeIPs: [198.51.100.10]
clusterCIDR: 10.244.0.0/16
services:
- namespace: shop
  name: web
  clusterIP: 10.96.12.34
  ports: [{name: http, port: 80, targetPort: 8080}]
  endpoints:
  - {ip: 10.244.1.10, node: node-a}
  - {ip: 10.244.2.11, node: node-b}
`

func ExampleRender() {
	cfg, err := kubeproxy.Parse([]byte(scenario), "scenario.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	rs := kubeproxy.Render(cfg)
	for _, r := range rs.NAT.Rules(kubeproxy.ServiceChain("shop/web:http", "tcp")) {
		fmt.Println(r.Text)
	}
	// Output:
	// -A KUBE-SVC-67NZLRHBNDSAWJRO -m comment --comment "shop/web:http cluster IP" -m tcp -p tcp -d 10.96.12.34 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
	// -A KUBE-SVC-67NZLRHBNDSAWJRO -m comment --comment "shop/web:http -> 10.244.1.10:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-FZQ6KZLGXRSKN2AD
	// -A KUBE-SVC-67NZLRHBNDSAWJRO -m comment --comment "shop/web:http -> 10.244.2.11:8080" -j KUBE-SEP-BTZNBNILETY57XCS
}

func ExampleTracer_Trace() {
	cfg, _ := kubeproxy.Parse([]byte(scenario), "scenario.yaml")
	tr := kubeproxy.NewTracer(kubeproxy.Render(cfg), 1)
	// A client outside the cluster CIDR reaches the ClusterIP: masqueraded.
	r := tr.Trace(packet.Tuple{
		Src: netip.MustParseAddrPort("198.51.100.77:51000"),
		Dst: netip.MustParseAddrPort("10.96.12.34:80"),
	})
	fmt.Println(r.Verdict, r.Endpoint, "masquerade:", r.Masquerade)
	for _, c := range r.Choices {
		fmt.Printf("%s %.2f\n", c.Endpoint, c.Share)
	}
	fmt.Println(r.Conntrack)
	// Output:
	// DNAT 10.244.1.10:8080 masquerade: true
	// 10.244.1.10:8080 0.50
	// 10.244.2.11:8080 0.50
	// tcp      6 120 SYN_SENT src=198.51.100.77 dst=10.96.12.34 sport=51000 dport=80 [UNREPLIED] src=10.244.1.10 dst=198.51.100.10 sport=8080 dport=51000 mark=0 use=1
}

func ExampleTable_WriteTo() {
	cfg, _ := kubeproxy.Parse([]byte(`
services:
- {namespace: ns, name: empty, clusterIP: 10.96.0.99, ports: [{name: p, port: 80}]}
`), "x.yaml")
	kubeproxy.Render(cfg).Filter.WriteTo(os.Stdout)
	// Output:
	// *filter
	// :KUBE-NODEPORTS - [0:0]
	// :KUBE-SERVICES - [0:0]
	// :KUBE-EXTERNAL-SERVICES - [0:0]
	// :KUBE-FIREWALL - [0:0]
	// :KUBE-FORWARD - [0:0]
	// :KUBE-PROXY-FIREWALL - [0:0]
	// -A KUBE-SERVICES -m comment --comment "ns/empty:p has no endpoints" -m tcp -p tcp -d 10.96.0.99 --dport 80 -j REJECT
	// -A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
	// -A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
	// -A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
	// -A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	// COMMIT
}
