// Reading a C2SP tlog-tiles log from a directory (what `carbontrail log export` writes) or from an HTTP
// prefix (what `carbontrail serve` serves under /log), and a tlog.TileReader over it.

package main

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// tileHeight is the height of C2SP tlog-tiles tiles: 256 hashes each, as in the Go checksum database.
const tileHeight = 8

// errNotFound is what a source returns for a resource it does not have (a missing file, HTTP 404).
var errNotFound = errors.New("not found")

// source fetches one resource of the log by its path relative to the log's prefix.
type source interface {
	// fetch returns the bytes at path; kind is "checkpoint" or "tile" and selects the content type that
	// an HTTP server must send.
	fetch(path, kind string) ([]byte, error)
	// describe names the source in messages.
	describe() string
}

type dirSource struct{ root string }

func (d dirSource) describe() string { return d.root }

func (d dirSource) fetch(path, kind string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(d.root, filepath.FromSlash(path)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", path, errNotFound)
	}
	return data, err
}

type httpSource struct {
	prefix string // no trailing slash, e.g. http://127.0.0.1:8000/log
	client *http.Client
}

func newHTTPSource(prefix string) httpSource {
	return httpSource{prefix: strings.TrimRight(prefix, "/"), client: &http.Client{Timeout: 20 * time.Second}}
}

func (h httpSource) describe() string { return h.prefix }

// wantType is the Content-Type C2SP tlog-tiles requires for each kind of resource; "" checks nothing.
var wantType = map[string]string{
	"checkpoint": "text/plain",
	"tile":       "application/octet-stream",
	"json":       "application/json",
	"receipt":    "text/plain",
}

func (h httpSource) fetch(path, kind string) ([]byte, error) {
	url := h.prefix + "/" + path
	resp, err := h.client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", url, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("GET %s: %w", url, errNotFound)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %s", url, resp.Status)
	}
	if want := wantType[kind]; want != "" {
		got, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if err != nil || got != want {
			return nil, fmt.Errorf("GET %s: Content-Type %q, want %s", url, resp.Header.Get("Content-Type"), want)
		}
		if kind == "checkpoint" && !strings.EqualFold(params["charset"], "utf-8") {
			return nil, fmt.Errorf("GET %s: Content-Type %q, want charset=utf-8", url, resp.Header.Get("Content-Type"))
		}
	}
	return body, nil
}

// tilePath maps a Go tile to its C2SP tlog-tiles path. Go's sumdb writes tile/<H>/<L>/<N>[.p/<W>] and
// tile/<H>/data/<N>[.p/<W>]; C2SP fixes H at 8, drops it from the path, and names the data level
// "entries". The index encoding (3-digit groups, all but the last prefixed with x) is the same, so Go's
// own Tile.Path does that part: this checker does not share our encoder.
func tilePath(t tlog.Tile) string {
	if t.H != tileHeight {
		panic(fmt.Sprintf("tile height %d, C2SP tiles have height %d", t.H, tileHeight))
	}
	rest := strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", tileHeight))
	if strings.HasPrefix(rest, "data/") {
		rest = "entries/" + strings.TrimPrefix(rest, "data/")
	}
	return "tile/" + rest
}

// fetchTile reads a hash tile or entry bundle. A partial hash tile that is gone may be replaced by the
// full tile, whose first W hashes it is (C2SP tlog-tiles "Partial Tiles": clients MAY fall back to it).
func fetchTile(src source, t tlog.Tile) ([]byte, error) {
	data, err := src.fetch(tilePath(t), "tile")
	if err == nil || !errors.Is(err, errNotFound) || t.W == 1<<tileHeight || t.L < 0 {
		return data, err
	}
	full := t
	full.W = 1 << tileHeight
	data, ferr := src.fetch(tilePath(full), "tile")
	if ferr != nil {
		return nil, fmt.Errorf("%v (and the full tile: %v)", err, ferr)
	}
	if len(data) != tlog.HashSize<<tileHeight {
		return nil, fmt.Errorf("full tile %s is %d bytes, want %d", tilePath(full), len(data), tlog.HashSize<<tileHeight)
	}
	return data[:t.W*tlog.HashSize], nil
}

// tileReader is a tlog.TileReader over a source. It caches tiles once tlog has authenticated them
// (SaveTiles), as the sumdb client does, so that checking every entry does not refetch every tile.
type tileReader struct {
	src     source
	saved   map[tlog.Tile][]byte
	fetches int
}

func newTileReader(src source) *tileReader {
	return &tileReader{src: src, saved: map[tlog.Tile][]byte{}}
}

func (r *tileReader) Height() int { return tileHeight }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		if data, ok := r.saved[t]; ok {
			out[i] = data
			continue
		}
		data, err := fetchTile(r.src, t)
		if err != nil {
			return nil, &fetchError{err}
		}
		r.fetches++
		// tlog requires exactly W hashes; a wrong length is reported by tlog itself.
		out[i] = data
	}
	return out, nil
}

func (r *tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {
	for i, t := range tiles {
		r.saved[t] = data[i]
	}
}

// fetchError marks a tile that could not be read at all, as opposed to one that tlog found inconsistent.
type fetchError struct{ err error }

func (e *fetchError) Error() string { return e.err.Error() }
func (e *fetchError) Unwrap() error { return e.err }
