// Package repocheck holds tests of the repository itself rather than of
// any package: that no tracked file names a path that exists on one
// machine only (a checkout under a home directory, the directory the
// project was first written in), so that every command a document gives
// runs, as written, from the root of any clone.
//
// It has no code: its tests run with the others (go test ./...), and the
// test command fails when they do. It imports only the standard library.
package repocheck
