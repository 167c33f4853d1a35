// The checks that involve more than one tree: an older checkpoint and its consistency with the latest,
// tlog-proof@v1 receipts, and carbontrail's own proof, receipt and entry endpoints.

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/tlog"
)

// 4. An older checkpoint: its signature, its root from the log's tiles, and consistency with the latest
// by tlog.ProveTree/CheckTree; our consistency proof (if given) must be exactly Go's.
func (c *checker) checkOld(path, oursPath string) error {
	msg, err := os.ReadFile(path)
	if err != nil {
		return fail("old.fetch", "%v", err)
	}
	old, err := c.openCheckpoint(msg, "old")
	if err != nil {
		return err
	}
	size := c.cp.tree.N
	if old.tree.N > size {
		return fail("old.size", "old checkpoint has size %d, the log only %d", old.tree.N, size)
	}
	if old.tree.N == 0 {
		c.say("consistency: old checkpoint is the empty tree, trivially consistent")
		return nil
	}
	th, err := tlog.TreeHash(old.tree.N, tlog.TileHashReader(old.tree, c.tiles))
	if err != nil {
		return tileFailure("old.tiles", err)
	}
	if th != old.tree.Hash {
		return fail("old.tiles", "tlog.TreeHash(%d) = %s, old checkpoint root %s", old.tree.N, th, old.tree.Hash)
	}
	proof, err := tlog.ProveTree(size, old.tree.N, c.hr)
	if err != nil {
		return tileFailure("tiles", err)
	}
	if err := tlog.CheckTree(proof, size, c.cp.tree.Hash, old.tree.N, old.tree.Hash); err != nil {
		return fail("consistency.fork", "tlog.CheckTree %d -> %d: %v", old.tree.N, size, err)
	}
	c.say("consistency: old checkpoint size %d verified; tlog.ProveTree/CheckTree %d -> %d pass (%d hashes)",
		old.tree.N, old.tree.N, size, len(proof))
	if oursPath != "" {
		data, err := os.ReadFile(oursPath)
		if err != nil {
			return fail("consistency.fetch", "%v", err)
		}
		ours, err := parseProofLines(data)
		if err != nil {
			return fail("consistency.malformed", "%s: %v", oursPath, err)
		}
		if err := c.compareConsistency(ours, proof, old.tree, oursPath); err != nil {
			return err
		}
	}
	if c.api {
		var resp struct {
			Old, New int64
			Hashes   []string
		}
		if err := c.getJSON(fmt.Sprintf("proof/consistency?old=%d&new=%d", old.tree.N, size), &resp); err != nil {
			return err
		}
		ours, err := parseHashList(resp.Hashes, "consistency proof")
		if err != nil || resp.Old != old.tree.N || resp.New != size {
			return fail("api.consistency", "proof/consistency: sizes %d -> %d, %v", resp.Old, resp.New, err)
		}
		if err := c.compareConsistency(ours, proof, old.tree, "GET proof/consistency"); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) compareConsistency(ours, goProof tlog.TreeProof, old tlog.Tree, what string) error {
	if err := tlog.CheckTree(ours, c.cp.tree.N, c.cp.tree.Hash, old.N, old.Hash); err != nil {
		return fail("consistency.proof", "%s: tlog.CheckTree rejects our proof: %v", what, err)
	}
	if d := firstDifference(ours, goProof); d != "" {
		return fail("consistency.mismatch", "%s: our proof differs from tlog.ProveTree: %s", what, d)
	}
	c.say("consistency: %s equals tlog.ProveTree, hash for hash", what)
	return nil
}

// 5. A tlog-proof@v1 receipt: its checkpoint signature (note.Open), its inclusion proof (tlog.CheckRecord
// for the entry the log holds at its index), equality with tlog.ProveRecord over the log's tiles for the
// receipt's tree, and that tree's consistency with the latest checkpoint.
func (c *checker) checkReceipt(data []byte, what string) error {
	r, err := parseReceipt(data)
	if err != nil {
		return fail("receipt.malformed", "%s: %v", what, err)
	}
	cp, err := c.openCheckpoint(r.checkpoint, "receipt")
	if err != nil {
		return err
	}
	if r.index >= cp.tree.N {
		return fail("receipt.index", "%s: index %d outside its tree of size %d", what, r.index, cp.tree.N)
	}
	if cp.tree.N > c.cp.tree.N {
		return fail("receipt.size", "%s: receipt tree size %d is past the log's %d", what, cp.tree.N, c.cp.tree.N)
	}
	leaf := tlog.RecordHash(c.entries[r.index])
	if err := tlog.CheckRecord(r.proof, cp.tree.N, cp.tree.Hash, r.index, leaf); err != nil {
		return fail("receipt.proof", "%s: tlog.CheckRecord of entry %d in size %d: %v", what, r.index, cp.tree.N, err)
	}
	goProof, err := tlog.ProveRecord(cp.tree.N, r.index, tlog.TileHashReader(cp.tree, c.tiles))
	if err != nil {
		return tileFailure("receipt.tiles", err)
	}
	if d := firstDifference(r.proof, goProof); d != "" {
		return fail("receipt.mismatch", "%s: our proof differs from tlog.ProveRecord: %s", what, d)
	}
	if cp.tree.N < c.cp.tree.N {
		p, err := tlog.ProveTree(c.cp.tree.N, cp.tree.N, c.hr)
		if err != nil {
			return tileFailure("tiles", err)
		}
		if err := tlog.CheckTree(p, c.cp.tree.N, c.cp.tree.Hash, cp.tree.N, cp.tree.Hash); err != nil {
			return fail("receipt.fork", "%s: receipt tree %d is not consistent with the log: %v", what, cp.tree.N, err)
		}
	} else if cp.tree.Hash != c.cp.tree.Hash {
		return fail("receipt.fork", "%s: receipt root %s differs from the log's at size %d", what, cp.tree.Hash, cp.tree.N)
	}
	c.say("receipt: %s: entry %d in size %d, signature, tlog.CheckRecord and equality with tlog.ProveRecord (%d hashes)",
		what, r.index, cp.tree.N, len(r.proof))
	return nil
}

func (c *checker) getJSON(path string, v interface{}) error {
	data, err := c.src.fetch(path, "json")
	if err != nil {
		return fail("api.fetch", "%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return fail("api.malformed", "%s: %v", path, err)
	}
	return nil
}

// 6. carbontrail's own endpoints (not part of tlog-tiles): for a sample of entries, the entry's bytes,
// the inclusion proof (JSON) against tlog.ProveRecord, and the receipt.
func (c *checker) checkAPI() error {
	size := c.cp.tree.N
	seen := map[int64]bool{}
	var sample []int64
	for _, i := range []int64{0, 1, 2, 255, 256, 257, 511, 512, size / 2, size - 2, size - 1} {
		if i >= 0 && i < size && !seen[i] {
			seen[i] = true
			sample = append(sample, i)
		}
	}
	for _, i := range sample {
		entry, err := c.src.fetch(fmt.Sprintf("entry/%d", i), "")
		if err != nil {
			return fail("api.fetch", "%v", err)
		}
		if !bytes.Equal(entry, c.entries[i]) {
			return fail("api.entry", "entry/%d differs from the entry bundle", i)
		}
		var resp struct {
			Index, Size int64
			LeafHash    string `json:"leaf_hash"`
			Hashes      []string
		}
		if err := c.getJSON(fmt.Sprintf("proof/inclusion?index=%d&size=%d", i, size), &resp); err != nil {
			return err
		}
		leaf, err := parseHash(resp.LeafHash, "leaf_hash")
		if err != nil || resp.Index != i || resp.Size != size || leaf != tlog.RecordHash(c.entries[i]) {
			return fail("api.inclusion", "proof/inclusion?index=%d: index %d size %d leaf %s (%v)", i, resp.Index, resp.Size, resp.LeafHash, err)
		}
		ours, err := parseHashList(resp.Hashes, "inclusion proof")
		if err != nil {
			return fail("api.inclusion", "%v", err)
		}
		goProof, err := tlog.ProveRecord(size, i, c.hr)
		if err != nil {
			return tileFailure("tiles", err)
		}
		if d := firstDifference(ours, goProof); d != "" {
			return fail("api.inclusion", "proof/inclusion?index=%d differs from tlog.ProveRecord: %s", i, d)
		}
		rc, err := c.src.fetch(fmt.Sprintf("receipt/%d", i), "receipt")
		if err != nil {
			return fail("api.fetch", "%v", err)
		}
		if err := c.checkReceipt(rc, fmt.Sprintf("GET receipt/%d", i)); err != nil {
			return err
		}
	}
	c.say("api: entry, proof/inclusion and receipt for %d sampled entries equal what tlog computes", len(sample))
	return nil
}
