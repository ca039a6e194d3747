package s3list

// SetPlanPage makes the pages of Split's requests n keys long, for a
// test of parts larger than a page on a bucket of a few hundred keys (the
// test gateway spends a quarter of a millisecond per key it lists), and
// returns a function that restores them.
func SetPlanPage(n int32) (restore func()) {
	old := planPage
	planPage = n
	return func() { planPage = old }
}
