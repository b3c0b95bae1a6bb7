package benchplot

import (
	"cmp"
	"image/color"
	"slices"
	"strconv"
)

// knownContenders are the contenders hark bench runs, in the order the
// charts show them: hark's own first, then the baselines.
var knownContenders = []string{"hark", "harkd", "bare", "bare-envelope", "oslo"}

// contenderRank orders the known contenders first, as knownContenders
// lists them; any other name comes after them.
func contenderRank(name string) int {
	if i := slices.Index(knownContenders, name); i >= 0 {
		return i
	}
	return len(knownContenders)
}

// contenderOrder returns every contender name found in reports: the known
// ones first (hark, harkd, bare, bare-envelope, oslo), then the others in
// order of first appearance.
func contenderOrder(reports []Report) []string {
	var names []string
	seen := make(map[string]bool)
	for _, r := range reports {
		for _, run := range r.Runs {
			if !seen[run.Name] {
				seen[run.Name] = true
				names = append(names, run.Name)
			}
		}
	}
	slices.SortStableFunc(names, func(a, b string) int {
		return cmp.Compare(contenderRank(a), contenderRank(b))
	})
	return names
}

// palette maps a contender name to its fill colour.
type palette map[string]color.Color

// newPalette gives the known contenders fixed colours (hark and harkd
// blues, bare and bare-envelope orange and vermillion, oslo green) and
// the other names in order the remaining colours of the Okabe-Ito
// palette, cycling when there are more names than colours.
func newPalette(order []string) palette {
	extras := [...]color.RGBA{
		{R: 0xCC, G: 0x79, B: 0xA7, A: 0xFF}, // reddish purple
		{R: 0xF0, G: 0xE4, B: 0x42, A: 0xFF}, // yellow
		{R: 0x99, G: 0x99, B: 0x99, A: 0xFF}, // grey
	}
	p := make(palette, len(order))
	next := 0
	for _, name := range order {
		switch name {
		case "hark":
			p[name] = color.RGBA{R: 0x00, G: 0x72, B: 0xB2, A: 0xFF} // blue
		case "harkd":
			p[name] = color.RGBA{R: 0x56, G: 0xB4, B: 0xE9, A: 0xFF} // sky blue
		case "bare":
			p[name] = color.RGBA{R: 0xE6, G: 0x9F, B: 0x00, A: 0xFF} // orange
		case "bare-envelope":
			p[name] = color.RGBA{R: 0xD5, G: 0x5E, B: 0x00, A: 0xFF} // vermillion
		case "oslo":
			p[name] = color.RGBA{R: 0x00, G: 0x9E, B: 0x73, A: 0xFF} // bluish green
		default:
			p[name] = extras[next%len(extras)]
			next++
		}
	}
	return p
}

// runsInOrder returns r's runs sorted by the position of their names in
// order, which must hold every one of them.
func runsInOrder(r Report, order []string) []Run {
	runs := slices.Clone(r.Runs)
	slices.SortStableFunc(runs, func(a, b Run) int {
		return cmp.Compare(slices.Index(order, a.Name), slices.Index(order, b.Name))
	})
	return runs
}

// reportLabels returns, for each report, the parts of its group label:
// its transport and its scenario. When several reports share both, the
// second and later get " #2", " #3"... appended to the scenario so that
// their groups can be told apart.
func reportLabels(reports []Report) [][]string {
	labels := make([][]string, len(reports))
	count := make(map[[2]string]int)
	for i, r := range reports {
		key := [2]string{orUnknown(r.Transport), orUnknown(r.Scenario)}
		count[key]++
		scenario := key[1]
		if n := count[key]; n > 1 {
			scenario += " #" + strconv.Itoa(n)
		}
		labels[i] = []string{key[0], scenario}
	}
	return labels
}
