package filesvc

// NameRules returns how many rules checkName applies, so that the test of
// the rules can check it walks every one.
func NameRules() int { return len(nameRules) }
