package screen

// Limit is the most septets one USSD page may carry: the size used across the industry
// (aggregators.md). Some gateways cut at 160, which is why menus should aim shorter; the
// renderer guarantees only this.
const Limit = 182

// Screen is what the session engine wants shown, before layout. Pages turns it into page
// texts; every field passes through Clean, and runs of spaces and line breaks inside a
// field become one space (line breaks come from the layout alone).
type Screen struct {
	Title string
	// Body is paragraphs of prose, each starting on a new line.
	Body []string
	// Options are numbered choices, rendered "1. …", "2. …" in order; the numbers run on
	// across pages, so the engine maps an answer to Options[n-1] whatever page showed it.
	// Keep them below 98 entries, as 98 is More.
	Options []string
	// Prompt asks for the answer, e.g. "Weka kiasi:"; it comes after the options.
	Prompt string
	// End marks the final screen of a session: it shows no Back or Home controls. If it
	// needs more than one page, all but the last still carry More and go out as CON; only
	// the last may go out as END.
	End bool
	// Back and Home show the "0" and "00" controls on every page.
	Back, Home bool
}

// Labels are the navigation controls as shown, number included.
type Labels struct {
	More, Back, Home string
}

// The control labels in the two languages Kikundi speaks.
var (
	Swahili = Labels{More: "98 Zaidi", Back: "0 Rudi", Home: "00 Mwanzo"}
	English = Labels{More: "98 More", Back: "0 Back", Home: "00 Home"}
)

// LabelsFor returns the labels for a member's language: "en" is English, anything else
// Swahili, the language every member can be assumed to read.
func LabelsFor(lang string) Labels {
	if lang == "en" {
		return English
	}
	return Swahili
}

// Fits reports whether text can go out as one USSD page: GSM-7 only, at most Limit septets.
func Fits(text string) bool {
	return IsGSM7(text) && Septets(text) <= Limit
}
