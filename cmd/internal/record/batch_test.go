package record

import (
	"reflect"
	"testing"

	"github.com/harkmq/hark/dispatcher"
)

func TestFromNotificationsKeepsOrder(t *testing.T) {
	ns := []*dispatcher.Notification{
		{EventType: "a", Payload: []byte(`1`)},
		{EventType: "b"},
	}
	got := FromNotifications(ns)
	want := []Notification{FromNotification(ns[0]), FromNotification(ns[1])}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("FromNotifications = %+v, want %+v", got, want)
	}
	if got := FromNotifications(nil); len(got) != 0 {
		t.Fatalf("FromNotifications(nil) = %v, want empty", got)
	}
}
