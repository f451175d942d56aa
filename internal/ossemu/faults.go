package ossemu

import (
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultKind is what an injected fault does to a matching request.
type FaultKind string

// Fault kinds.
const (
	// FaultError answers Status/Code (default 503 SlowDown) in OSS's error XML.
	FaultError FaultKind = "error"
	// FaultLatency delays the request by Latency before serving it.
	FaultLatency FaultKind = "latency"
	// FaultReset resets the TCP connection: for a response with a body after
	// half of it was sent, for a request body after part of it was read,
	// otherwise before answering.
	FaultReset FaultKind = "reset"
	// FaultTruncate sends the full Content-Length header but closes the
	// connection after half of the body.
	FaultTruncate FaultKind = "truncate"
	// FaultCorrupt flips a byte in the middle of the body: in a response
	// body (headers such as the CRC stay those of the stored object) or in
	// a request body (the stored object and its CRC are of the corrupted
	// bytes, as when data is damaged on the way in).
	FaultCorrupt FaultKind = "corrupt"
)

// Fault describes an injected failure. Empty match fields match anything.
type Fault struct {
	Kind   FaultKind
	Op     string // operation name, e.g. GetObject, PutObject, UploadPart
	Bucket string
	// Key is a glob over the object key: '*' matches any run of bytes
	// (slashes included), '?' one byte.
	Key string
	// Probability in (0, 1] that a matching request is hit; 0 means always.
	Probability float64
	// Times is how many requests the fault hits at most; 0 means unlimited.
	Times int
	// After lets this many matching requests through untouched before the
	// fault starts hitting, so a test can fail "the 5th part" exactly.
	After int

	Status  int    // FaultError; default 503
	Code    string // FaultError; default SlowDown (or InternalError for 500)
	Latency time.Duration
}

type activeFault struct {
	Fault
	id      int
	hits    int
	matched int
}

// faultSet holds the active faults and the seeded random source that
// decides which requests they hit.
type faultSet struct {
	mu     sync.Mutex
	rng    *rand.Rand
	faults []*activeFault
	nextID int
	hits   map[FaultKind]int
}

func (f *faultSet) init(seed uint64) {
	f.rng = rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
	f.hits = map[FaultKind]int{}
}

// AddFault activates a fault and returns its ID for RemoveFault.
func (c *Cloud) AddFault(f Fault) int {
	c.faults.mu.Lock()
	defer c.faults.mu.Unlock()
	c.faults.nextID++
	c.faults.faults = append(c.faults.faults, &activeFault{Fault: f, id: c.faults.nextID})
	return c.faults.nextID
}

// RemoveFault deactivates one fault.
func (c *Cloud) RemoveFault(id int) {
	c.faults.mu.Lock()
	defer c.faults.mu.Unlock()
	for i, f := range c.faults.faults {
		if f.id == id {
			c.faults.faults = append(c.faults.faults[:i], c.faults.faults[i+1:]...)
			return
		}
	}
}

// ClearFaults deactivates every fault.
func (c *Cloud) ClearFaults() {
	c.faults.mu.Lock()
	c.faults.faults = nil
	c.faults.mu.Unlock()
}

// FaultHits returns how many requests each kind of fault has hit.
func (c *Cloud) FaultHits() map[FaultKind]int {
	c.faults.mu.Lock()
	defer c.faults.mu.Unlock()
	out := map[FaultKind]int{}
	for k, v := range c.faults.hits {
		out[k] = v
	}
	return out
}

// pick returns the faults that hit this request, at most one per kind.
func (f *faultSet) pick(rq *request) map[FaultKind]*Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.faults) == 0 {
		return nil
	}
	var out map[FaultKind]*Fault
	for _, af := range f.faults {
		if out[af.Kind] != nil || (af.Times > 0 && af.hits >= af.Times) {
			continue
		}
		if (af.Op != "" && af.Op != rq.op) || (af.Bucket != "" && af.Bucket != rq.bucket) || (af.Key != "" && !globMatch(af.Key, rq.key)) {
			continue
		}
		af.matched++
		if af.matched <= af.After {
			continue
		}
		if af.Probability > 0 && f.rng.Float64() >= af.Probability {
			continue
		}
		af.hits++
		f.hits[af.Kind]++
		if out == nil {
			out = map[FaultKind]*Fault{}
		}
		fault := af.Fault
		out[af.Kind] = &fault
	}
	return out
}

// before applies the faults that act before a request is served and
// remembers the body faults for the handler.
func (f *faultSet) before(rq *request) error {
	hit := f.pick(rq)
	if hit == nil {
		return nil
	}
	rq.faults = hit
	if lf := hit[FaultLatency]; lf != nil {
		t := time.NewTimer(lf.Latency)
		select {
		case <-t.C:
		case <-rq.r.Context().Done():
			t.Stop()
		}
	}
	if ef := hit[FaultError]; ef != nil {
		status, code := ef.Status, ef.Code
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		if code == "" {
			code = "SlowDown"
			if status == http.StatusInternalServerError {
				code = "InternalError"
			}
		}
		return newError(status, code, "Injected fault: "+code+" (HTTP "+strconv.Itoa(status)+").")
	}
	streamsBody := rq.op == "PutObject" || rq.op == "UploadPart"
	if hit[FaultReset] != nil && !streamsBody && rq.r.Method != http.MethodGet {
		resetConnection(rq.w)
		return errAborted
	}
	if hit[FaultTruncate] != nil && rq.r.Method != http.MethodGet {
		// Only response bodies can be truncated; elsewhere it is a reset.
		resetConnection(rq.w)
		return errAborted
	}
	return nil
}

// errAborted marks a request whose connection was already torn down.
var errAborted = &ossError{Status: 0, Code: "Aborted"}

// wrapRequestBody applies reset and corrupt faults to an upload body.
func (f *faultSet) wrapRequestBody(rq *request, body io.Reader) io.Reader {
	if rq.faults == nil {
		return body
	}
	size := rq.r.ContentLength
	if rq.faults[FaultReset] != nil {
		return &resetReader{r: body, rq: rq, after: max(size/2, 1)}
	}
	if rq.faults[FaultCorrupt] != nil {
		return &corruptReader{r: body, at: max(size/2, 0)}
	}
	return body
}

// resetReader resets the connection once `after` bytes of the body were read.
type resetReader struct {
	r     io.Reader
	rq    *request
	after int64
	n     int64
}

func (rr *resetReader) Read(p []byte) (int, error) {
	if rr.n >= rr.after {
		resetConnection(rr.rq.w)
		panic(http.ErrAbortHandler)
	}
	n, err := rr.r.Read(p[:min(int64(len(p)), rr.after-rr.n)])
	rr.n += int64(n)
	return n, err
}

type corruptReader struct {
	r  io.Reader
	at int64
	n  int64
}

func (cr *corruptReader) Read(p []byte) (int, error) {
	n, err := cr.r.Read(p)
	if cr.at >= cr.n && cr.at < cr.n+int64(n) {
		p[cr.at-cr.n] ^= 0xA5
	}
	cr.n += int64(n)
	return n, err
}

// writeBody streams a response body of n bytes, applying body faults.
func (f *faultSet) writeBody(rq *request, body io.Reader, n int64) {
	w := rq.w
	switch {
	case rq.faults == nil:
		_, _ = io.Copy(w, body)
	case rq.faults[FaultReset] != nil:
		_, _ = io.CopyN(w, body, n/2)
		resetConnection(w)
		panic(http.ErrAbortHandler)
	case rq.faults[FaultTruncate] != nil:
		_, _ = io.CopyN(w, body, n/2)
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler)
	case rq.faults[FaultCorrupt] != nil:
		_, _ = io.Copy(w, &corruptReader{r: body, at: n / 2})
	default:
		_, _ = io.Copy(w, body)
	}
}

// resetConnection closes the client connection with a TCP RST.
func resetConnection(w http.ResponseWriter) {
	for {
		if hj, ok := w.(http.Hijacker); ok {
			conn, _, err := hj.Hijack()
			if err != nil {
				return
			}
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_ = conn.Close()
			return
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

// globMatch matches s against a pattern where '*' is any run of bytes and
// '?' one byte.
func globMatch(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			rest := strings.TrimLeft(pattern, "*")
			if rest == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if globMatch(rest, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		default:
			if s == "" || s[0] != pattern[0] {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		}
	}
	return s == ""
}
