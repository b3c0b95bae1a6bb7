package benchplot

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxLine bounds one report line: a report with many rounds and
// contenders is a few kilobytes, far below it.
const maxLine = 16 << 20

// ReadReports reads bench reports from r, one JSON object per line, as
// "hark bench ... --json" prints them; blank lines are skipped. A line
// that is not a report (not JSON, or without a scenario) is an error
// naming name and the line number.
func ReadReports(r io.Reader, name string) ([]Report, error) {
	var reports []Report
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var rep Report
		if err := json.Unmarshal(text, &rep); err != nil || rep.Scenario == "" {
			if err == nil {
				err = errors.New("not a bench report (no scenario)")
			}
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		reports = append(reports, rep)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return reports, nil
}
