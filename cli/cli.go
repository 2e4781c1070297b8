// Package cli is qfpos's command line: the subcommands of the one binary
// (pay, orders, reconcile, refund, report, export, sandbox), the wiring of
// config, payment client, sandbox and order store they share, and their
// exit codes. With no subcommand it starts the GUI that main hands it, so
// this package itself never imports Fyne.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/qfpos/qfpos/config"
)

// Exit codes, the same for every subcommand (exitCodes says them in --help).
const (
	ExitOK      = 0 // done; for pay: paid
	ExitFailed  = 1 // pay: failed, expired or cancelled; reconcile: mismatches; refund: refused by QFPay; else an operational error
	ExitUsage   = 2 // bad input or configuration: nothing was sent, nothing stored
	ExitUnknown = 3 // pay, refund, reconcile: an outcome is not known yet (run qfpos reconcile; never charge again)
	ExitBusy    = 4 // another qfpos holds the order file and serves no API, or a sale is under way there: nothing done, try later
)

// exitCodes is the table of exit codes, for --help and the README.
const exitCodes = `Exit codes (every command):
  0  done; pay: paid
  1  pay: failed, expired or cancelled (not charged); reconcile: mismatches;
     refund: refused; any command: an operational error
  2  bad input or configuration: nothing was sent, nothing stored
  3  outcome unknown (pay, refund, reconcile): never charge again for the
     same purchase; 'qfpos reconcile' settles it
  4  busy: another qfpos holds the order file and serves no API (api_listen
     off), or a sale is under way there; nothing was done, try again later`

// ExitError ends a command with a specific exit code.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// usageError is bad input or configuration: exit code 2.
func usageError(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// GUI starts the graphical app with the wired parts and blocks until it
// quits. main passes ui's; tests pass their own.
type GUI func(ctx context.Context, a *App) error

// Env is what a run of qfpos talks to.
type Env struct {
	Stdout, Stderr io.Writer
	LookupEnv      func(string) (string, bool) // nil: os.LookupEnv
	GUI            GUI
}

// Main runs qfpos with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Stdout == nil {
		env.Stdout = os.Stdout
	}
	if env.Stderr == nil {
		env.Stderr = os.Stderr
	}
	// The command, its logger and the servers it runs (notifications, the
	// local API) write from several goroutines: one lock per stream keeps
	// a writer that is not safe for that (a test's buffer, a pipe wrapper)
	// whole, and lines from interleaving.
	env.Stdout, env.Stderr = &lockedWriter{w: env.Stdout}, &lockedWriter{w: env.Stderr}
	root := newRoot(&env)
	root.SetArgs(args)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := exitError(root.ExecuteContext(ctx))
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			printErr(env.Stderr, ee.Err)
		}
		return ee.Code
	}
	printErr(env.Stderr, err)
	if isFlagError(err) {
		return ExitUsage
	}
	return ExitFailed
}

func printErr(w io.Writer, err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(w, "qfpos: "+line)
	}
}

// isFlagError tells cobra's argument and flag errors, which are usage errors.
func isFlagError(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand", "invalid argument", "flag needs an argument", "accepts ", "requires at least", "unknown command", "required flag"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// globals are the flags every command shares.
type globals struct {
	env     *Env
	config  string
	sandbox bool
	verbose bool
}

func newRoot(env *Env) *cobra.Command {
	g := &globals{env: env}
	root := &cobra.Command{
		Use:   "qfpos",
		Short: "Take QFPay WeChat Pay QR payments at a counter, a kiosk or a trade-show stand",
		Long: `qfpos takes QFPay WeChat Pay QR payments (pay_type 800201, and JSAPI 800207).
With no subcommand it opens the cashier window. With no QFPay credentials it
runs against its built-in QFPay sandbox: no real money moves.

Configuration, lowest precedence first: the config file (TOML), the
environment (QFPAY_*, QFPOS_*), flags. See 'qfpos help config'.

While a qfpos owns the order file (the window, 'qfpos serve', 'qfpos pay'),
it serves the local API (docs/integration.md), and orders, report, export,
refund, reconcile and pay go through it.

` + exitCodes,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		Version:       Version,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load(cmd)
			if err != nil {
				return err
			}
			if env.GUI == nil {
				return usageError("this build has no GUI; use a subcommand (qfpos help)")
			}
			a, err := Connect(cmd.Context(), cfg, g.logger())
			if err != nil {
				return err
			}
			defer a.Close()
			defer g.withAPI(a, env.Stderr)() // the window's sales and order file, for the API and the CLI
			return env.GUI(cmd.Context(), a)
		},
	}
	root.SetVersionTemplate("qfpos {{.Version}}\n")
	f := root.PersistentFlags()
	f.StringVar(&g.config, "config", "", "config file (default "+config.DefaultPath()+"; env QFPOS_CONFIG)")
	f.BoolVar(&g.sandbox, "sandbox", false, "use the built-in QFPay sandbox even if credentials are set")
	f.BoolVarP(&g.verbose, "verbose", "v", false, "log requests and state changes to stderr")
	for _, s := range config.Settings() {
		if s.Flag == "" {
			continue
		}
		help := s.Help
		if s.Env != "" {
			help += " (env " + s.Env + ")"
		}
		f.String(s.Flag, "", help)
		if s.Flag == "kiosk" {
			f.Lookup(s.Flag).NoOptDefVal = "true"
		}
	}
	root.AddCommand(newSandboxCmd(g), newConfigHelp(g))
	for _, add := range extraCommands {
		root.AddCommand(add(g))
	}
	return root
}

// extraCommands are the subcommands other files of this package register.
var extraCommands []func(*globals) *cobra.Command

// load reads the configuration with the command's flags, prints its
// warnings and the sandbox notice, and maps invalid settings to exit 2.
func (g *globals) load(cmd *cobra.Command) (*config.Config, error) {
	set := map[string]string{}
	// cmd.Flags() holds the persistent flags as given to this subcommand.
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		set[fl.Name] = fl.Value.String()
	})
	cfg, err := config.Load(config.Options{Path: g.config, LookupEnv: g.env.LookupEnv, Flags: set, Sandbox: g.sandbox})
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(g.env.Stderr, "qfpos: warning: "+w)
	}
	if cfg.Sandbox() {
		fmt.Fprintln(g.env.Stderr, "qfpos: SANDBOX mode: no QFPay credentials are set, so payments go to the built-in sandbox and no real money moves")
	}
	return cfg, nil
}

func (g *globals) logger() *slog.Logger {
	level := slog.LevelWarn
	if g.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(g.env.Stderr, &slog.HandlerOptions{Level: level}))
}

func newConfigHelp(g *globals) *cobra.Command {
	var b strings.Builder
	b.WriteString("Every setting, by config-file key, environment variable and flag, with its default:\n\n")
	kw, ew := 0, 0
	for _, s := range config.Settings() {
		kw, ew = max(kw, len(s.Key)), max(ew, len(s.Env))
	}
	defs := config.DefaultValues()
	for _, s := range config.Settings() {
		env, flag := s.Env, s.Flag
		if env == "" {
			env = "-"
		}
		if flag == "" {
			flag = "-"
		} else {
			flag = "--" + flag
		}
		help := s.Help
		if d := defs[s.Key]; d != "" && !strings.Contains(help, "default") {
			help += " (default: " + d + ")"
		}
		fmt.Fprintf(&b, "  %-*s  %-*s  %-18s %s\n", kw, s.Key, ew, env, flag, help)
	}
	b.WriteString("\nThe config file is TOML, e.g.\n\n  currency = \"HKD\"\n  merchant_name = \"Tea House\"\n  qr_expiry = \"5m\"\n")
	b.WriteString("\nA file holding client_key must be readable by its owner only (qfpos sets 0600).\n")
	b.WriteString("\nBelow, the value of each setting in effect and where it came from (default, file,\nenvironment or flag); secrets are masked. 'qfpos config --currency JPY' shows\nthem with flags of your own too.\n")
	cmd := &cobra.Command{Use: "config", Short: "How to configure qfpos, and the settings in effect", Long: b.String()}
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) {
		out := c.OutOrStdout()
		fmt.Fprint(out, c.Long)
		writeEffective(out, g, c)
	})
	return cmd
}

// writeEffective shows every setting's value in effect for this run (with
// the flags given) and where it came from; secrets are masked.
func writeEffective(w io.Writer, g *globals, cmd *cobra.Command) {
	set := map[string]string{}
	// The help command parses the flags, not config: the flags are shared.
	cmd.Root().PersistentFlags().Visit(func(fl *pflag.Flag) { set[fl.Name] = fl.Value.String() })
	cmd.Flags().Visit(func(fl *pflag.Flag) { set[fl.Name] = fl.Value.String() })
	cfg, err := config.Load(config.Options{Path: g.config, LookupEnv: g.env.LookupEnv, Flags: set, Sandbox: g.sandbox})
	file := "none"
	if cfg != nil && cfg.Path != "" {
		file = cfg.Path
		if _, serr := os.Stat(cfg.Path); serr != nil {
			file += " (absent)"
		}
	}
	fmt.Fprintf(w, "\nIn effect now (config file: %s):\n\n", file)
	if cfg == nil {
		fmt.Fprintf(w, "  cannot be shown: %v\n", err)
		return
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  SETTING\tVALUE\tFROM")
	for _, e := range cfg.Effective() {
		v := e.Value
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", e.Key, v, e.Source)
	}
	tw.Flush()
	if err != nil {
		fmt.Fprintln(w, "\nThese settings are not valid:")
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(w, "  "+line)
		}
	}
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
