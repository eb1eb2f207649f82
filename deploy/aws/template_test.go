package awsdeploy

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// template is the parsed SAM template and what it defines.
type template struct {
	root                             *yaml.Node
	header                           string
	params, resources, conditions    map[string]*yaml.Node
	generated                        map[string]string // SAM-generated resource → the function it comes from
	refs, atts, conds                []ref
	paramGroups                      []string
	functions                        map[string]*yaml.Node
	globalHandler, globalRuntime     string
	functionEnv                      map[string][]string
	functionCode, functionInline     map[string]string
	functionHandler, functionRuntime map[string]string
}

// ref is one reference in the template and where it is.
type ref struct{ name, at string }

func load(t *testing.T) *template {
	t.Helper()
	raw, err := os.ReadFile("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("template.yaml is not YAML: %v", err)
	}
	tp := &template{root: doc.Content[0], header: string(raw), generated: map[string]string{},
		functions: map[string]*yaml.Node{}, functionEnv: map[string][]string{}, functionCode: map[string]string{},
		functionInline: map[string]string{}, functionHandler: map[string]string{}, functionRuntime: map[string]string{}}
	tp.params = members(get(tp.root, "Parameters"))
	tp.resources = members(get(tp.root, "Resources"))
	tp.conditions = members(get(tp.root, "Conditions"))
	for _, g := range get(get(get(tp.root, "Metadata"), "AWS::CloudFormation::Interface"), "ParameterGroups").Content {
		for _, p := range get(g, "Parameters").Content {
			tp.paramGroups = append(tp.paramGroups, p.Value)
		}
	}
	glob := get(get(tp.root, "Globals"), "Function")
	tp.globalHandler, tp.globalRuntime = scalar(get(glob, "Handler")), scalar(get(glob, "Runtime"))
	for name, res := range tp.resources {
		if scalar(get(res, "Type")) != "AWS::Serverless::Function" {
			continue
		}
		tp.functions[name] = res
		props := get(res, "Properties")
		if get(props, "FunctionUrlConfig") != nil {
			tp.generated[name+"Url"] = name
		}
		if get(props, "Role") == nil {
			tp.generated[name+"Role"] = name
		}
		for k := range members(get(get(props, "Environment"), "Variables")) {
			tp.functionEnv[name] = append(tp.functionEnv[name], k)
		}
		tp.functionCode[name] = scalar(get(props, "CodeUri"))
		tp.functionInline[name] = scalar(get(props, "InlineCode"))
		tp.functionHandler[name] = cmp(scalar(get(props, "Handler")), tp.globalHandler)
		tp.functionRuntime[name] = cmp(scalar(get(props, "Runtime")), tp.globalRuntime)
	}
	tp.walk(tp.root, "")
	return tp
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// get returns the value of key in the mapping n, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func members(n *yaml.Node) map[string]*yaml.Node {
	m := map[string]*yaml.Node{}
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = n.Content[i+1]
		}
	}
	return m
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

var subVar = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

// walk collects every reference: !Ref, !GetAtt, ${…} in !Sub, !Condition,
// the condition of !If, and a resource's or output's Condition.
func (tp *template) walk(n *yaml.Node, at string) {
	if n == nil {
		return
	}
	switch n.Tag {
	case "!Ref":
		tp.refs = append(tp.refs, ref{n.Value, at})
	case "!GetAtt":
		name := n.Value
		if n.Kind == yaml.SequenceNode {
			name = n.Content[0].Value
		}
		res, _, _ := strings.Cut(name, ".")
		tp.atts = append(tp.atts, ref{res, at})
	case "!Sub":
		s, vars := n, map[string]bool{}
		if n.Kind == yaml.SequenceNode {
			s = n.Content[0]
			for k := range members(n.Content[1]) {
				vars[k] = true
			}
		}
		for _, m := range subVar.FindAllStringSubmatch(s.Value, -1) {
			name, _, dotted := strings.Cut(m[1], ".")
			switch {
			case vars[m[1]]:
			case dotted && !strings.HasPrefix(m[1], "AWS::"):
				tp.atts = append(tp.atts, ref{name, at})
			default:
				tp.refs = append(tp.refs, ref{m[1], at})
			}
		}
	case "!Condition":
		tp.conds = append(tp.conds, ref{n.Value, at})
	case "!If":
		tp.conds = append(tp.conds, ref{n.Content[0].Value, at})
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "Condition" && v.Kind == yaml.ScalarNode && v.Tag == "!!str" && at != "" && strings.Count(at, "/") == 2 {
				tp.conds = append(tp.conds, ref{v.Value, at}) // Resources/X/Condition or Outputs/X/Condition
			}
			tp.walk(v, at+"/"+k.Value)
		}
		return
	}
	for _, c := range n.Content {
		tp.walk(c, at)
	}
}

// TestTemplateReferencesAreDefined: every !Ref names a parameter, a
// resource or a pseudo parameter; every !GetAtt and ${X.Attr} a resource
// (or one SAM generates: a function's Role and function URL); every
// condition used is defined; every parameter is in a console group.
func TestTemplateReferencesAreDefined(t *testing.T) {
	tp := load(t)
	if len(tp.refs) < 20 || len(tp.atts) < 5 || len(tp.conds) < 10 {
		t.Fatalf("found too few references (%d refs, %d attributes, %d conditions): the walk is broken", len(tp.refs), len(tp.atts), len(tp.conds))
	}
	for _, r := range tp.refs {
		_, p := tp.params[r.name]
		_, res := tp.resources[r.name]
		if !p && !res && !strings.HasPrefix(r.name, "AWS::") {
			t.Errorf("%s refers to %q, which is neither a parameter nor a resource", r.at, r.name)
		}
		if _, c := tp.conditions[r.name]; c && !p && !res {
			t.Errorf("%s uses !Ref on the condition %q", r.at, r.name)
		}
	}
	for _, r := range tp.atts {
		if _, ok := tp.resources[r.name]; !ok && tp.generated[r.name] == "" {
			t.Errorf("%s takes an attribute of %q, which is not a resource", r.at, r.name)
		}
	}
	for _, r := range tp.conds {
		if _, ok := tp.conditions[r.name]; !ok {
			t.Errorf("%s uses the condition %q, which is not defined", r.at, r.name)
		}
	}
	for _, p := range tp.paramGroups {
		if _, ok := tp.params[p]; !ok {
			t.Errorf("parameter group lists %q, which is not a parameter", p)
		}
	}
	for p := range tp.params {
		if !slices.Contains(tp.paramGroups, p) {
			t.Errorf("parameter %q is in no parameter group", p)
		}
	}
	for name, p := range tp.params {
		if scalar(get(p, "Type")) == "" {
			t.Errorf("parameter %q has no Type", name)
		}
	}
}

// TestTemplateFunctionsExist: every Go function's code directory is built
// by a command in the template's header from a main package under cmd/,
// that package builds for Lambda as the header says, and every environment
// variable the template sets is one deadbolt's Lambda code reads. An
// inline function's handler is defined in its code.
func TestTemplateFunctionsExist(t *testing.T) {
	tp := load(t)
	if tp.globalHandler != "bootstrap" || tp.globalRuntime != "provided.al2023" {
		t.Fatalf("global handler %q runtime %q; Go functions need bootstrap on provided.al2023", tp.globalHandler, tp.globalRuntime)
	}
	if len(tp.functions) < 4 {
		t.Fatalf("only %d functions found", len(tp.functions))
	}
	build := regexp.MustCompile(`-o deploy/aws/(\.build/[a-z-]+)/bootstrap \./cmd/([a-z-]+)`)
	built := map[string]string{}
	for _, m := range build.FindAllStringSubmatch(tp.header, -1) {
		built[m[1]+"/"] = m[2]
	}
	read := lambdaSources(t)
	for name := range tp.functions {
		code, inline, handler := tp.functionCode[name], tp.functionInline[name], tp.functionHandler[name]
		if inline != "" {
			mod, fn, ok := strings.Cut(handler, ".")
			if !ok || mod != "index" || !strings.Contains(inline, "def "+fn+"(") || !strings.HasPrefix(tp.functionRuntime[name], "python") {
				t.Errorf("%s: inline handler %q (runtime %q) is not defined in its code", name, handler, tp.functionRuntime[name])
			}
			continue
		}
		cmd := built[code]
		if cmd == "" {
			t.Errorf("%s: no command in the header builds its CodeUri %q", name, code)
			continue
		}
		if handler != "bootstrap" {
			t.Errorf("%s: handler %q; a Go function's handler is bootstrap", name, handler)
		}
		list := exec.Command("go", "list", "-tags", "lambda.norpc", "-f", "{{.Name}}", "../../cmd/"+cmd)
		list.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
		out, err := list.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "main" {
			t.Errorf("%s: cmd/%s is not a main package for linux/arm64: %v %s", name, cmd, err, out)
		}
		for _, v := range tp.functionEnv[name] {
			if !strings.Contains(read, `"`+v+`"`) {
				t.Errorf("%s sets %s, which no Lambda code reads", name, v)
			}
		}
	}
}

// lambdaSources returns the non-test Go source of the Lambda packages.
func lambdaSources(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir("../../internal/aws", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		src, err := os.ReadFile(p)
		b.Write(src)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestTemplateStepUp: with step-up on, the Cognito function gets the
// client secret only as the ARN of the secret the stack creates, and may
// read exactly that secret.
func TestTemplateStepUp(t *testing.T) {
	tp := load(t)
	sec := tp.resources["StepUpClientSecretSecret"]
	if scalar(get(sec, "Type")) != "AWS::SecretsManager::Secret" || scalar(get(sec, "Condition")) != "StepUpEnabled" {
		t.Fatalf("no conditional Secrets Manager secret for the step-up client secret")
	}
	if s := get(get(sec, "Properties"), "SecretString"); s == nil || !strings.Contains(s.Value, "${StepUpClientSecret}") || !strings.Contains(s.Value, "STEPUP_CLIENT_SECRET") {
		t.Fatalf("the secret does not hold the StepUpClientSecret parameter under STEPUP_CLIENT_SECRET")
	}
	if get(tp.params["StepUpClientSecret"], "NoEcho") == nil {
		t.Error("StepUpClientSecret is not NoEcho")
	}
	fn := get(tp.functions["CognitoFunction"], "Properties")
	env := members(get(get(fn, "Environment"), "Variables"))
	if _, plain := env["STEPUP_CLIENT_SECRET"]; plain {
		t.Error("the Cognito function gets the client secret in plain text")
	}
	arn := env["STEPUP_SECRET_ARN"]
	if arn == nil || arn.Tag != "!If" || arn.Content[0].Value != "StepUpEnabled" || arn.Content[1].Tag != "!Ref" || arn.Content[1].Value != "StepUpClientSecretSecret" {
		t.Errorf("STEPUP_SECRET_ARN is not the secret's ARN under StepUpEnabled")
	}
	for _, v := range []string{"STEPUP_ISSUER", "STEPUP_CLIENT_ID", "STEPUP_REDIRECT_URI", "ACR_VALUES", "MAX_ATTEMPTS"} {
		if n := env[v]; n == nil || n.Tag != "!If" || n.Content[0].Value != "StepUpEnabled" {
			t.Errorf("%s is not set under StepUpEnabled", v)
		}
	}
	var reads bool
	for _, p := range get(fn, "Policies").Content {
		if p.Tag == "!If" && p.Content[0].Value == "StepUpEnabled" {
			st := get(p.Content[1], "Statement").Content[0]
			reads = scalar(get(st, "Action")) == "secretsmanager:GetSecretValue" && get(st, "Resource").Value == "StepUpClientSecretSecret"
		}
	}
	if !reads {
		t.Error("the Cognito function may not read the step-up secret (or may read more than it)")
	}
}

// TestTemplateCfnLint runs cfn-lint (with its SAM transform) when it is
// installed; an error fails the test, warnings are logged.
func TestTemplateCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not installed (pip install cfn-lint)")
	}
	out, err := exec.Command(bin, "--format", "parseable", "template.yaml").CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.ExitCode()&2 == 0: // bit 2: errors; 4 and 8 are warnings and notes
		t.Logf("cfn-lint warnings:\n%s", out)
	default:
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
}
