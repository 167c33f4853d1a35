// Command tlogcheck verifies a carbontrail log with an independent client: the Go checksum database's
// golang.org/x/mod/sumdb/note (signed notes) and golang.org/x/mod/sumdb/tlog (RFC 6962 hashing, proofs
// and 8-high hash tiles), plus the Go standard library. It shares no code with carbontrail.
//
// Usage:
//
//	tlogcheck -vkey KEY (-dir DIR | -url PREFIX) [-origin NAME] [-old CHECKPOINT [-consistency FILE]]
//	          [-receipt FILE]... [-api]
//
// DIR is what `carbontrail log export` writes; PREFIX is where a C2SP tlog-tiles server serves the log
// (http://HOST:PORT/log for `carbontrail serve`). -api also checks carbontrail's own proof, receipt and
// entry endpoints under PREFIX. It exits 0 when everything verifies, 1 on the first mismatch (printing
// "tlogcheck: FAIL <code>: <message>" on standard error) and 2 on bad usage.
package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// checkError is a failed check: a stable code (what the tests match) and what went wrong.
type checkError struct {
	code string
	msg  string
}

func (e *checkError) Error() string { return e.code + ": " + e.msg }

func fail(code, format string, args ...interface{}) error {
	return &checkError{code: code, msg: fmt.Sprintf(format, args...)}
}

// tileFailure classifies an error from a tlog.TileHashReader: a tile that could not be read, or tiles
// that tlog found inconsistent with the trusted tree hash.
func tileFailure(prefix string, err error) error {
	var fe *fetchError
	if errors.As(err, &fe) {
		return fail(prefix+".fetch", "%v", err)
	}
	return fail(prefix+".inconsistent", "%v", err)
}

type checker struct {
	src       source
	tiles     *tileReader
	verifiers note.Verifiers
	origin    string
	api       bool
	out       io.Writer

	cp      checkpoint      // the log's latest checkpoint, verified
	hr      tlog.HashReader // authenticated hashes of cp's tree
	entries [][]byte        // every entry of cp's tree, checked against the tiles
}

func (c *checker) say(format string, args ...interface{}) {
	fmt.Fprintf(c.out, "ok   "+format+"\n", args...)
}

// openCheckpoint verifies a checkpoint note with note.Open and parses its body.
func (c *checker) openCheckpoint(msg []byte, what string) (checkpoint, error) {
	n, err := note.Open(msg, c.verifiers)
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &invalid):
			return checkpoint{}, fail(what+".signature", "note.Open: %v", err)
		case errors.As(err, &unverified):
			return checkpoint{}, fail(what+".unverified", "note.Open: %v", err)
		default:
			return checkpoint{}, fail(what+".malformed", "note.Open: %v", err)
		}
	}
	cp, err := parseCheckpoint(n.Text)
	if err != nil {
		return cp, fail(what+".malformed", "%v", err)
	}
	if cp.origin != c.origin {
		return cp, fail(what+".origin", "checkpoint origin %q, want %q", cp.origin, c.origin)
	}
	return cp, nil
}

// 1. The latest checkpoint, its signature, and its root recomputed from authenticated tiles.
func (c *checker) checkCheckpoint() error {
	msg, err := c.src.fetch("checkpoint", "checkpoint")
	if err != nil {
		return fail("checkpoint.fetch", "%v", err)
	}
	if c.cp, err = c.openCheckpoint(msg, "checkpoint"); err != nil {
		return err
	}
	if c.cp.tree.N == 0 {
		if c.cp.tree.Hash != sha256.Sum256(nil) {
			return fail("checkpoint.root", "empty tree with root %s, want SHA-256 of nothing", c.cp.tree.Hash)
		}
		c.say("checkpoint: %s, empty tree", c.cp.origin)
		return nil
	}
	c.hr = tlog.TileHashReader(c.cp.tree, c.tiles)
	th, err := tlog.TreeHash(c.cp.tree.N, c.hr)
	if err != nil {
		return tileFailure("tiles", err)
	}
	if th != c.cp.tree.Hash {
		return fail("tiles.root", "tlog.TreeHash = %s, checkpoint root %s", th, c.cp.tree.Hash)
	}
	c.say("checkpoint: %s size %d root %s, signature verified with note.Open; tlog.TreeHash over tiles matches",
		c.cp.origin, c.cp.tree.N, c.cp.tree.Hash)
	return nil
}

// 2. Every entry bundle: parsed, each entry's tlog.RecordHash equal to its leaf hash in the tiles, and an
// inclusion proof built by tlog.ProveRecord that tlog.CheckRecord accepts. The leaf hashes from
// tlog.TileHashReader are not trusted alone: x/mod's reader leaves some full tiles unauthenticated when
// several subtrees of the tree hash share one tile (its loop starts at len(stx), the number of subtrees,
// not at the number of distinct tiles they need; see README.md), so a damaged full level-0 tile is caught
// here, by the entry hash, and by tlog.CheckRecord, which checks against the signed root.
func (c *checker) checkEntries() error {
	size := c.cp.tree.N
	c.entries = make([][]byte, 0, size)
	for n := int64(0); n*256 < size; n++ {
		t := tlog.Tile{H: tileHeight, L: -1, N: n, W: int(min64(256, size-n*256))}
		data, err := fetchTile(c.src, t)
		if err != nil {
			return fail("entries.fetch", "%v", err)
		}
		entries, err := parseBundle(data, t.W)
		if err != nil {
			return fail("entries.malformed", "%s: %v", tilePath(t), err)
		}
		c.entries = append(c.entries, entries...)
	}
	indexes := make([]int64, size)
	for i := range indexes {
		indexes[i] = tlog.StoredHashIndex(0, int64(i))
	}
	leaves, err := c.hr.ReadHashes(indexes)
	if err != nil {
		return tileFailure("tiles", err)
	}
	for i, e := range c.entries {
		if rh := tlog.RecordHash(e); rh != leaves[i] {
			return fail("entries.hash", "entry %d: tlog.RecordHash = %s, level-0 tile has %s", i, rh, leaves[i])
		}
	}
	for i, e := range c.entries {
		p, err := tlog.ProveRecord(size, int64(i), c.hr)
		if err != nil {
			return tileFailure("tiles", err)
		}
		if err := tlog.CheckRecord(p, size, c.cp.tree.Hash, int64(i), tlog.RecordHash(e)); err != nil {
			return fail("entries.proof", "entry %d: tlog.CheckRecord: %v", i, err)
		}
	}
	c.say("entries: %d entries in %d bundles hash to the level-0 tiles; tlog.ProveRecord/CheckRecord pass for each",
		size, (size+255)/256)
	return nil
}

// treeTiles lists the hash tiles of a tree of the given size, each at its width in that tree
// (C2SP tlog-tiles: the partial tile at level l has floor(size / 256**l) mod 256 hashes).
func treeTiles(size int64) []tlog.Tile {
	var tiles []tlog.Tile
	for level := 0; size>>(tileHeight*level) > 0; level++ {
		hashes := size >> (tileHeight * level)
		for n := int64(0); n*256 < hashes; n++ {
			tiles = append(tiles, tlog.Tile{H: tileHeight, L: level, N: n, W: int(min64(256, hashes-n*256))})
		}
	}
	return tiles
}

// 3. Every hash tile, byte for byte, against tiles Go builds from the entries alone (tlog.StoredHashes,
// tlog.ReadTileData over an in-memory store), and the root of that rebuilt tree.
func (c *checker) checkTileBytes() error {
	var stored []tlog.Hash
	mem := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("stored hash %d not written yet", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, e := range c.entries {
		hs, err := tlog.StoredHashes(int64(i), e, mem)
		if err != nil {
			return fail("tiles.rebuild", "entry %d: %v", i, err)
		}
		stored = append(stored, hs...)
	}
	th, err := tlog.TreeHash(c.cp.tree.N, mem)
	if err != nil || th != c.cp.tree.Hash {
		return fail("tiles.rebuild", "tree rebuilt from the entries has root %s (%v), checkpoint %s", th, err, c.cp.tree.Hash)
	}
	tiles := treeTiles(c.cp.tree.N)
	for _, t := range tiles {
		want, err := tlog.ReadTileData(t, mem)
		if err != nil {
			return fail("tiles.rebuild", "%s: %v", tilePath(t), err)
		}
		got, err := c.src.fetch(tilePath(t), "tile")
		if err != nil {
			return fail("tiles.fetch", "%v", err)
		}
		if !bytes.Equal(got, want) {
			return fail("tiles.bytes", "%s differs from the tile Go builds from the entries (%s)", tilePath(t), describeDiff(got, want))
		}
	}
	c.say("tiles: all %d hash tiles equal, byte for byte, the tiles tlog builds from the entries", len(tiles))
	return nil
}

func describeDiff(got, want []byte) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d bytes, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			return fmt.Sprintf("first difference in hash %d", i/tlog.HashSize)
		}
	}
	return "equal"
}

func min64(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tlogcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	vkey := fs.String("vkey", "", "the log's verifier key, name+hash+base64 (required)")
	origin := fs.String("origin", "", "the checkpoint origin to require (default: the key's name)")
	dir := fs.String("dir", "", "a directory written by carbontrail log export")
	url := fs.String("url", "", "a tlog-tiles prefix, e.g. http://127.0.0.1:8000/log")
	old := fs.String("old", "", "an older checkpoint of the log: check it and its consistency with the latest")
	ours := fs.String("consistency", "", "with -old: the output of carbontrail log consistency OLD NEW, to compare with Go's")
	api := fs.Bool("api", false, "with -url: also check carbontrail's entry, proof and receipt endpoints")
	var receipts listFlag
	fs.Var(&receipts, "receipt", "a tlog-proof@v1 receipt for an entry of the log (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	usage := func(msg string) int {
		fmt.Fprintf(stderr, "tlogcheck: %s\n", msg)
		return 2
	}
	if *vkey == "" || (*dir == "") == (*url == "") || fs.NArg() != 0 {
		return usage("give -vkey and exactly one of -dir and -url")
	}
	if (*ours != "" && *old == "") || (*api && *url == "") {
		return usage("-consistency needs -old; -api needs -url")
	}
	v, err := note.NewVerifier(*vkey)
	if err != nil {
		return usage(fmt.Sprintf("bad -vkey: %v", err))
	}
	if *origin == "" {
		*origin = v.Name()
	}
	var src source = dirSource{*dir}
	if *url != "" {
		src = newHTTPSource(*url)
	}
	c := &checker{
		src: src, tiles: newTileReader(src), verifiers: note.VerifierList(v), origin: *origin, api: *api, out: stdout,
	}
	fmt.Fprintf(stdout, "tlogcheck: %s with golang.org/x/mod/sumdb/note and sumdb/tlog\n", src.describe())
	steps := []func() error{c.checkCheckpoint}
	steps = append(steps, func() error {
		if c.cp.tree.N == 0 {
			return nil
		}
		for _, step := range []func() error{c.checkEntries, c.checkTileBytes} {
			if err := step(); err != nil {
				return err
			}
		}
		if *old != "" {
			if err := c.checkOld(*old, *ours); err != nil {
				return err
			}
		}
		for _, path := range receipts {
			data, err := os.ReadFile(path)
			if err != nil {
				return fail("receipt.fetch", "%v", err)
			}
			if err := c.checkReceipt(data, path); err != nil {
				return err
			}
		}
		if *api {
			return c.checkAPI()
		}
		return nil
	})
	for _, step := range steps {
		if err := step(); err != nil {
			fmt.Fprintf(stderr, "tlogcheck: FAIL %v\n", err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "OK: %s size %d verified by an independent client (%d tile fetches)\n",
		c.cp.origin, c.cp.tree.N, c.tiles.fetches)
	return 0
}
