package bench

import (
	"io"
	"net/http"
)

// BaselineAnswer is the fixed body the baseline handler answers with: the
// shape and about the size of deadbolt's answer for a locked account.
const BaselineAnswer = `{"locked":true,"status":"locked","message":"This account is locked. Unlock it in deadbolt, then try again.","sessionID":"0196f1d2-7c1e-7b9a-a3c4-5d6e7f809a1b"}` + "\n"

// Baseline returns the handler deadbolt is compared with: it reads the
// request body and answers BaselineAnswer, doing nothing else. It is what
// "a bare net/http handler that returns a fixed JSON answer" means in
// design §10.
func Baseline() http.Handler {
	body := []byte(BaselineAnswer)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, io.LimitReader(r.Body, 64<<10))
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
}
