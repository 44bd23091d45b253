package check

import (
	"regexp"
	"testing"
)

// TestCatalogue walks every row of the catalogue: a unique ID of lower case
// words, a sentence from a document the command knows, and a function.
func TestCatalogue(t *testing.T) {
	id := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	docs := map[string]bool{docProtocol: true, docStatusCodes: true, docCompression: true, docRFC9113: true}
	seen := map[string]bool{}
	for _, c := range Catalogue {
		if !id.MatchString(c.ID) || seen[c.ID] {
			t.Errorf("ID %q is not unique lower-case words joined by dashes", c.ID)
		}
		seen[c.ID] = true
		if !docs[c.Ref.Doc] || c.Ref.Section == "" || c.Ref.Quote == "" {
			t.Errorf("%s: reference %+v lacks a known document, a section or the sentence", c.ID, c.Ref)
		}
		if c.What == "" {
			t.Errorf("%s does not say what it sends", c.ID)
		}
		if c.Run == nil {
			t.Errorf("%s has no function", c.ID)
		}
	}
}
