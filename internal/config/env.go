package config

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Prefix starts every environment variable the hub reads.
const Prefix = "VINDEL_"

// applyEnv sets fields from VINDEL_* variables. The name is the YAML key path in upper case
// joined by "_": VINDEL_HTTP_ADDR, VINDEL_BROKER_ENABLED. List entries take their index:
// VINDEL_MQTT_0_BROKER; a list of strings is comma-separated: VINDEL_MQTT_0_TOPICS=a/#,b/#.
// An unknown VINDEL_ variable is an error, so a typo does not pass silently.
func applyEnv(c *Config, environ []string) error {
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, Prefix) {
			continue
		}
		path := strings.ToLower(strings.TrimPrefix(name, Prefix))
		if err := set(reflect.ValueOf(c).Elem(), path, val); err != nil {
			return fmt.Errorf("config: %s: %w", name, err)
		}
	}
	return nil
}

// errNoSetting is set's answer for a path that names no setting, as opposed to a bad value.
var errNoSetting = errors.New("no such setting")

// set finds the field named by path (YAML keys joined by "_", which may themselves hold "_")
// under v and sets it from s.
func set(v reflect.Value, path, s string) error {
	switch v.Kind() {
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			key := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
			if path == key {
				return setScalar(v.Field(i), s)
			}
			if rest, ok := strings.CutPrefix(path, key+"_"); ok {
				// Keys may hold "_" themselves, so a miss here may still be found further on.
				if err := set(v.Field(i), rest, s); !errors.Is(err, errNoSetting) {
					return err
				}
			}
		}
		return errNoSetting
	case reflect.Slice:
		idx, rest, _ := strings.Cut(path, "_")
		i, err := strconv.Atoi(idx)
		if err != nil || i < 0 || i > 64 {
			return fmt.Errorf("%w: list index %q", errNoSetting, idx)
		}
		for v.Len() <= i {
			v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem())))
		}
		return set(v.Index(i), rest, s)
	}
	return errNoSetting
}

func setScalar(f reflect.Value, s string) error {
	switch f.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("bad value: %w", err)
		}
		f.SetInt(int64(d))
		return nil
	case []string:
		f.Set(reflect.ValueOf(strings.Split(s, ",")))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("bad value: %w", err)
		}
		f.SetBool(b)
	case reflect.Int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("bad value: %w", err)
		}
		f.SetInt(int64(n))
	default:
		return fmt.Errorf("cannot set a %s from the environment", f.Kind())
	}
	return nil
}
