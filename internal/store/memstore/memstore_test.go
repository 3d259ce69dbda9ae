package memstore_test

import (
	"testing"

	"github.com/vindel-hub/vindel/internal/store/memstore"
	"github.com/vindel-hub/vindel/internal/store/storetest"
)

func TestSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T, _ string) storetest.Backend {
		return memstore.New()
	}, storetest.Options{Persistent: false})
}
