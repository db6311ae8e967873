// Package procstat reads what the benchmarks report about where a machine's CPU and memory
// went, from Linux's /proc: a process's CPU time, the CPU time of every process of a
// name (Postgres's backends, Redis), the machine's busy time, and a process's memory.
// On a shared 2-core machine a throughput figure alone cannot say whether a change made
// the work cheaper or the neighbours quieter; CPU per operation can.
package procstat

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// CPUSeconds is the user and system CPU time process pid has used so far.
func CPUSeconds(pid int) float64 {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count fields after it.
	_, rest, ok := strings.Cut(string(raw), ") ")
	if !ok {
		return 0
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // clock ticks; USER_HZ is 100 on Linux
}

// CPUByName sums the CPU time used so far by every process whose command is one of
// names, and returns the whole machine's busy time too (from /proc/stat). A process that
// exits between two samples takes its time with it: sample around work whose
// connections stay open.
func CPUByName(names ...string) (map[string]float64, float64) {
	by := map[string]float64{}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile("/proc/" + d.Name() + "/comm")
		if err != nil {
			continue
		}
		c := strings.TrimSpace(string(comm))
		for _, n := range names {
			if c == n {
				by[n] += CPUSeconds(pid)
			}
		}
	}
	return by, BusySeconds()
}

// BusySeconds is the CPU time this machine's own processes and kernel have used, summed
// over its cores, since boot: user, nice, system, irq and softirq. Not idle or iowait,
// and not steal (time the hypervisor gave another machine: on a shared host it is
// other people's work) nor guest (already counted in user).
func BusySeconds() float64 {
	var busy float64
	if raw, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(raw), "\n")
		f := strings.Fields(line)
		for i, v := range f[1:] {
			switch i {
			case 0, 1, 2, 5, 6: // user nice system irq softirq
				t, _ := strconv.ParseFloat(v, 64)
				busy += t / 100
			}
		}
	}
	return busy
}

// StatusMB reads a kB field of /proc/PID/status ("VmHWM:", "VmRSS:"), in MB.
func StatusMB(pid int, field string) int {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb / 1024
		}
	}
	return 0
}
