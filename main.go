// Command qfpos takes QFPay WeChat Pay QR payments at shop counters,
// self-service kiosks and trade-show stands. With no subcommand it opens
// the cashier window; see 'qfpos help' for the headless subcommands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/qfpos/qfpos/cli"
	"github.com/qfpos/qfpos/internal/clocale" // first: keeps Fyne's package init quiet under LANG=C.UTF-8
	"github.com/qfpos/qfpos/ui"
)

func main() {
	clocale.Restore()
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.Env{GUI: runGUI}))
}

// runGUI opens the window. SIGINT or SIGTERM quit it the way its close
// button does, so a sale under way is cancelled at QFPay and verified
// before the process ends.
func runGUI(ctx context.Context, a *cli.App) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return ui.Run(ctx, a)
}
