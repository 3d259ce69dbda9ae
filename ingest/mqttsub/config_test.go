package mqttsub

import (
	"maps"
	"strings"
	"testing"
	"time"
)

func TestConfigDefaults(t *testing.T) {
	c, err := Config{Name: "cs", Broker: "tcp://127.0.0.1:1883"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]byte{TopicChirpStackUp: 1, TopicTTSUp: 1}
	if got := c.filters(); !maps.Equal(got, want) {
		t.Errorf("filters = %v, want %v", got, want)
	}
	if !strings.HasPrefix(c.ClientID, "vindel-cs-") {
		t.Errorf("ClientID = %q", c.ClientID)
	}
	if c.CleanSession || c.MaxBackoff != DefaultMaxBackoff ||
		c.HandleTimeout != DefaultHandleTimeout {
		t.Errorf("defaults: clean %v backoff %v timeout %v", c.CleanSession, c.MaxBackoff,
			c.HandleTimeout)
	}
}

func TestConfigFilters(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want map[string]byte
	}{
		{"shared group", Config{Topics: []string{"a/+/b"}, SharedGroup: "hub", QoS: 1},
			map[string]byte{"$share/hub/a/+/b": 1}},
		{"qos zero", Config{Topics: []string{"x/#"}, QoSZero: true},
			map[string]byte{"x/#": 0}},
		{"qos two", Config{Topics: []string{"x"}, QoS: 2}, map[string]byte{"x": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Name, tt.cfg.Broker = "n", "ssl://broker.example:8883"
			c, err := tt.cfg.withDefaults()
			if err != nil {
				t.Fatal(err)
			}
			if got := c.filters(); !maps.Equal(got, tt.want) {
				t.Errorf("filters = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConfigRejects(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no name", Config{Broker: "tcp://h:1"}, "name"},
		{"no scheme", Config{Name: "n", Broker: "127.0.0.1:1883"}, "scheme"},
		{"bare host", Config{Name: "n", Broker: "mqtt.example.org"}, "scheme"},
		{"http scheme", Config{Name: "n", Broker: "http://h:1"}, "scheme"},
		{"no host", Config{Name: "n", Broker: "tcp://"}, "no host"},
		{"hash inside", Config{Name: "n", Broker: "tcp://h:1", Topics: []string{"a/#/b"}}, "'#'"},
		{"plus in level", Config{Name: "n", Broker: "tcp://h:1", Topics: []string{"a/b+"}}, "'+'"},
		{"empty filter", Config{Name: "n", Broker: "tcp://h:1", Topics: []string{""}}, "empty"},
		{"group slash", Config{Name: "n", Broker: "tcp://h:1", SharedGroup: "a/b"}, "shared"},
		{"qos 3", Config{Name: "n", Broker: "tcp://h:1", QoS: 3}, "QoS"},
		{"unknown dialect", Config{Name: "n", Broker: "tcp://h:1", Dialect: "bogus"},
			"chirpstack-v4-json"},
		{"senml is no envelope", Config{Name: "n", Broker: "tcp://h:1", Dialect: "senml-json"},
			"not one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg, newChanSink(), nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
	if _, err := New(Config{Name: "n", Broker: "tcp://h:1"}, nil, nil, nil); err == nil {
		t.Error("New accepted a nil sink")
	}
}

func TestJitterBounds(t *testing.T) {
	for _, d := range []time.Duration{minBackoff, time.Second, DefaultMaxBackoff} {
		seen := map[time.Duration]bool{}
		for range 200 {
			w := jitter(d)
			if w < d/2 || w > d {
				t.Fatalf("jitter(%v) = %v, outside [%v, %v]", d, w, d/2, d)
			}
			seen[w] = true
		}
		if len(seen) < 2 {
			t.Errorf("jitter(%v) never varies", d)
		}
	}
}
