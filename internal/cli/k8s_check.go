package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc/k8s"
)

// k8sCheckOptions are the flags of "k8s check": the file and the plan
// flags, which override what the file says.
type k8sCheckOptions struct {
	k8sPlanOptions
	File string
}

func newK8sCheckCmd(env *Env, format *string) *cobra.Command {
	opts := &k8sCheckOptions{k8sPlanOptions: k8sPlanOptions{format: format}}
	cmd := &cobra.Command{
		Use:   "check FILE [flags]",
		Short: "Run the plan rules on a kubeadm, kind or k3s config or on 'kubectl get nodes -o yaml'",
		Long: `Read what a cluster already has and run the rules of 'netcalc k8s plan' on it.
FILE ("-" for standard input) holds YAML documents separated by "---":

  kubeadm ClusterConfiguration   networking.podSubnet, serviceSubnet,
                                 kubernetesVersion, controllerManager
                                 extraArgs node-cidr-mask-size(-ipv4/-ipv6)
  kubeadm InitConfiguration      localAPIEndpoint.advertiseAddress (its
                                 family must match the Service range's)
  KubeletConfiguration           maxPods
  kind Cluster (v1alpha4)        networking.ipFamily, podSubnet,
                                 serviceSubnet, nodes (kind's defaults
                                 fill in what is missing)
  k3s config.yaml                cluster-cidr, service-cidr
  Node / List of Nodes           spec.podCIDRs, status.addresses
                                 ('kubectl get nodes -o yaml')

The profile comes from the file (kubeadm, kind, k3s) unless --profile is
given; the plan flags override the file's values. For nodes it also reports
pod CIDRs that overlap each other, nodes without a pod CIDR, pod CIDRs
outside --cluster-cidr, node addresses inside the pod or Service ranges and,
with --cluster-cidr, how many more nodes fit (the node mask is read from the
nodes' pod CIDRs). With -o json the plan's records follow an "input" record
and one "node" record per node.

Exit status: 0 no error finding, 1 at least one error finding, 2 bad input.`,
		Example: `  netcalc k8s check kubeadm-config.yaml
  netcalc k8s check kind.yaml --kube-version 1.33
  kubectl get nodes -o yaml | netcalc k8s check - --cluster-cidr 10.244.0.0/16 --service-cidr 10.96.0.0/12`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return env.usageError("k8s check", "k8s check wants the file to read, such as kubeadm-config.yaml (\"-\" for standard input)")
			case len(args) > 1:
				return env.usageError("k8s check", "k8s check reads one file, got %d arguments: %s", len(args), quoteToken(strings.Join(args, " ")))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			return k8sCheckRun(env, opts)
		},
	}
	addK8sPlanFlags(env, cmd, &opts.k8sPlanOptions)
	return cmd
}

func k8sCheckRun(env *Env, opts *k8sCheckOptions) error {
	flags, err := k8sPlanConfig(env, &opts.k8sPlanOptions)
	if err != nil {
		return err
	}
	if st, err := os.Stat(opts.File); err == nil && st.IsDir() {
		return BadInputf("%s: is a directory, want a YAML file", opts.File)
	}
	data, name, err := k8sReadFile(env, opts.File, "")
	if err != nil {
		return err
	}
	in, err := k8s.ReadFile(bytes.NewReader(data), name)
	if err != nil {
		var ie *k8s.InputError
		if errors.As(err, &ie) {
			return BadInputf("%s%s", ie.Where(), ie.Msg)
		}
		return BadInput(err)
	}
	if flags.Profile == k8s.Upstream && opts.Profile == "" {
		flags.Profile = in.Config.Profile
	}
	if (flags.InstanceType != "" || flags.PrefixDelegation) && flags.Profile != k8s.EKS {
		return BadInputf("--instance-type and --prefix-delegation are for --profile eks")
	}
	rep, err := k8s.Check(in, in.Merge(flags))
	if err != nil {
		return BadInputf("k8s check: %s: %s", name, k8sPlanErrText(err))
	}
	if *opts.format != "" {
		// A config format: only the plan, rendered.
	} else if env.JSON() {
		if err := WriteJSON(env.Out, struct {
			Type   string   `json:"type"`
			File   string   `json:"file"`
			Inputs []string `json:"inputs"`
		}{"input", name, rep.Kinds}); err != nil {
			return err
		}
		for _, n := range rep.Nodes {
			if err := WriteJSON(env.Out, k8s.Record{Type: "node", Value: n}); err != nil {
				return err
			}
		}
	} else {
		fmt.Fprintf(env.Out, "read %s: %s\n", name, strings.Join(rep.Kinds, ", "))
		if len(rep.Nodes) > 0 {
			fmt.Fprintln(env.Out)
			t := env.NewTable()
			t.Row("NODE", "POD CIDRS", "ADDRESSES")
			for _, n := range rep.Nodes {
				var cs, as []string
				for _, c := range n.PodCIDRs {
					cs = append(cs, c.String())
				}
				for _, a := range n.Addresses {
					as = append(as, a.String())
				}
				t.Row(n.Name, k8sOrNone(strings.Join(cs, ",")), k8sOrNone(strings.Join(as, ",")))
			}
			if err := t.Flush(); err != nil {
				return err
			}
		}
		fmt.Fprintln(env.Out)
	}
	return k8sOutput(env, &opts.k8sPlanOptions, rep.Plan)
}

func k8sOrNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
