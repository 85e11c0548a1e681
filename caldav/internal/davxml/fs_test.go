package davxml

import "os"

// testdataFS gives the fuzz seeds access to testdata.
var testdataFS = os.DirFS(".").(interface {
	ReadDir(string) ([]os.DirEntry, error)
	ReadFile(string) ([]byte, error)
})
