package pipeline

import (
	"slices"
	"testing"

	"github.com/vindel-hub/vindel/internal/store"
)

// TestAckerReleasesInOrder finishes places out of order and checks that acknowledgements
// come in the order the places were taken, skipping the ones not kept.
func TestAckerReleasesInOrder(t *testing.T) {
	a := newAcker()
	var got []int
	fins := make([]finishFunc, 6)
	for i := range fins {
		fins[i] = a.wrap(func() { got = append(got, i) })
	}
	for _, step := range []struct {
		i    int
		kept bool
		want []int
	}{
		{2, true, nil},          // waits for 0 and 1
		{0, true, []int{0}},     // 1 still open
		{1, false, []int{0, 2}}, // 1 not kept: skipped, and 2 goes
		{5, true, []int{0, 2}},
		{4, true, []int{0, 2}},
		{3, true, []int{0, 2, 3, 4, 5}},
	} {
		fins[step.i](store.OutcomeDecoded, step.kept)
		if !slices.Equal(got, step.want) {
			t.Fatalf("after finishing %d: acks %v, want %v", step.i, got, step.want)
		}
	}
	if a.wrap(nil) != nil {
		t.Error("a Message without Ack got a place in the order")
	}
}
