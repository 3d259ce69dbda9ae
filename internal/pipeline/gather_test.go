package pipeline

import (
	"math"
	"testing"
	"time"
)

func batches(n int) []written {
	ws := make([]written, n)
	for i := range ws {
		ws[i].finish = make([]finishing, i+1) // batch i holds i+1 uplinks, to tell them apart
	}
	return ws
}

// TestGatherStopsAtDeadlineOrClose: a deadline already past takes nothing more; a later
// one takes what comes until the channel closes.
func TestGatherStopsAtDeadlineOrClose(t *testing.T) {
	p := &Pipeline{durable: make(chan written, 8)}
	for _, w := range batches(3) {
		p.durable <- w
	}
	first := written{finish: make([]finishing, 10)}

	if got := p.gather([]written{first}, time.Now().Add(-time.Millisecond)); len(got) != 1 {
		t.Fatalf("past deadline: gathered %d batches, want only the first", len(got))
	}
	got := takeReady(p.durable, []written{first}, math.MaxInt)
	if len(got) != 4 || uplinksIn(got) != 10+1+2+3 {
		t.Fatalf("ready: %d batches of %d uplinks, want 4 of 16", len(got), uplinksIn(got))
	}

	for _, w := range batches(2) {
		p.durable <- w
	}
	close(p.durable)
	done := make(chan []written)
	go func() { done <- p.gather([]written{first}, time.Now().Add(time.Minute)) }()
	select {
	case got := <-done:
		if len(got) != 3 || uplinksIn(got) != 10+1+2 {
			t.Fatalf("until close: %d batches of %d uplinks, want 3 of 13", len(got),
				uplinksIn(got))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("gather did not return when the channel closed")
	}
}

func TestUnderLoad(t *testing.T) {
	for _, tt := range []struct {
		flushed, waiting int
		want             bool
	}{
		{gatherAbove, 1, true},
		{1000, 5, true},
		{gatherAbove - 1, 5, false}, // a broker's in-flight window of 20 stays below it
		{1000, 0, false},            // nothing waiting: the next uplink is flushed at once
		{0, 0, false},
	} {
		if got := underLoad(tt.flushed, tt.waiting); got != tt.want {
			t.Errorf("underLoad(%d, %d) = %v, want %v", tt.flushed, tt.waiting, got, tt.want)
		}
	}
}

// TestGatherStopsWhenNothingComes: behind a broker that sends nothing more until it sees
// acknowledgements, no batch comes; the group goes after gatherGap, not at the deadline a
// minute away. (The bound checked is the test's ten seconds, far from both.)
func TestGatherStopsWhenNothingComes(t *testing.T) {
	p := &Pipeline{durable: make(chan written, 8)}
	p.durable <- written{finish: make([]finishing, 3)}
	done := make(chan []written)
	go func() {
		done <- p.gather([]written{{finish: make([]finishing, 70)}}, time.Now().Add(time.Minute))
	}()
	select {
	case got := <-done:
		if uplinksIn(got) != 73 {
			t.Fatalf("gathered %d uplinks, want the 70 and the 3 that were waiting", uplinksIn(got))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("gather waited for its deadline with nothing coming")
	}
}
