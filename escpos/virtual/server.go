package virtual

import (
	"errors"
	"net"
	"sync"
	"time"

	"github.com/qfpos/qfpos/escpos"
)

// Behaviour is how the virtual printer acts.
type Behaviour int

// Behaviours.
const (
	Normal     Behaviour = iota // prints and answers its status
	Silent                      // takes the connection and never reads or answers
	CloseAfter                  // closes the connection after CloseAt bytes
	PaperOut                    // answers that its paper has run out, prints nothing
)

// Job is one connection's print job.
type Job struct {
	Raw   []byte
	Items []Item
}

// Printer is a virtual printer listening on a loopback port.
type Printer struct {
	Codepage  escpos.Codepage // its Chinese mode's code page (default big5)
	Behaviour Behaviour
	CloseAt   int // for CloseAfter

	ln   net.Listener
	jobs chan Job
	wg   sync.WaitGroup
	mu   sync.Mutex
	cons map[net.Conn]bool
	done chan struct{}
}

// Start starts a virtual printer on 127.0.0.1, port chosen by the system.
func Start(cp escpos.Codepage, b Behaviour) (*Printer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if cp == "" {
		cp = escpos.CodepageBig5
	}
	p := &Printer{Codepage: cp, Behaviour: b, ln: ln, jobs: make(chan Job, 16), cons: map[net.Conn]bool{}, done: make(chan struct{})}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Target is the printer setting that reaches it: tcp://127.0.0.1:PORT.
func (p *Printer) Target() string { return "tcp://" + p.ln.Addr().String() }

// Close stops the printer and drops its connections.
func (p *Printer) Close() error {
	err := p.ln.Close()
	close(p.done)
	p.mu.Lock()
	for c := range p.cons {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

// Job waits at most d for the next job to end and returns it.
func (p *Printer) Job(d time.Duration) (Job, error) {
	select {
	case j := <-p.jobs:
		return j, nil
	case <-time.After(d):
		return Job{}, errors.New("virtual printer: no job")
	}
}

func (p *Printer) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.cons[c] = true
		p.mu.Unlock()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer func() {
				p.mu.Lock()
				delete(p.cons, c)
				p.mu.Unlock()
				c.Close()
			}()
			p.handle(c)
		}()
	}
}

// Status bytes a printer answers DLE EOT with.
const (
	statusOK       = 0x12
	statusPaperEnd = 0x12 | 0x60 // DLE EOT 4: paper end detected
	statusStopped  = 0x12 | 0x20 // DLE EOT 2: printing stopped by paper end
)

func (p *Printer) handle(c net.Conn) {
	if p.Behaviour == Silent {
		<-p.done // never read, never answer, until the printer is closed
		return
	}
	d := &decoder{cp: p.Codepage}
	d.status = func(n byte) {
		ans := byte(statusOK)
		if p.Behaviour == PaperOut {
			switch n {
			case 2:
				ans = statusStopped
			case 4:
				ans = statusPaperEnd
			}
		}
		c.Write([]byte{ans})
	}
	var raw, pending []byte
	buf := make([]byte, 4096)
	for {
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		n, err := c.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			if p.Behaviour == CloseAfter && len(raw)+n > p.CloseAt {
				chunk = chunk[:max(p.CloseAt-len(raw), 0)]
			}
			raw = append(raw, chunk...)
			pending = append(pending, chunk...)
			used := d.feed(pending)
			pending = pending[used:]
			if p.Behaviour == CloseAfter && len(raw) >= p.CloseAt {
				if tc, ok := c.(*net.TCPConn); ok {
					tc.SetLinger(0) // a reset, as a printer switched off
				}
				break
			}
		}
		if err != nil {
			break
		}
	}
	d.flush()
	if p.Behaviour == PaperOut {
		d.items = nil
	}
	select {
	case p.jobs <- Job{Raw: raw, Items: d.items}:
	default: // nobody is reading jobs
	}
}
