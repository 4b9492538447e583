// Package k8s plans and checks a Kubernetes cluster's pod, service and node
// networks against the rules of the upstream components (kube-apiserver,
// kube-controller-manager, kubeadm), the distributions' defaults (kind,
// k3s, RKE2, MicroK8s), the CNIs' IP address management (Calico blocks,
// Cilium cluster-pool) and the clouds' formulas (EKS, GKE), and reports
// every finding with the rule, its source and the Kubernetes versions where
// it holds. It is pure: no I/O beyond the io.Reader that Check reads.
package k8s
