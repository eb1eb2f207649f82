package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// importSurvivesItsNode: node a takes a large importUsers batch (202) and
// is killed at once with SIGKILL, finished or not; node b answers for the
// job and, once a's claim lapses, resumes it if it had not ended: the job
// ends done with every row, read on b. Node a then starts again.
func (c *cluster) importSurvivesItsNode() {
	t := c.t
	tok, _ := c.cli.ok("api-token", "create", "--tenant", "acme", "--scope", "users:import", "--name", "import", "--json").json(t)["token"].(string)
	const n = 1500
	users := make([]map[string]string, n)
	for i := range users {
		users[i] = map[string]string{"first_name": "User", "last_name": fmt.Sprint(i), "email": fmt.Sprintf("owner%d@cluster.test", i%20),
			"domain": "wiki.cluster.test", "phone": "", "userAccountId": fmt.Sprintf("imp%04d", i)}
	}
	body, _ := json.Marshal(users)
	send := func(method, url string, body []byte) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, url, bytes.NewReader(body))
		req.Header.Set("x-nl3-server-api-token", tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := jsonDecode(res, &m); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %v", method, url, err)
		}
		return res.StatusCode, m
	}
	status, queued := send("POST", c.a.url+"/nl3/api/v1/sdk/importUsers", body)
	resultsURL, _ := queued["results_url"].(string)
	if status != http.StatusAccepted || resultsURL == "" {
		t.Fatalf("batch of %d on node a: %d %v", n, status, queued)
	}
	c.a.kill()
	killed := time.Now()
	var done map[string]any
	for i := 0; ; i++ {
		status, done = send("GET", c.b.url+resultsURL+"?wait=30", nil)
		if status != http.StatusOK {
			t.Fatalf("job read on node b: %d %v", status, done)
		}
		if st := done["status"]; st == "done" || st == "failed" || i == 6 {
			break
		}
	}
	got := func(k string) int { v, _ := done[k].(float64); return int(v) }
	if done["status"] != "done" || got("enrolled")+got("already_enrolled") != n || got("errors") != 0 {
		t.Fatalf("the job node a took, read on node b: status %v enrolled %d already %d errors %d reason %v",
			done["status"], got("enrolled"), got("already_enrolled"), got("errors"), done["reason"])
	}
	t.Logf("importUsers job of %d rows: node a killed after its 202; done on node b %v later (%d rows imported by a resumed run, %d before)",
		n, time.Since(killed).Round(time.Millisecond), got("enrolled"), got("already_enrolled"))
	if out := c.cli.ok("account", "list", "--app", multiIssuer, "--after", "imp1498", "--json").stdout; !strings.Contains(out, "imp1499") {
		t.Fatalf("the last row's account is not enrolled: %.300s", out)
	}
	c.a.start("--public-url", c.aud, "--job-lease", leaseTTL.String())
}
