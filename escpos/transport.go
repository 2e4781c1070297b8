package escpos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Timeouts of one print job.
var (
	DialTimeout   = 3 * time.Second  // to connect to a network printer
	StatusTimeout = 3 * time.Second  // for a DLE EOT answer
	JobTimeout    = 20 * time.Second // for the whole job
)

// Target is where a printer is reached, parsed from the printer setting.
type Target struct {
	Kind string // "tcp", "device" or "cups"
	Addr string // host:port, the device path, or the CUPS queue name
}

func (t Target) String() string {
	switch t.Kind {
	case "tcp":
		return "tcp://" + t.Addr
	case "cups":
		return "cups:" + t.Addr
	}
	return t.Addr
}

// ParseTarget reads a printer setting: "tcp://HOST[:PORT]" (port 9100 by
// default), a device file such as "/dev/usb/lp0", or "cups:QUEUE".
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Target{}, ErrNoPrinter
	case strings.HasPrefix(s, "tcp://"):
		u, err := url.Parse(s)
		if err != nil || u.Host == "" || u.Path != "" && u.Path != "/" || u.User != nil || u.RawQuery != "" {
			return Target{}, fmt.Errorf("%q is not tcp://HOST:PORT", s)
		}
		host, port := u.Hostname(), u.Port()
		if port == "" {
			port = "9100"
		}
		return Target{Kind: "tcp", Addr: net.JoinHostPort(host, port)}, nil
	case strings.HasPrefix(s, "cups:"):
		q := strings.TrimPrefix(s, "cups:")
		if q == "" || strings.HasPrefix(q, "-") || strings.ContainsAny(q, " \t/#") {
			return Target{}, fmt.Errorf("%q is not cups:QUEUE (a CUPS queue name)", s)
		}
		return Target{Kind: "cups", Addr: q}, nil
	case strings.HasPrefix(s, "/") || strings.HasPrefix(s, `\\`) || strings.HasPrefix(strings.ToUpper(s), "COM") || strings.HasPrefix(strings.ToUpper(s), "LPT"):
		return Target{Kind: "device", Addr: s}, nil
	}
	return Target{}, fmt.Errorf("%q is not a printer (use tcp://HOST:9100, a device such as /dev/usb/lp0, or cups:QUEUE)", s)
}

// Print sends an encoded receipt to the printer named by target and waits
// until it is sent, at most JobTimeout. It never panics and returns one
// *Error.
func Print(ctx context.Context, target string, data []byte) error {
	t, err := ParseTarget(target)
	if err != nil {
		if errors.Is(err, ErrNoPrinter) {
			return &Error{Kind: ErrNoPrinter}
		}
		return &Error{Kind: ErrUnreachable, Detail: err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, JobTimeout)
	defer cancel()
	switch t.Kind {
	case "tcp":
		err = printTCP(ctx, t.Addr, data)
	case "cups":
		err = printCUPS(ctx, t.Addr, data)
	default:
		err = printDevice(ctx, t.Addr, data)
	}
	var pe *Error
	if errors.As(err, &pe) {
		pe.Printer = t.String()
	}
	return err
}

// printTCP sends to a network printer on port 9100 (raw, "JetDirect"):
// its status first, then the receipt, then its status again, which shows
// the connection held to the end.
func printTCP(ctx context.Context, addr string, data []byte) error {
	d := net.Dialer{Timeout: DialTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return &Error{Kind: ErrUnreachable, Detail: short(err)}
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	deadline, _ := ctx.Deadline()
	if _, err := status(conn, deadline); err != nil {
		return err
	}
	conn.SetWriteDeadline(deadline)
	if _, err := conn.Write(data); err != nil {
		if ctx.Err() != nil || isTimeout(err) {
			return &Error{Kind: ErrNoAnswer, Detail: "it stopped taking data"}
		}
		return &Error{Kind: ErrClosed, Detail: short(err)}
	}
	st, err := status(conn, deadline)
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) && pe.Kind == ErrNoAnswer {
			pe.Kind = ErrClosed
		}
		return err
	}
	if st.PaperOut {
		return &Error{Kind: ErrOutOfPaper, Detail: "the receipt may be cut short"}
	}
	return nil
}

// status asks a printer's status (DLE EOT 1, 2, 4) and waits for the three
// answer bytes at most StatusTimeout; a status that stops printing is an
// error.
func status(conn net.Conn, jobDeadline time.Time) (Status, error) {
	dl := time.Now().Add(StatusTimeout)
	if !jobDeadline.IsZero() && jobDeadline.Before(dl) {
		dl = jobDeadline
	}
	conn.SetDeadline(dl)
	if _, err := conn.Write(cmdStatus); err != nil {
		if isTimeout(err) {
			return Status{}, &Error{Kind: ErrNoAnswer, Detail: "it stopped taking data"}
		}
		return Status{}, &Error{Kind: ErrClosed, Detail: short(err)}
	}
	var ans [3]byte
	if _, err := io.ReadFull(conn, ans[:]); err != nil {
		if isTimeout(err) {
			return Status{}, &Error{Kind: ErrNoAnswer, Detail: fmt.Sprintf("no status within %s (is it on?)", StatusTimeout)}
		}
		return Status{}, &Error{Kind: ErrClosed, Detail: short(err)}
	}
	st, err := ParseStatus(ans[0], ans[1], ans[2])
	if err != nil {
		return Status{}, &Error{Kind: ErrFailed, Detail: err.Error()}
	}
	return st, st.Err()
}

// printDevice writes to a device file (/dev/usb/lp0) from a goroutine of
// its own, so a device that blocks cannot hold the caller past the job's
// deadline. A device file gives no status to read back.
func printDevice(ctx context.Context, path string, data []byte) error {
	done := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			done <- &Error{Kind: ErrUnreachable, Detail: short(err)}
			return
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			done <- &Error{Kind: ErrFailed, Detail: short(err)}
			return
		}
		done <- nil
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return &Error{Kind: ErrNoAnswer, Detail: "the device did not take the receipt in time (is the printer on?)"}
	}
}

// lpCommand is the CUPS client; tests replace it.
var lpCommand = "lp"

// printCUPS hands the bytes to a CUPS queue with lp -o raw.
func printCUPS(ctx context.Context, queue string, data []byte) error {
	bin, err := exec.LookPath(lpCommand)
	if err != nil {
		return &Error{Kind: ErrUnreachable, Detail: "CUPS's lp command is not installed"}
	}
	cmd := exec.CommandContext(ctx, bin, "-d", queue, "-o", "raw", "-s", "-")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ctx.Err() != nil {
			return &Error{Kind: ErrNoAnswer, Detail: "lp did not finish in time"}
		}
		return &Error{Kind: ErrFailed, Detail: "lp: " + firstLine(string(out), err)}
	}
	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// short is an error's text without the Go-internal prefixes.
func short(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && strings.HasPrefix(s, "dial ") {
		return s[i+2:]
	}
	return s
}

func firstLine(out string, err error) string {
	out = strings.TrimSpace(out)
	if i := strings.IndexByte(out, '\n'); i >= 0 {
		out = out[:i]
	}
	if out == "" {
		return err.Error()
	}
	return out
}
