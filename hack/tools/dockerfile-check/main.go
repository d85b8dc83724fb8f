// dockerfile-check: lints a Dockerfile with BuildKit's own parser and rule set (what `docker build --check`
// runs), offline, and checks its build context, then prints one JSON report on stdout.
//
//	dockerfile-check [-f Dockerfile] [-context DIR]
//
// Report: {warnings, error, stages, context}.
//   - warnings: every BuildKit lint rule that fired (all non-experimental rules), with its line;
//   - error:    a parse or dispatch error, if any;
//   - stages:   each stage with its base and instructions (COPY/ADD sources, destination and --from;
//     RUN/CMD/ENTRYPOINT argv; USER, WORKDIR, ENV and ARG keys), for tests to assert on;
//   - context:  for every COPY/ADD source taken from the build context: whether it exists and whether
//     .dockerignore (moby/patternmatcher, the implementation BuildKit uses) excludes it.
//
// Exit status: 0 when there are no warnings, no error and every context source exists and is not
// ignored; 1 otherwise; 2 on bad usage. Base images are never pulled: a stub resolver answers with an
// empty image config, so rules that need a base image's environment see only PATH.
package main

import (
	"context"
	_ "crypto/sha256" // go-digest needs SHA-256 registered
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	digest "github.com/opencontainers/go-digest"
)

type warning struct {
	Rule   string `json:"rule"`
	Detail string `json:"detail"`
	Line   int    `json:"line"`
}

type command struct {
	Name    string   `json:"name"`
	Line    int      `json:"line"`
	Sources []string `json:"sources,omitempty"`
	Dest    string   `json:"dest,omitempty"`
	From    string   `json:"from,omitempty"`
	Argv    []string `json:"argv,omitempty"`
	Shell   bool     `json:"shell,omitempty"`
	Value   string   `json:"value,omitempty"`
	Keys    []string `json:"keys,omitempty"`
}

type stage struct {
	Name     string    `json:"name"`
	Base     string    `json:"base"`
	Line     int       `json:"line"`
	Commands []command `json:"commands"`
}

type contextSource struct {
	Line    int    `json:"line"`
	Source  string `json:"source"`
	Exists  bool   `json:"exists"`
	Ignored bool   `json:"ignored"`
}

type report struct {
	Warnings []warning       `json:"warnings"`
	Error    string          `json:"error,omitempty"`
	Stages   []stage         `json:"stages"`
	Context  []contextSource `json:"context"`
}

// offlineResolver answers every base image with an empty linux/amd64 config (no registry access).
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	cfg := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},` +
		`"config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}}`)
	return ref, digest.FromBytes(cfg), cfg, nil
}

func line(r []parser.Range) int {
	if len(r) == 0 {
		return 0
	}
	return r[0].Start.Line
}

func describe(c instructions.Command) command {
	out := command{Name: strings.ToLower(c.Name()), Line: line(c.Location())}
	switch c := c.(type) {
	case *instructions.CopyCommand:
		out.Sources, out.Dest, out.From = c.SourcePaths, c.DestPath, c.From
	case *instructions.AddCommand:
		out.Sources, out.Dest = c.SourcePaths, c.DestPath
	case *instructions.RunCommand:
		out.Argv, out.Shell = c.CmdLine, c.PrependShell
	case *instructions.CmdCommand:
		out.Argv, out.Shell = c.CmdLine, c.PrependShell
	case *instructions.EntrypointCommand:
		out.Argv, out.Shell = c.CmdLine, c.PrependShell
	case *instructions.UserCommand:
		out.Value = c.User
	case *instructions.WorkdirCommand:
		out.Value = c.Path
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			out.Keys = append(out.Keys, kv.Key)
		}
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			out.Keys = append(out.Keys, kv.Key)
		}
	}
	return out
}

func ignoreMatcher(contextDir string) (*patternmatcher.PatternMatcher, error) {
	f, err := os.Open(filepath.Join(contextDir, ".dockerignore"))
	if os.IsNotExist(err) {
		return patternmatcher.New(nil)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, err
	}
	return patternmatcher.New(patterns)
}

func checkContext(contextDir string, stages []stage) ([]contextSource, error) {
	pm, err := ignoreMatcher(contextDir)
	if err != nil {
		return nil, err
	}
	out := []contextSource{}
	for _, st := range stages {
		for _, c := range st.Commands {
			if (c.Name != "copy" && c.Name != "add") || c.From != "" {
				continue
			}
			for _, src := range c.Sources {
				rel := filepath.Clean(strings.TrimPrefix(src, "/"))
				matches, _ := filepath.Glob(filepath.Join(contextDir, rel))
				ignored, err := pm.MatchesOrParentMatches(filepath.ToSlash(rel))
				if err != nil {
					return nil, err
				}
				out = append(out, contextSource{Line: c.Line, Source: src, Exists: len(matches) > 0, Ignored: ignored})
			}
		}
	}
	return out, nil
}

func run() (int, error) {
	file := flag.String("f", "Dockerfile", "the Dockerfile")
	contextDir := flag.String("context", ".", "the build context directory")
	flag.Parse()
	dt, err := os.ReadFile(*file)
	if err != nil {
		return 2, err
	}
	rep := report{Warnings: []warning{}, Stages: []stage{}, Context: []contextSource{}}

	lint, err := dockerfile2llb.DockerfileLint(context.Background(), dt, dockerfile2llb.ConvertOpt{
		SourceMap:    &llb.SourceMap{Filename: *file, Language: "Dockerfile", Data: dt, Definition: &llb.Definition{}},
		MetaResolver: offlineResolver{},
	})
	if err != nil {
		return 2, err
	}
	for _, w := range lint.Warnings {
		l := 0
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			l = int(w.Location.Ranges[0].Start.Line)
		}
		rep.Warnings = append(rep.Warnings, warning{Rule: w.RuleName, Detail: w.Detail, Line: l})
	}
	if lint.Error != nil {
		rep.Error = lint.Error.Message
	}

	ast, err := parser.Parse(strings.NewReader(string(dt)))
	if err == nil {
		var parsed []instructions.Stage
		parsed, _, err = instructions.Parse(ast.AST, nil)
		for _, s := range parsed {
			st := stage{Name: s.Name, Base: s.BaseName, Line: line(s.Location), Commands: []command{}}
			for _, c := range s.Commands {
				st.Commands = append(st.Commands, describe(c))
			}
			rep.Stages = append(rep.Stages, st)
		}
	}
	if err != nil && rep.Error == "" {
		rep.Error = err.Error()
	}
	if rep.Context, err = checkContext(*contextDir, rep.Stages); err != nil {
		return 2, err
	}

	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return 2, err
	}
	ok := len(rep.Warnings) == 0 && rep.Error == ""
	for _, c := range rep.Context {
		ok = ok && c.Exists && !c.Ignored
	}
	if !ok {
		return 1, nil
	}
	return 0, nil
}

func main() {
	code, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dockerfile-check:", err)
	}
	os.Exit(code)
}
