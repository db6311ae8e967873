package screen

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the pages in testdata/*.golden with what renders now")

// A golden file holds one case: its input as JSON, then the pages it renders, each after
// a line "----- page N -----". With -update the input is kept as written and the pages are
// rewritten, so a layout change shows up as a diff of the files themselves.
type goldenInput struct {
	Lang   string `json:"lang"`
	Screen Screen `json:"screen"`
}

var pageMark = regexp.MustCompile(`(?m)^----- page (\d+) -----$`)

func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files in testdata")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".golden"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			input, want := parseGolden(t, string(data))
			var in goldenInput
			dec := json.NewDecoder(strings.NewReader(input))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				t.Fatalf("input: %v", err)
			}
			l := LabelsFor(in.Lang)
			got := in.Screen.Pages(l)
			for i, p := range got {
				if !Fits(p) {
					t.Errorf("page %d does not fit (%d septets, GSM-7 %t):\n%s", i+1, Septets(p), IsGSM7(p), p)
				}
				if text, last := in.Screen.Page(l, i); text != p || last != (i == len(got)-1) {
					t.Errorf("Page(%d) = %q, %t; want page %d of Pages", i, text, last, i+1)
				}
			}
			if *update {
				if err := os.WriteFile(file, []byte(input+formatPages(got)), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("pages differ from %s (-want +got):\n%s\nIf the change is meant, run: go test ./ussd/screen/ -run TestGolden -update", file, diff)
			}
		})
	}
}

// parseGolden splits a golden file into its input and its pages.
func parseGolden(t *testing.T, data string) (input string, pages []string) {
	t.Helper()
	marks := pageMark.FindAllStringSubmatchIndex(data, -1)
	if len(marks) == 0 {
		if !*update {
			t.Fatal("no pages: run with -update to render them")
		}
		return data, nil
	}
	input = data[:marks[0][0]]
	for i, m := range marks {
		if n, _ := strconv.Atoi(data[m[2]:m[3]]); n != i+1 {
			t.Fatalf("page mark %d says page %d", i+1, n)
		}
		end := len(data)
		if i+1 < len(marks) {
			end = marks[i+1][0]
		}
		text := strings.TrimPrefix(data[m[1]:end], "\n")
		pages = append(pages, strings.TrimSuffix(text, "\n"))
	}
	return input, pages
}

func formatPages(pages []string) string {
	var b strings.Builder
	for i, p := range pages {
		fmt.Fprintf(&b, "----- page %d -----\n%s\n", i+1, p)
	}
	return b.String()
}
