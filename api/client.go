package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/qfpos/qfpos/config"
)

// Client talks to the running qfpos of an order file (the CLI's path
// when the GUI, `qfpos serve` or `qfpos pay` owns the file).
type Client struct {
	Base  string // "http://qfpos" on the unix socket
	Token string
	HTTP  *http.Client
}

// Dial finds the running qfpos that owns cfg's order file, by its unix
// socket or api_listen address; nil, nil when none answers.
func Dial(ctx context.Context, cfg *config.Config) (*Client, error) {
	if cfg.APIListen == "off" {
		return nil, nil
	}
	p := PathsFor(cfg)
	tr := &http.Transport{ResponseHeaderTimeout: 0, IdleConnTimeout: 30 * time.Second}
	c := &Client{HTTP: &http.Client{Transport: tr}}
	if cfg.APIListen == "" {
		if _, err := os.Stat(p.Socket); err != nil {
			return nil, nil
		}
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", p.Socket)
		}
		c.Base = "http://qfpos"
	} else {
		c.Base = "http://" + cfg.APIListen
	}
	hctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(hctx, "GET", c.Base+"/v1/health", nil)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, nil // nobody there: the file is the caller's
	}
	resp.Body.Close()
	tok, err := ReadToken(p.Token)
	if err != nil {
		return nil, fmt.Errorf("a qfpos is running on this order file, but its API token cannot be read: %w", err)
	}
	c.Token = tok
	return c, nil
}

// APIError is an error answer.
type APIError struct {
	Status int
	Error_ Error
}

func (e *APIError) Error() string {
	if e.Error_.Field != "" {
		return e.Error_.Field + ": " + e.Error_.Message
	}
	if e.Error_.Message != "" {
		return e.Error_.Message
	}
	return fmt.Sprintf("the running qfpos answered %d", e.Status)
}

// Do sends a request with the token; a body that is not nil is sent as
// JSON. An error answer is an *APIError.
func (c *Client) Do(ctx context.Context, method, path string, body any, header http.Header) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("the running qfpos: %w", err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		e := &APIError{Status: resp.StatusCode}
		json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&e.Error_)
		return nil, e
	}
	return resp, nil
}

// JSON sends a request and decodes the answer into out.
func (c *Client) JSON(ctx context.Context, method, path string, body, out any, header http.Header) error {
	resp, err := c.Do(ctx, method, path, body, header)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// ReadEvents reads a Server-Sent Events stream, calling fn with each
// event until the stream ends or fn returns false.
func ReadEvents(r io.Reader, fn func(Event) bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var ev Event
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.Name != "" || len(data) > 0 {
				ev.Data = []byte(strings.Join(data, "\n"))
				if !fn(ev) {
					return nil
				}
			}
			ev, data = Event{}, nil
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "id:"):
			ev.ID, _ = strconv.Atoi(strings.TrimSpace(line[3:]))
		case strings.HasPrefix(line, "event:"):
			ev.Name = strings.TrimSpace(line[6:])
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(line[5:], " "))
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}
