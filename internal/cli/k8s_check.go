package cli

import "github.com/spf13/cobra"

type k8sCheckOptions struct{ File string }

func newK8sCheckCmd(env *Env, runF func(*k8sCheckOptions) error) *cobra.Command {
	return &cobra.Command{Use: "check FILE", Hidden: true}
}
