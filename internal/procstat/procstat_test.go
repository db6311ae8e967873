package procstat

import (
	"crypto/sha256"
	"os"
	"strings"
	"testing"
	"time"
)

// burn uses about d of CPU in this process.
func burn(d time.Duration) {
	sum := sha256.Sum256(nil)
	for start := time.Now(); time.Since(start) < d; {
		sum = sha256.Sum256(sum[:])
	}
}

func TestThisProcessIsSeenWorking(t *testing.T) {
	pid := os.Getpid()
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimSpace(string(comm))
	mine, busy := CPUSeconds(pid), BusySeconds()
	byName, _ := CPUByName(name)
	burn(300 * time.Millisecond)
	if got := CPUSeconds(pid) - mine; got < 0.1 {
		t.Errorf("CPUSeconds grew by %.2f s over 0.3 s of work", got)
	}
	if got := BusySeconds() - busy; got < 0.1 {
		t.Errorf("BusySeconds grew by %.2f s over 0.3 s of work", got)
	}
	after, _ := CPUByName(name)
	if got := after[name] - byName[name]; got < 0.1 {
		t.Errorf("CPUByName(%q) grew by %.2f s over 0.3 s of work", name, got)
	}
	if CPUSeconds(-1) != 0 {
		t.Error("CPUSeconds of no process is not 0")
	}
	if mb := StatusMB(pid, "VmRSS:"); mb <= 0 {
		t.Errorf("StatusMB VmRSS = %d MB", mb)
	}
}
