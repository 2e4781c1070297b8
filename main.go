// Command qfpos takes QFPay WeChat Pay QR payments at shop counters,
// self-service kiosks and trade-show stands. With no subcommand it opens
// the cashier window; see 'qfpos help' for the headless subcommands.
package main

import (
	"context"
	"os"

	"github.com/qfpos/qfpos/cli"
	"github.com/qfpos/qfpos/ui"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.Env{GUI: runGUI}))
}

func runGUI(ctx context.Context, a *cli.App) error {
	return ui.Run(ctx, a)
}
