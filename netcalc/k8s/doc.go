// Package k8s plans and checks a Kubernetes cluster's pod, service and node
// networks against the rules of the upstream components (kube-apiserver,
// kube-controller-manager, kubeadm), the distributions' defaults (kind,
// k3s, RKE2, MicroK8s), the CNIs' IP address management (Calico blocks,
// Cilium cluster-pool) and the clouds' formulas (EKS, GKE), and reports
// every finding with the rule, its source and the Kubernetes versions where
// it holds; it also forms a pod's resolv.conf as kubelet does and answers
// as the cluster's DNS server. Manifests are read with the subpackage
// manifest. It is pure: no I/O beyond the io.Reader that ReadFile reads
// (and the connections ClusterDNS.Serve is given).
package k8s
