package httpxtest

import (
	"io"
	"net/http"
	"testing"
)

// Send sends req through c and reads the whole answer, whose body it
// closes; failing to send or to read fails the test.
func Send(t testing.TB, c *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}
