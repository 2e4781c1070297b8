package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// ErrIdentity: the file holds the orders of another QFPay (the sandbox, or
// another base URL or app code) than the one it is opened for.
var ErrIdentity = errors.New("store: order file of another identity")

// keyIdentity holds the file's Identity as JSON in the meta bucket.
var keyIdentity = []byte("identity")

// Identity says which QFPay an order file's orders were sent to: the
// built-in sandbox, or a live QFPay by its base URL and app code (never
// the client key). A file is given one when it is created, and Open with
// WithIdentity refuses a file of another: recovery or reconciliation
// against the wrong QFPay would settle real orders from the sandbox's
// answers, or the other way round.
type Identity struct {
	Sandbox bool   `json:"sandbox"`
	BaseURL string `json:"base_url,omitempty"`
	AppCode string `json:"app_code,omitempty"`
}

// Sandbox is the identity of the built-in sandbox's order file.
func Sandbox() Identity { return Identity{Sandbox: true} }

// Live is the identity of a file of orders sent to the QFPay at baseURL
// with appCode.
func Live(baseURL, appCode string) Identity {
	return Identity{BaseURL: strings.TrimRight(baseURL, "/"), AppCode: appCode}
}

// Same tells whether two identities name the same QFPay.
func (id Identity) Same(o Identity) bool {
	if id.Sandbox || o.Sandbox {
		return id.Sandbox == o.Sandbox
	}
	return strings.EqualFold(strings.TrimRight(id.BaseURL, "/"), strings.TrimRight(o.BaseURL, "/")) && id.AppCode == o.AppCode
}

// String is "sandbox" or "live (base URL, app code)", the app code cut
// short.
func (id Identity) String() string {
	if id.Sandbox {
		return "sandbox"
	}
	return "live (" + id.where() + ")"
}

func (id Identity) where() string {
	app := id.AppCode
	if len(app) > 8 {
		app = app[:8] + "…"
	}
	return id.BaseURL + ", app " + app
}

// WithIdentity makes Open check the file's identity against want before
// anything else reads or writes the file. A new file is given want. A file
// made before identities existed is taken to be legacy: when that is want,
// Open writes it into the file; else it refuses the file, unchanged. A
// refusal is an *IdentityError wrapping ErrIdentity.
func WithIdentity(want, legacy Identity) Option {
	return func(o *options) { o.want, o.legacy = &want, legacy }
}

// IdentityError is a refusal to open a file of another identity.
type IdentityError struct {
	Path   string
	File   Identity // what the file is
	Want   Identity // what it was opened for
	Legacy bool     // the file predates identities; File is what it is taken to be
}

func (e *IdentityError) Error() string {
	file := "a sandbox order file"
	switch {
	case e.File.Sandbox:
	case e.Legacy: // taken as live; this qfpos has no credentials to name
		file = "a live order file"
	default:
		file = "a live order file (" + e.File.where() + ")"
	}
	if e.Legacy {
		file += " (made by an older qfpos)"
	}
	return fmt.Sprintf("%s is %s; this qfpos is %s: set db (QFPOS_DB) to another file", e.Path, file, e.Want)
}

func (e *IdentityError) Unwrap() error { return ErrIdentity }

// checkIdentity runs first in Open's transaction: it refuses a file of
// another identity, and gives a new or legacy file its identity.
func checkIdentity(tx *bolt.Tx, path string, want *Identity, legacy Identity) error {
	if want == nil {
		return nil
	}
	meta := tx.Bucket(bucketMeta)
	if meta == nil { // a new file
		var err error
		if meta, err = tx.CreateBucket(bucketMeta); err != nil {
			return err
		}
		return putIdentity(meta, *want)
	}
	v := meta.Get(keyIdentity)
	if v == nil {
		if !legacy.Same(*want) {
			return &IdentityError{Path: path, File: legacy, Want: *want, Legacy: true}
		}
		return putIdentity(meta, *want)
	}
	var have Identity
	if err := json.Unmarshal(v, &have); err != nil {
		return &damagedError{path: path, why: "its identity does not read: " + err.Error()}
	}
	if !have.Same(*want) {
		return &IdentityError{Path: path, File: have, Want: *want}
	}
	return nil
}

func putIdentity(meta *bolt.Bucket, id Identity) error {
	v, err := json.Marshal(id)
	if err != nil {
		return err
	}
	return meta.Put(keyIdentity, v)
}

// Identity is the identity written in the file; ok is false for a file
// that has none (opened without WithIdentity, by an older qfpos).
func (s *Store) Identity() (id Identity, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(keyIdentity)
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &id)
	})
	return id, ok, err
}
