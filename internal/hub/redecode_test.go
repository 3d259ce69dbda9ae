package hub

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"
)

// TestRedecodeAfterRegistering is a sensor owner's path: a sensor sends through the
// embedded broker before it is registered; its uplinks are kept as from an unknown device;
// after registering it, POST .../redecode turns them into Observations on /v1.1, with the
// times they were sent, once, however often it is asked.
func TestRedecodeAfterRegistering(t *testing.T) {
	r := startHub(t, nil)
	const eui = "a1b2c3d4e5f60708" // the sample's device
	pub := publisher(t, r.h.BrokerURL())
	body := sample(t, "chirpstack-samples/v3-json_v3-up.json")
	publish(t, pub, "application/12/device/"+eui+"/event/up", body)

	var ups struct{ Uplinks []struct{ Outcome string } }
	deadline := time.Now().Add(10 * time.Second)
	for len(ups.Uplinks) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the uplink of the unregistered device was not kept")
		}
		time.Sleep(20 * time.Millisecond)
		r.adminJSON(t, http.MethodGet, "/api/v1/devices/"+eui+"/uplinks", &ups)
	}
	if ups.Uplinks[0].Outcome != "unknown_device" {
		t.Fatalf("kept as %q, want unknown_device", ups.Uplinks[0].Outcome)
	}
	r.register(t, eui, "elsys/ers-co2", true)

	var rep struct {
		Uplinks  int
		Outcomes map[string]int
	}
	r.adminJSON(t, http.MethodPost, "/api/v1/devices/"+eui+"/redecode", &rep)
	if rep.Uplinks != 1 || rep.Outcomes["decoded"] != 1 {
		t.Fatalf("redecode = %+v, want the one uplink decoded", rep)
	}
	var obs struct {
		Count int `json:"@iot.count"`
		Value []struct {
			PhenomenonTime string `json:"phenomenonTime"`
		} `json:"value"`
	}
	r.getJSON(t, "/v1.1/Observations?$count=true", &obs)
	if obs.Count == 0 || obs.Value[0].PhenomenonTime[:10] != "2024-03-14" {
		t.Fatalf("/v1.1/Observations after the redecode: %+v, want the sample's, of 2024-03-14", obs)
	}
	r.adminJSON(t, http.MethodPost, "/api/v1/devices/"+eui+"/redecode", &rep)
	if rep.Uplinks != 0 {
		t.Fatalf("second redecode = %+v, want nothing left", rep)
	}
	before := obs.Count
	r.getJSON(t, "/v1.1/Observations?$count=true", &obs)
	if obs.Count != before {
		t.Errorf("%d Observations after the second redecode, were %d", obs.Count, before)
	}
}

// adminJSON sends a request with the admin key and decodes the JSON answer into v.
func (r *running) adminJSON(t testing.TB, method, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest(method, r.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+adminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s %s", method, path, resp.Status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s %s: %v in %s", method, path, err, b)
	}
}
