// Command shoal is the gateway, registry and autoscaler for a system of
// microservices. This file only dispatches sub-commands; the work lives in
// internal packages.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() map[string]command {
	return map[string]command{
		"run":      {"run the gateway from a config file: shoal run -c FILE", runCmd},
		"validate": {"check a config file: shoal validate -c FILE (exit 1 with file:line errors)", validateCmd},
		"proxy":    {"one-line reverse proxy: shoal proxy --listen ADDR --to URL[,URL...]", proxyCmd},
		"sim":      {"replay a request-rate trace against autoscaling policies: shoal sim --help", simCmd},
		"demo":     {"the album shop with a day of traffic in fast-forward and the dashboard", demoCmd},
		"status":   {"show a running gateway's services: shoal status [SERVICE]", statusCmd},
		"scale":    {"set a service's instance count: shoal scale SERVICE N", scaleCmd},
		"version":  {"print the version", versionCmd},
		"help":     {"show this help", nil},
	}
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c, ok := cmds[args[1]]; ok && c.run != nil {
				return c.run([]string{"--help"}, stdout, stderr)
			}
		}
		usage(stdout, cmds)
		return 0
	}
	if args[0] == "--version" || args[0] == "-v" {
		return versionCmd(nil, stdout, stderr)
	}
	if args[0] == "album" {
		// Hidden: runs one album service for the demo.
		return albumCmd(args[1:], stdout, stderr)
	}
	c, ok := cmds[args[0]]
	if !ok || c.run == nil {
		fmt.Fprintf(stderr, "shoal: unknown command %q\n\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("Shoal: the gateway, registry and autoscaler for a system of microservices.\n\nUsage: shoal COMMAND [flags]\n\nCommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-9s %s\n", n, cmds[n].summary)
	}
	b.WriteString("\nRun 'shoal COMMAND --help' for the flags of a command.\n")
	_, _ = io.WriteString(w, b.String())
}
