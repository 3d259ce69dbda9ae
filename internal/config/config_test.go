package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultsRunWithNothing(t *testing.T) {
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Broker.Enabled || c.Broker.Addr != "127.0.0.1:1883" || c.HTTP.Addr != ":8080" ||
		c.DataDir != "./data" || c.Pipeline.DedupWindow != time.Hour {
		t.Errorf("defaults = %+v", c)
	}
}

func TestFileThenEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vindel.yaml")
	yaml := `
data_dir: /var/lib/vindel
http: {addr: ":9000"}
broker: {enabled: false}
mqtt:
  - name: chirpstack
    broker: tcp://ns.example:1883
    topics: ["application/+/device/+/event/up"]
pipeline: {dedup_window: 10m}
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, []string{
		"VINDEL_HTTP_ADDR=:9100",
		"VINDEL_MQTT_0_PASSWORD=s3cret",
		"VINDEL_MQTT_1_BROKER=tcp://tts.example:1883",
		"VINDEL_MQTT_1_TOPICS=v3/+/devices/+/up,v3/a/#",
		"VINDEL_ADMIN_KEY=k",
		"VINDEL_PIPELINE_WORKERS=3",
		"VINDEL_SHUTDOWN_TIMEOUT=5s",
		"VINDEL_ARCHIVE_RETENTION=2160h",
		"HOME=/root",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/var/lib/vindel" || c.HTTP.Addr != ":9100" || c.Broker.Enabled {
		t.Errorf("file/env merge: %+v", c)
	}
	if len(c.MQTT) != 2 || c.MQTT[0].Password != "s3cret" || c.MQTT[0].Broker != "tcp://ns.example:1883" ||
		c.MQTT[1].Broker != "tcp://tts.example:1883" || len(c.MQTT[1].Topics) != 2 {
		t.Errorf("mqtt = %+v", c.MQTT)
	}
	if c.AdminKey != "k" || c.Pipeline.Workers != 3 || c.Pipeline.DedupWindow != 10*time.Minute ||
		c.Shutdown != 5*time.Second || c.Archive.Retention != 90*24*time.Hour {
		t.Errorf("scalars = %+v", c)
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name, yaml string
		env        []string
		want       string
	}{
		{"unknown env", "", []string{"VINDEL_HTTP_ADRESS=:1"}, "VINDEL_HTTP_ADRESS"},
		{"bad bool", "", []string{"VINDEL_BROKER_ENABLED=perhaps"}, "VINDEL_BROKER_ENABLED"},
		{"bad duration", "", []string{"VINDEL_PIPELINE_DEDUP_WINDOW=soon"}, "DEDUP_WINDOW: bad value"},
		{"bad number", "", []string{"VINDEL_STREAM_BUFFER=abc"}, "VINDEL_STREAM_BUFFER: bad value"},
		{"unknown list field", "", []string{"VINDEL_MQTT_0_COLOUR=red"}, "no such setting"},
		{"unknown yaml key", "htttp: {addr: x}\n", nil, "htttp"},
		{"negative window", "", []string{"VINDEL_PIPELINE_DEDUP_WINDOW=-5m"},
			"pipeline.dedup_window -5m0s: negative"},
		{"negative queue", "pipeline: {queue: -1}\n", nil, "pipeline.queue -1: negative"},
		{"negative buffer", "", []string{"VINDEL_STREAM_BUFFER=-3"}, "stream.buffer -3"},
		{"negative retention", "", []string{"VINDEL_ARCHIVE_RETENTION=-1h"},
			"archive.retention -1h0m0s"},
		{"negative segment", "archive: {segment_size: -1}\n", nil, "archive.segment_size -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.yaml != "" {
				path = filepath.Join(t.TempDir(), "c.yaml")
				if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Load(path, tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want mention of %q", err, tt.want)
			}
		})
	}
}

// TestExampleConfig keeps deploy/vindel.example.yaml loadable as the configuration evolves.
func TestExampleConfig(t *testing.T) {
	c, err := Load(filepath.Join("..", "..", "deploy", "vindel.example.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.MQTT) != 2 || c.Broker.Enabled {
		t.Errorf("example config read as %+v", c)
	}
}
