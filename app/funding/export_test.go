package funding

// SetAfterLookup installs the test hook run when a credit or reversal has
// looked for its other side; nil removes it.
func SetAfterLookup(f func()) { afterLookup = f }

// SetInlineFault makes the processing of events as they arrive fail with
// what f returns (nil: processed as usual); nil removes it.
func SetInlineFault(f func(webhookID string) error) { inlineFault = f }
