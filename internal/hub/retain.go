package hub

import (
	"context"
	"fmt"
	"time"
)

// retainEvery is how often the hub deletes raw uplinks past archive.retention.
const retainEvery = time.Hour

// checkRetention refuses a retention shorter than the de-duplication window: the hub
// rebuilds the window from the archive when it starts, so it must still hold the uplinks.
func checkRetention(keep, window time.Duration) error {
	switch {
	case keep < 0:
		return fmt.Errorf("hub: archive.retention %v: negative", keep)
	case keep > 0 && keep < window:
		return fmt.Errorf("hub: archive.retention %v is shorter than pipeline.dedup_window %v, "+
			"which is rebuilt from the archive on start", keep, window)
	}
	return nil
}

// retain deletes the raw uplinks received longer than archive.retention ago, when the hub
// starts and then every retainEvery, until ctx ends. With no retention it returns at once.
func (h *Hub) retain(ctx context.Context) {
	keep := h.cfg.Archive.Retention
	if keep <= 0 {
		return
	}
	tick := time.NewTicker(retainEvery)
	defer tick.Stop()
	for {
		n, err := h.store.DropRawBefore(ctx, time.Now().Add(-keep))
		switch {
		case err != nil && ctx.Err() == nil:
			h.log.Error("delete raw uplinks past retention", "retention", keep, "err", err)
		case n > 0:
			h.metrics.RawSegmentsDeleted.Add(float64(n))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
