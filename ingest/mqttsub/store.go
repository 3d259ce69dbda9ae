package mqttsub

import (
	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// noStore is paho's message store for a source, holding nothing. paho keeps every inbound
// QoS 1 message and every outbound packet in its store until acknowledged, so that a client
// it reconnects itself can resend them. A source never needs that: Run makes a new client for
// each connection and subscribes anew, and what the hub did not acknowledge the broker keeps
// and delivers again (MQTT 3.1.1 §4.4). The default store's map and mutex cost a little on
// every message for nothing.
type noStore struct{}

var _ mqtt.Store = noStore{}

func (noStore) Open()                             {}
func (noStore) Put(string, packets.ControlPacket) {}
func (noStore) Get(string) packets.ControlPacket  { return nil }
func (noStore) All() []string                     { return nil }
func (noStore) Del(string)                        {}
func (noStore) Close()                            {}
func (noStore) Reset()                            {}
