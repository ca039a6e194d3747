//go:build !unix

package main

import "io/fs"

// A fileID tells files apart where the system says how: not on this one,
// where a file replaced by another is seen only when it is shorter.
type fileID struct {
	Dev uint64 `json:"dev"`
	Ino uint64 `json:"ino"`
}

// idOf returns the zero fileID: this system has no inodes to compare.
func idOf(fs.FileInfo) fileID { return fileID{} }
