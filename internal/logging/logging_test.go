package logging

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestPhone(t *testing.T) {
	tests := map[string]string{
		"+254711000111": "+254711***111",
		"254711000111":  "254711***111",
		"0711000111":    "0711***111",
		"+255754123456": "+255754***456",
		"12345":         "***",
		"":              "***",
	}
	for in, want := range tests {
		if got := Phone(in); got != want {
			t.Errorf("Phone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPhoneHidesDigits(t *testing.T) {
	if got := Phone("+254711987654"); strings.Contains(got, "987654") || strings.Contains(got, "987") {
		t.Errorf("Phone leaks the hidden digits: %q", got)
	}
}

func TestNewFormats(t *testing.T) {
	var buf bytes.Buffer
	New(&buf, "json").Info("hop", "phone", Phone("+254711000111"))
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("json format wrote %q: %v", buf.String(), err)
	}
	if line["msg"] != "hop" || line["phone"] != "+254711***111" {
		t.Errorf("json line = %v", line)
	}

	buf.Reset()
	New(&buf, "text").Info("hop", "route", "/hooks/at/ussd")
	if !strings.Contains(buf.String(), "msg=hop route=/hooks/at/ussd") {
		t.Errorf("text line = %q", buf.String())
	}

	buf.Reset()
	New(&buf, "text").Debug("noise")
	if buf.Len() != 0 {
		t.Errorf("debug should be off by default, got %q", buf.String())
	}
}
