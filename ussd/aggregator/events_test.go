package aggregator

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kikundi/kikundi/internal/dbtest"
)

func eventRequest(form map[string]string) *http.Request {
	v := url.Values{}
	for k, s := range form {
		v.Set(k, s)
	}
	req, _ := http.NewRequest(http.MethodPost, "/hooks/at/ussd/events", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// storedEvent is a row of ussd_session_events as the tests read it back.
type storedEvent struct {
	Aggregator, SessionID, Phone, ServiceCode, NetworkCode, Status, Cost, EventDate string
	Hops, InputParts                                                                int
	DurationMS                                                                      int64
	ErrorMessage, LastResponse                                                      string
}

func TestATEventsStoredOnce(t *testing.T) {
	db := dbtest.Postgres(t)
	h := newHarness(t, NewPostgresEventStore(db))
	form := map[string]string{
		"sessionId": "ATUid_7", "serviceCode": "*384*12#", "networkCode": "63902",
		"phoneNumber": "+254711000111", "status": "Success", "cost": "KES 0.0000",
		"date": "2025-03-01 10:11:12", "input": "1*500*4826", "hopsCount": "4",
		"lastAppResponse": "END Asante", "durationInMillis": "23456", "errorMessage": "",
	}
	for range 2 {
		if r := h.do(t, eventRequest(form)); r.status != http.StatusOK {
			t.Fatalf("reply %d %q", r.status, r.body)
		}
	}
	form["status"] = "Failed"
	form["errorMessage"] = "timeout"
	if r := h.do(t, eventRequest(form)); r.status != http.StatusOK {
		t.Fatalf("reply %d %q", r.status, r.body)
	}

	var got []storedEvent
	err := db.Raw(`SELECT aggregator, session_id, phone, service_code, network_code, status, cost,
		event_date, hops, input_parts, duration_ms, error_message, last_response
		FROM ussd_session_events ORDER BY id`).Scan(&got).Error
	if err != nil {
		t.Fatal(err)
	}
	success := storedEvent{
		Aggregator: "at", SessionID: "ATUid_7", Phone: "+254711000111", ServiceCode: "*384*12#",
		NetworkCode: "63902", Status: "Success", Cost: "KES 0.0000", EventDate: "2025-03-01 10:11:12",
		Hops: 4, InputParts: 3, DurationMS: 23456, LastResponse: "END Asante",
	}
	failed := success
	failed.Status, failed.ErrorMessage = "Failed", "timeout"
	if diff := cmp.Diff([]storedEvent{success, failed}, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if logs := h.logs.String(); strings.Contains(logs, "4826") {
		t.Errorf("the PIN reached the logs:\n%s", logs)
	}
}

func TestATEventOddFields(t *testing.T) {
	db := dbtest.Postgres(t)
	h := newHarness(t, NewPostgresEventStore(db))
	form := map[string]string{
		"sessionId": "ATUid_8", "phoneNumber": "not-a-phone\x00", "status": "Incomplete",
		"hopsCount": "-3", "durationInMillis": "1.5e3", "lastAppResponse": strings.Repeat("x", 5000),
	}
	if r := h.do(t, eventRequest(form)); r.status != http.StatusOK {
		t.Fatalf("reply %d %q", r.status, r.body)
	}
	var got struct {
		Phone      string
		Hops       int
		DurationMS int64
		Len        int
	}
	if err := db.Raw(`SELECT phone, hops, duration_ms, length(last_response) AS len FROM ussd_session_events`).Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	if got.Phone != "not-a-phone" || got.Hops != 0 || got.DurationMS != 1500 || got.Len != maxEventResponse {
		t.Errorf("row = %+v", got)
	}
}

type failingStore struct{ calls int }

func (f *failingStore) SaveEvent(context.Context, SessionEvent) error {
	f.calls++
	return errTest
}

func TestATEventAlways200(t *testing.T) {
	store := &failingStore{}
	h := newHarness(t, store)
	r := h.do(t, eventRequest(map[string]string{"sessionId": "s", "phoneNumber": "+254711000111", "status": "Success"}))
	if r.status != http.StatusOK || store.calls != 1 {
		t.Errorf("reply %d %q after %d saves", r.status, r.body, store.calls)
	}
	if logs := h.logs.String(); !strings.Contains(logs, "level=ERROR") {
		t.Errorf("failed save not logged:\n%s", logs)
	}

	r = h.do(t, eventRequest(map[string]string{"phoneNumber": "+254711000111", "status": "Success"}))
	if r.status != http.StatusOK || store.calls != 1 {
		t.Errorf("event without sessionId: reply %d %q after %d saves", r.status, r.body, store.calls)
	}

	h = newHarness(t, nil)
	if r := h.do(t, eventRequest(map[string]string{"sessionId": "s"})); r.status != http.StatusOK {
		t.Errorf("nil store: reply %d %q", r.status, r.body)
	}
}
