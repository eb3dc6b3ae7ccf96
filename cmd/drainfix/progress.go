package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// minProgressPackages is how many packages a run needs before a progress
// line is worth showing.
const minProgressPackages = 20

// A progressLine shows "drainfix: checked N/M packages" on stderr while a
// run over many packages works, when stderr is a terminal and the output is
// not machine-readable.
type progressLine struct {
	w       io.Writer
	min     int // packages needed before the line shows
	mu      sync.Mutex
	last    time.Time
	shown   bool
	enabled bool
}

func (c *command) progress() *progressLine {
	p := &progressLine{w: c.stderr, min: minProgressPackages}
	if c.progressMin > 0 {
		p.min = c.progressMin
	}
	p.enabled = c.terminal != nil && c.terminal() && !c.jsonOut && !c.sarif
	if p.enabled {
		fmt.Fprint(p.w, "\rdrainfix: loading packages…")
		p.shown = true
	}
	return p
}

// update is the engine's progress callback.
func (p *progressLine) update(done, total int) {
	if !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if total < p.min {
		if p.shown {
			fmt.Fprint(p.w, "\r\033[K")
			p.shown = false
		}
		return
	}
	if done != total && time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r\033[Kdrainfix: checked %d/%d packages", done, total)
	p.shown = true
}

// done clears the line so that the report starts on a clean line.
func (p *progressLine) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
