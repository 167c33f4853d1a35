// Parsers for the C2SP wire formats x/mod does not know, written from the specifications:
// tlog-checkpoint (the note text), tlog-tiles entry bundles, and tlog-proof@v1 receipts.

package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// checkpoint is the body of a C2SP tlog-checkpoint: origin, tree size and root hash.
type checkpoint struct {
	origin string
	tree   tlog.Tree
}

var b64 = base64.StdEncoding.Strict()

// parseDecimal reads a non-negative ASCII decimal with no leading zeros (unless it is "0"), as
// tlog-checkpoint and tlog-proof write sizes and indexes.
func parseDecimal(s, what string) (int64, error) {
	if s == "" || (len(s) > 1 && s[0] == '0') || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%s %q is not a decimal without leading zeros", what, s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s %q: %v", what, s, err)
	}
	return n, nil
}

// parseHash decodes one base64 SHA-256 hash.
func parseHash(s, what string) (tlog.Hash, error) {
	var h tlog.Hash
	raw, err := b64.DecodeString(s)
	if err != nil {
		return h, fmt.Errorf("%s is not base64: %v", what, err)
	}
	if len(raw) != tlog.HashSize {
		return h, fmt.Errorf("%s is %d bytes, want %d", what, len(raw), tlog.HashSize)
	}
	copy(h[:], raw)
	return h, nil
}

// parseCheckpoint parses the text of a checkpoint note (tlog-checkpoint "Note text"): the origin line,
// the decimal tree size, the base64 root hash, then optional non-empty extension lines.
func parseCheckpoint(text string) (checkpoint, error) {
	var cp checkpoint
	if !strings.HasSuffix(text, "\n") {
		return cp, fmt.Errorf("checkpoint text does not end with a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return cp, fmt.Errorf("checkpoint has %d lines, want at least 3", len(lines))
	}
	if lines[0] == "" {
		return cp, fmt.Errorf("checkpoint origin is empty")
	}
	for i, l := range lines[3:] {
		if l == "" {
			return cp, fmt.Errorf("checkpoint extension line %d is empty", i)
		}
	}
	size, err := parseDecimal(lines[1], "checkpoint size")
	if err != nil {
		return cp, err
	}
	root, err := parseHash(lines[2], "checkpoint root")
	if err != nil {
		return cp, err
	}
	return checkpoint{origin: lines[0], tree: tlog.Tree{N: size, Hash: root}}, nil
}

// parseBundle splits a tlog-tiles entry bundle (big-endian uint16 length, then the entry) and requires
// exactly width entries and no trailing bytes.
func parseBundle(data []byte, width int) ([][]byte, error) {
	var entries [][]byte
	for pos := 0; pos < len(data); {
		if len(entries) == width {
			return nil, fmt.Errorf("%d bytes after entry %d of a bundle of width %d", len(data)-pos, width-1, width)
		}
		if pos+2 > len(data) {
			return nil, fmt.Errorf("truncated in the length of entry %d", len(entries))
		}
		n := int(binary.BigEndian.Uint16(data[pos:]))
		pos += 2
		if pos+n > len(data) {
			return nil, fmt.Errorf("truncated in entry %d (%d bytes announced, %d left)", len(entries), n, len(data)-pos)
		}
		entries = append(entries, data[pos:pos+n])
		pos += n
	}
	if len(entries) != width {
		return nil, fmt.Errorf("holds %d entries, want %d", len(entries), width)
	}
	return entries, nil
}

// receiptHeader is the first line of a C2SP tlog-proof@v1 receipt.
const receiptHeader = "c2sp.org/tlog-proof@v1"

// receipt is a parsed tlog-proof@v1: the entry index, the inclusion proof (leaf's sibling first, as
// RFC 6962 section 2.1.1 orders it) and the checkpoint note's exact bytes.
type receipt struct {
	extra      []byte
	index      int64
	proof      []tlog.Hash
	checkpoint []byte
}

// parseReceipt parses a tlog-proof@v1 receipt (C2SP tlog-proof "Format").
func parseReceipt(data []byte) (receipt, error) {
	var r receipt
	rest := data
	line := func(what string) (string, error) {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return "", fmt.Errorf("receipt ends inside its %s", what)
		}
		l := string(rest[:i])
		rest = rest[i+1:]
		return l, nil
	}
	l, err := line("header")
	if err != nil {
		return r, err
	}
	if l != receiptHeader {
		return r, fmt.Errorf("receipt header is %q, want %q", l, receiptHeader)
	}
	if l, err = line("index line"); err != nil {
		return r, err
	}
	if strings.HasPrefix(l, "extra ") {
		if r.extra, err = b64.DecodeString(strings.TrimPrefix(l, "extra ")); err != nil {
			return r, fmt.Errorf("receipt extra is not base64: %v", err)
		}
		if l, err = line("index line"); err != nil {
			return r, err
		}
	}
	if !strings.HasPrefix(l, "index ") {
		return r, fmt.Errorf("receipt has no index line: %q", l)
	}
	if r.index, err = parseDecimal(strings.TrimPrefix(l, "index "), "receipt index"); err != nil {
		return r, err
	}
	for {
		if l, err = line("inclusion proof"); err != nil {
			return r, err
		}
		if l == "" {
			break
		}
		h, err := parseHash(l, fmt.Sprintf("receipt proof hash %d", len(r.proof)))
		if err != nil {
			return r, err
		}
		r.proof = append(r.proof, h)
	}
	if len(rest) == 0 {
		return r, fmt.Errorf("receipt has no checkpoint")
	}
	r.checkpoint = rest
	return r, nil
}

// parseProofLines reads `carbontrail log consistency` output: one base64 hash a line.
func parseProofLines(data []byte) ([]tlog.Hash, error) {
	if len(data) == 0 {
		return nil, nil
	}
	if !bytes.HasSuffix(data, []byte("\n")) {
		return nil, fmt.Errorf("proof does not end with a newline")
	}
	var out []tlog.Hash
	for i, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		h, err := parseHash(l, fmt.Sprintf("proof hash %d", i))
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// parseHashList decodes the base64 hashes of a JSON proof.
func parseHashList(list []string, what string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		h, err := parseHash(s, fmt.Sprintf("%s hash %d", what, i))
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

// firstDifference compares two proofs and describes the first difference, or returns "".
func firstDifference(ours, theirs []tlog.Hash) string {
	for i := 0; i < len(ours) && i < len(theirs); i++ {
		if ours[i] != theirs[i] {
			return fmt.Sprintf("hash %d is %s, Go computes %s", i, ours[i], theirs[i])
		}
	}
	if len(ours) != len(theirs) {
		return fmt.Sprintf("%d hashes, Go computes %d", len(ours), len(theirs))
	}
	return ""
}
