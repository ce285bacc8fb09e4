package funding

// SetAfterLookup installs the test hook run when a credit or reversal has
// looked for its other side; nil removes it.
func SetAfterLookup(f func()) { afterLookup = f }
