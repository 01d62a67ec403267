package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/gatelog/gatelog/internal/app"
	"github.com/gatelog/gatelog/internal/config"
	"github.com/gatelog/gatelog/internal/telemetry"
)

// The test lives beside the commands because the manifests' container args
// must name a real command of this tree with flags it accepts, and only this
// package has the tree.
const k8sDir = "../../deploy/kubernetes"

// storeStatementTimeout bounds each PostgreSQL state store statement
// (defaultOpTimeout in internal/state/postgres): a commit in flight or a
// lease release at shutdown may take that long against a slow database, so
// the grace period must be longer for a stop to end cleanly.
const storeStatementTimeout = 30 * time.Second

// The manifests in deploy/kubernetes are applied as they are (after the
// placeholders are replaced): every document parses, the kustomization lists
// every file, and the gatelog.yaml inside the ConfigMap loads with gatelog's
// own loader, given exactly the environment the Deployment gives the
// container (the Secret's placeholder values), so a key the loader refuses
// or a ${VAR} the pod does not get fails here. The probes ask the telemetry
// handler for paths it serves, without credentials, on the listen port; the
// args are a real command.
func TestKubernetesManifests(t *testing.T) {
	m := loadManifests(t)

	t.Run("kustomization lists every file", func(t *testing.T) { m.checkKustomization(t) })

	dep := m.deployment(t)
	pod := dep.Spec.Template.Spec
	podLabels := dep.Spec.Template.Metadata.Labels
	if len(pod.Containers) != 1 {
		t.Fatalf("deployment %s: %d containers, want the one gatelog container", dep.Metadata.Name, len(pod.Containers))
	}
	ctr := pod.Containers[0]

	t.Run("replicas and selectors", func(t *testing.T) {
		if r := dep.Spec.Replicas; r == nil || *r < 2 {
			t.Errorf("deployment %s: replicas %s, want at least 2 (several instances share the streams)", dep.Metadata.Name, showInt(r))
		}
		checkSelects(t, "the deployment's selector", dep.Spec.Selector, podLabels)
		pdbs := m.byKind("PodDisruptionBudget")
		if len(pdbs) != 1 {
			t.Fatalf("%d PodDisruptionBudgets, want 1", len(pdbs))
		}
		var pdb struct {
			Metadata objectMeta `yaml:"metadata"`
			Spec     struct {
				Selector       labelSelector `yaml:"selector"`
				MinAvailable   any           `yaml:"minAvailable"`
				MaxUnavailable any           `yaml:"maxUnavailable"`
			} `yaml:"spec"`
		}
		pdbs[0].decode(t, &pdb)
		checkSelects(t, "PodDisruptionBudget "+pdb.Metadata.Name+"'s selector", pdb.Spec.Selector, podLabels)
		switch {
		case (pdb.Spec.MinAvailable == nil) == (pdb.Spec.MaxUnavailable == nil):
			t.Errorf("PodDisruptionBudget %s: set one of minAvailable and maxUnavailable", pdb.Metadata.Name)
		case pdb.Spec.MaxUnavailable != nil && intOr(pdb.Spec.MaxUnavailable, 1) < 1:
			t.Errorf("PodDisruptionBudget %s: maxUnavailable %v allows no disruption: node drains would block", pdb.Metadata.Name, pdb.Spec.MaxUnavailable)
		case pdb.Spec.MinAvailable != nil && dep.Spec.Replicas != nil && intOr(pdb.Spec.MinAvailable, 0) >= *dep.Spec.Replicas:
			t.Errorf("PodDisruptionBudget %s: minAvailable %v with %d replicas allows no disruption", pdb.Metadata.Name, pdb.Spec.MinAvailable, *dep.Spec.Replicas)
		}
		aa := pod.Affinity.PodAntiAffinity
		terms := aa.Required
		for _, w := range aa.Preferred {
			terms = append(terms, w.PodAffinityTerm)
		}
		spread := false
		for _, term := range terms {
			if term.TopologyKey == "kubernetes.io/hostname" && selects(term.LabelSelector, podLabels) {
				spread = true
			}
		}
		if !spread {
			t.Errorf("deployment %s: no pod anti-affinity term with topologyKey kubernetes.io/hostname selecting its own pods %v", dep.Metadata.Name, podLabels)
		}
	})

	t.Run("the image runs gatelog", func(t *testing.T) { checkEntrypoint(t, ctr) })

	cfgPath := configPathFromArgs(t, ctr.Args)
	cfgText := m.mountedFile(t, pod, ctr, cfgPath)
	env := m.containerEnv(t, ctr)
	cfg, err := config.Parse([]byte(cfgText), cfgPath, func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}, app.Builtin().Kinds())
	if err != nil {
		t.Fatalf("%s (from the ConfigMap) does not load with the environment the Deployment gives the container (%s):\n%v",
			cfgPath, strings.Join(sortedKeys(env), " "), err)
	}

	t.Run("secret holds placeholders only", func(t *testing.T) { m.checkSecrets(t) })

	t.Run("state is the shared database", func(t *testing.T) { m.checkState(t, pod, ctr, cfg, env) })

	t.Run("probes", func(t *testing.T) {
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			t.Fatalf("listen %q: %v", cfg.Listen, err)
		}
		if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
			t.Errorf("listen %q is loopback: the kubelet probes the pod's address, so /healthz and /readyz must listen there (0.0.0.0:%s)", cfg.Listen, port)
		}
		h := telemetry.New("test", "test").Handler(telemetry.HandlerOptions{
			Poll: time.Minute, Page: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}),
			Username: string(cfg.ListenAuth.Username), Password: string(cfg.ListenAuth.Password),
		})
		probes := map[string]*probe{"livenessProbe": ctr.LivenessProbe, "readinessProbe": ctr.ReadinessProbe}
		for _, name := range []string{"livenessProbe", "readinessProbe"} {
			p := probes[name]
			if p == nil || p.HTTPGet == nil {
				t.Errorf("container %s: no %s.httpGet", ctr.Name, name)
				continue
			}
			g := p.HTTPGet
			if g.Scheme != "" && !strings.EqualFold(g.Scheme, "HTTP") {
				t.Errorf("%s: scheme %s, but gatelog serves plain HTTP on listen", name, g.Scheme)
			}
			if got := ctr.resolvePort(t, g.Port); got != port {
				t.Errorf("%s: port %v is %s, but listen is %s", name, g.Port, got, cfg.Listen)
			}
			// As the kubelet asks: no credentials, so a path listen_auth
			// protects answers 401.
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, g.Path, nil))
			if rec.Code != http.StatusOK {
				t.Errorf("%s: GET %s answers %d %q, want 200 (the telemetry handler serves /healthz and /readyz without credentials)",
					name, g.Path, rec.Code, strings.TrimSpace(rec.Body.String()))
			}
		}
		if l, r := ctr.LivenessProbe, ctr.ReadinessProbe; l != nil && r != nil && l.HTTPGet != nil && r.HTTPGet != nil && l.HTTPGet.Path == r.HTTPGet.Path {
			t.Errorf("liveness and readiness both probe %s: liveness must not restart pods when a vendor stream fails", l.HTTPGet.Path)
		}
		found := false
		for _, p := range ctr.Ports {
			found = found || strconv.Itoa(p.ContainerPort) == port
		}
		if !found {
			t.Errorf("container %s declares no port %s (listen %s)", ctr.Name, port, cfg.Listen)
		}
	})

	t.Run("security context and data_dir", func(t *testing.T) {
		psc, csc := pod.SecurityContext, ctr.SecurityContext
		if !isTrue(csc.RunAsNonRoot) && !isTrue(psc.RunAsNonRoot) {
			t.Error("runAsNonRoot is not set on the pod or the container")
		}
		if psc.RunAsUser == nil && csc.RunAsUser == nil {
			t.Error("no numeric runAsUser: runAsNonRoot cannot be checked against the image's USER nonroot:nonroot")
		}
		if !isTrue(csc.ReadOnlyRootFilesystem) {
			t.Error("the container's readOnlyRootFilesystem is not true")
		}
		if csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
			t.Error("the container's allowPrivilegeEscalation is not false")
		}
		mount, vol := ctr.mountFor(pod, path.Join(cfg.DataDir, "spool"))
		switch {
		case mount == nil:
			t.Errorf("data_dir %s is on the read-only root filesystem: mount an emptyDir there (spool and quarantine are written to it)", cfg.DataDir)
		case mount.ReadOnly:
			t.Errorf("data_dir %s: volume %s is mounted read-only", cfg.DataDir, mount.Name)
		case vol == nil || vol.EmptyDir == nil && vol.PersistentVolumeClaim == nil && vol.Ephemeral == nil:
			t.Errorf("data_dir %s: volume %s is not an emptyDir or a writable volume", cfg.DataDir, mount.Name)
		}
	})

	t.Run("resources and shutdown", func(t *testing.T) {
		for _, r := range []string{"cpu", "memory"} {
			if ctr.Resources.Requests[r] == "" || ctr.Resources.Limits[r] == "" {
				t.Errorf("container %s: set requests and limits for %s", ctr.Name, r)
			}
		}
		limit, err := quantityBytes(ctr.Resources.Limits["memory"])
		if err != nil {
			t.Errorf("limits.memory: %v", err)
		}
		if v, ok := env["GOMEMLIMIT"]; ok && err == nil {
			if soft, err := goMemLimitBytes(v); err != nil {
				t.Errorf("GOMEMLIMIT %q: %v", v, err)
			} else if soft >= limit {
				t.Errorf("GOMEMLIMIT %s is not below limits.memory %s", v, ctr.Resources.Limits["memory"])
			}
		}
		grace := pod.TerminationGracePeriodSeconds
		if grace == nil || time.Duration(*grace)*time.Second <= storeStatementTimeout {
			t.Errorf("terminationGracePeriodSeconds %s: want more than %s, so that a commit in flight and the lease releases end before SIGKILL", showInt(grace), storeStatementTimeout)
		}
	})
}

// ---- reading the folder ----

type manifests struct {
	files map[string][]document // by file name in k8sDir
}

type document struct {
	file string
	node *yaml.Node
	head struct {
		APIVersion string     `yaml:"apiVersion"`
		Kind       string     `yaml:"kind"`
		Metadata   objectMeta `yaml:"metadata"`
	}
}

func (d document) decode(t *testing.T, v any) {
	t.Helper()
	if err := d.node.Decode(v); err != nil {
		t.Fatalf("%s: %s %s: %v", d.file, d.head.Kind, d.head.Metadata.Name, err)
	}
}

type objectMeta struct {
	Name      string            `yaml:"name"`
	Namespace string            `yaml:"namespace"`
	Labels    map[string]string `yaml:"labels"`
}

func loadManifests(t *testing.T) *manifests {
	t.Helper()
	entries, err := os.ReadDir(k8sDir)
	if err != nil {
		t.Fatal(err)
	}
	m := &manifests{files: map[string][]document{}}
	for _, e := range entries {
		if e.IsDir() || !(strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(k8sDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		m.files[e.Name()] = []document{}
		for {
			var n yaml.Node
			if err := dec.Decode(&n); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", e.Name(), err)
			}
			if len(n.Content) == 0 || n.Content[0].Kind == yaml.ScalarNode && n.Content[0].Tag == "!!null" {
				continue // an empty document between two ---
			}
			d := document{file: e.Name(), node: &n}
			if err := n.Decode(&d.head); err != nil {
				t.Fatalf("%s: %v", e.Name(), err)
			}
			if d.head.APIVersion == "" || d.head.Kind == "" {
				t.Errorf("%s: a document without apiVersion or kind", e.Name())
			}
			if d.head.Kind != "Kustomization" && d.head.Metadata.Name == "" {
				t.Errorf("%s: a %s without metadata.name", e.Name(), d.head.Kind)
			}
			m.files[e.Name()] = append(m.files[e.Name()], d)
		}
	}
	if len(m.files) == 0 {
		t.Fatalf("no YAML files in %s", k8sDir)
	}
	return m
}

func (m *manifests) byKind(kind string) []document {
	var out []document
	for _, name := range sortedKeys(m.files) {
		for _, d := range m.files[name] {
			if d.head.Kind == kind {
				out = append(out, d)
			}
		}
	}
	return out
}

func (m *manifests) named(kind, name string) (document, bool) {
	for _, d := range m.byKind(kind) {
		if d.head.Metadata.Name == name {
			return d, true
		}
	}
	return document{}, false
}

func (m *manifests) checkKustomization(t *testing.T) {
	docs, ok := m.files["kustomization.yaml"]
	if !ok || len(docs) != 1 || docs[0].head.Kind != "Kustomization" {
		t.Fatal("no kustomization.yaml with one Kustomization document")
	}
	var k struct {
		Resources []string `yaml:"resources"`
	}
	docs[0].decode(t, &k)
	listed := map[string]bool{}
	for _, r := range k.Resources {
		if listed[r] {
			t.Errorf("kustomization.yaml lists %s twice", r)
		}
		listed[r] = true
		if _, ok := m.files[r]; !ok {
			t.Errorf("kustomization.yaml lists %s, which is not a YAML file of %s", r, k8sDir)
		}
	}
	for name := range m.files {
		if name != "kustomization.yaml" && !listed[name] {
			t.Errorf("kustomization.yaml does not list %s: kubectl apply -k would leave it out", name)
		}
	}
}

// ---- the Deployment ----

type deployment struct {
	Metadata objectMeta `yaml:"metadata"`
	Spec     struct {
		Replicas *int          `yaml:"replicas"`
		Selector labelSelector `yaml:"selector"`
		Template struct {
			Metadata objectMeta `yaml:"metadata"`
			Spec     podSpec    `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type podSpec struct {
	TerminationGracePeriodSeconds *int        `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               secContext  `yaml:"securityContext"`
	Containers                    []container `yaml:"containers"`
	Volumes                       []volume    `yaml:"volumes"`
	Affinity                      struct {
		PodAntiAffinity struct {
			Required  []affinityTerm `yaml:"requiredDuringSchedulingIgnoredDuringExecution"`
			Preferred []struct {
				PodAffinityTerm affinityTerm `yaml:"podAffinityTerm"`
			} `yaml:"preferredDuringSchedulingIgnoredDuringExecution"`
		} `yaml:"podAntiAffinity"`
	} `yaml:"affinity"`
}

type affinityTerm struct {
	TopologyKey   string        `yaml:"topologyKey"`
	LabelSelector labelSelector `yaml:"labelSelector"`
}

type secContext struct {
	RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
	RunAsUser                *int64 `yaml:"runAsUser"`
	ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
	AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
}

type container struct {
	Name    string   `yaml:"name"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Env     []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef     *keyRef `yaml:"secretKeyRef"`
			ConfigMapKeyRef  *keyRef `yaml:"configMapKeyRef"`
			FieldRef         any     `yaml:"fieldRef"`
			ResourceFieldRef any     `yaml:"resourceFieldRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	EnvFrom []struct {
		Prefix       string `yaml:"prefix"`
		SecretRef    *ref   `yaml:"secretRef"`
		ConfigMapRef *ref   `yaml:"configMapRef"`
	} `yaml:"envFrom"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext secContext    `yaml:"securityContext"`
	VolumeMounts    []volumeMount `yaml:"volumeMounts"`
}

type volumeMount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
	SubPath   string `yaml:"subPath"`
	ReadOnly  bool   `yaml:"readOnly"`
}

type ref struct {
	Name string `yaml:"name"`
}

type keyRef struct {
	Name string `yaml:"name"`
	Key  string `yaml:"key"`
}

type probe struct {
	HTTPGet *struct {
		Path   string `yaml:"path"`
		Port   any    `yaml:"port"` // a number or a container port's name
		Scheme string `yaml:"scheme"`
	} `yaml:"httpGet"`
}

type volume struct {
	Name      string `yaml:"name"`
	ConfigMap *struct {
		Name  string `yaml:"name"`
		Items []struct {
			Key  string `yaml:"key"`
			Path string `yaml:"path"`
		} `yaml:"items"`
	} `yaml:"configMap"`
	Secret                *struct{} `yaml:"secret"`
	EmptyDir              *struct{} `yaml:"emptyDir"`
	PersistentVolumeClaim *struct{} `yaml:"persistentVolumeClaim"`
	Ephemeral             *struct{} `yaml:"ephemeral"`
}

type labelSelector struct {
	MatchLabels      map[string]string `yaml:"matchLabels"`
	MatchExpressions []any             `yaml:"matchExpressions"`
}

func (m *manifests) deployment(t *testing.T) deployment {
	t.Helper()
	deps := m.byKind("Deployment")
	if len(deps) != 1 {
		t.Fatalf("%d Deployments in %s, want 1", len(deps), k8sDir)
	}
	var d deployment
	deps[0].decode(t, &d)
	return d
}

// selects reports whether s selects pods labelled labels (matchLabels
// only: the manifests use no expressions).
func selects(s labelSelector, labels map[string]string) bool {
	if len(s.MatchLabels) == 0 || len(s.MatchExpressions) > 0 {
		return false
	}
	for k, v := range s.MatchLabels {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func checkSelects(t *testing.T, what string, s labelSelector, labels map[string]string) {
	t.Helper()
	if !selects(s, labels) {
		t.Errorf("%s %v (matchLabels only) does not select the pods, labelled %v", what, s.MatchLabels, labels)
	}
}

// checkEntrypoint checks that the args reach gatelog: the image's
// ENTRYPOINT (deploy/Dockerfile) when the container sets no command.
func checkEntrypoint(t *testing.T, c container) {
	t.Helper()
	cmd := c.Command
	if len(cmd) == 0 {
		data, err := os.ReadFile("../../deploy/Dockerfile")
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^ENTRYPOINT\s+(\[.*\])\s*$`).FindSubmatch(data)
		if m == nil {
			t.Fatal("deploy/Dockerfile has no ENTRYPOINT [...] line")
		}
		if err := json.Unmarshal(m[1], &cmd); err != nil {
			t.Fatalf("deploy/Dockerfile ENTRYPOINT %s: %v", m[1], err)
		}
	}
	if len(cmd) != 1 || path.Base(cmd[0]) != "gatelog" {
		t.Errorf("container %s runs %q, want the gatelog binary alone before its args", c.Name, cmd)
	}
}

// configPathFromArgs checks that args are `run` (the daemon) with flags the
// command accepts, and returns its -c.
func configPathFromArgs(t *testing.T, args []string) string {
	t.Helper()
	root := newRootCommand()
	cmd, rest, err := root.Find(args)
	if err != nil {
		t.Fatalf("args %q: %v", args, err)
	}
	if cmd.CommandPath() != "gatelog run" {
		t.Fatalf("args %q run %q, want gatelog run", args, cmd.CommandPath())
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Fatalf("args %q: %v", args, err)
	}
	if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
		t.Fatalf("args %q: %v", args, err)
	}
	if once, _ := cmd.Flags().GetBool("once"); once {
		t.Errorf("args %q: --once exits after catching up; a Deployment runs the daemon", args)
	}
	g := globals{}
	g.logLevel, _ = cmd.Flags().GetString("log-level")
	g.logFormat, _ = cmd.Flags().GetString("log-format")
	if _, err := g.logger(io.Discard); err != nil {
		t.Errorf("args %q: %v", args, err)
	}
	cfg, _ := cmd.Flags().GetString("config")
	if !path.IsAbs(cfg) {
		t.Errorf("args %q: -c %s is relative to the image's working directory; name the mounted file", args, cfg)
	}
	return cfg
}

// mountFor returns the container's mount holding file p (the deepest) and
// its volume.
func (c container) mountFor(pod podSpec, p string) (*volumeMount, *volume) {
	best := -1
	for i, vm := range c.VolumeMounts {
		mp := path.Clean(vm.MountPath)
		if (p == mp || strings.HasPrefix(p, mp+"/")) && (best < 0 || len(mp) > len(c.VolumeMounts[best].MountPath)) {
			best = i
		}
	}
	if best < 0 {
		return nil, nil
	}
	vm := &c.VolumeMounts[best]
	for i := range pod.Volumes {
		if pod.Volumes[i].Name == vm.Name {
			return vm, &pod.Volumes[i]
		}
	}
	return vm, nil
}

// mountedFile returns the content of file p in the container, which must
// come from a ConfigMap of the folder.
func (m *manifests) mountedFile(t *testing.T, pod podSpec, c container, p string) string {
	t.Helper()
	vm, vol := c.mountFor(pod, p)
	if vm == nil || vol == nil || vol.ConfigMap == nil {
		t.Fatalf("%s is not in a ConfigMap volume the container mounts", p)
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(p, path.Clean(vm.MountPath)), "/")
	key := path.Join(vm.SubPath, rel)
	if vm.SubPath != "" && rel != "" {
		t.Fatalf("%s: a subPath mount %s of %s holds one file", p, vm.MountPath, vm.SubPath)
	}
	if len(vol.ConfigMap.Items) > 0 {
		found := false
		for _, it := range vol.ConfigMap.Items {
			if it.Path == key {
				key, found = it.Key, true
			}
		}
		if !found {
			t.Fatalf("%s: volume %s's items map no key to %s", p, vol.Name, key)
		}
	}
	d, ok := m.named("ConfigMap", vol.ConfigMap.Name)
	if !ok {
		t.Fatalf("%s: volume %s names ConfigMap %s, which is not in %s", p, vol.Name, vol.ConfigMap.Name, k8sDir)
	}
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	d.decode(t, &cm)
	text, ok := cm.Data[key]
	if !ok {
		t.Fatalf("%s: ConfigMap %s has no key %s (keys: %v)", p, vol.ConfigMap.Name, key, sortedKeys(cm.Data))
	}
	return text
}

// secretValues returns the values of the Secret of the folder named name.
func (m *manifests) secretValues(t *testing.T, name string) map[string]string {
	t.Helper()
	d, ok := m.named("Secret", name)
	if !ok {
		t.Fatalf("the container refers to Secret %s, which is not in %s", name, k8sDir)
	}
	var s struct {
		StringData map[string]string `yaml:"stringData"`
	}
	d.decode(t, &s)
	return s.StringData
}

func (m *manifests) configMapValues(t *testing.T, name string) map[string]string {
	t.Helper()
	d, ok := m.named("ConfigMap", name)
	if !ok {
		t.Fatalf("the container refers to ConfigMap %s, which is not in %s", name, k8sDir)
	}
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	d.decode(t, &cm)
	return cm.Data
}

// containerEnv is the environment the container starts with, as far as the
// manifests decide it (values from the Secret's placeholders).
func (m *manifests) containerEnv(t *testing.T, c container) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, ef := range c.EnvFrom {
		var vals map[string]string
		switch {
		case ef.SecretRef != nil:
			vals = m.secretValues(t, ef.SecretRef.Name)
		case ef.ConfigMapRef != nil:
			vals = m.configMapValues(t, ef.ConfigMapRef.Name)
		}
		for k, v := range vals {
			env[ef.Prefix+k] = v
		}
	}
	for _, e := range c.Env {
		switch vf := e.ValueFrom; {
		case vf == nil:
			env[e.Name] = e.Value
		case vf.SecretKeyRef != nil:
			v, ok := m.secretValues(t, vf.SecretKeyRef.Name)[vf.SecretKeyRef.Key]
			if !ok {
				t.Errorf("env %s: Secret %s has no key %s", e.Name, vf.SecretKeyRef.Name, vf.SecretKeyRef.Key)
			}
			env[e.Name] = v
		case vf.ConfigMapKeyRef != nil:
			v, ok := m.configMapValues(t, vf.ConfigMapKeyRef.Name)[vf.ConfigMapKeyRef.Key]
			if !ok {
				t.Errorf("env %s: ConfigMap %s has no key %s", e.Name, vf.ConfigMapKeyRef.Name, vf.ConfigMapKeyRef.Key)
			}
			env[e.Name] = v
		default:
			env[e.Name] = "1" // a field or resource of the pod
		}
	}
	return env
}

// checkSecrets: the Secrets in the folder are templates, never real values.
func (m *manifests) checkSecrets(t *testing.T) {
	secrets := m.byKind("Secret")
	if len(secrets) == 0 {
		t.Fatalf("no Secret template in %s", k8sDir)
	}
	for _, d := range secrets {
		var s struct {
			Data       map[string]any    `yaml:"data"`
			StringData map[string]string `yaml:"stringData"`
		}
		d.decode(t, &s)
		if len(s.Data) > 0 {
			t.Errorf("Secret %s has data:; keep the template's placeholders readable in stringData", d.head.Metadata.Name)
		}
		for k, v := range s.StringData {
			if !strings.Contains(v, "CHANGE-ME") {
				t.Errorf("Secret %s: %s is not a CHANGE-ME placeholder (the template must hold no real value)", d.head.Metadata.Name, k)
			}
		}
	}
}

// checkState: several replicas need the shared PostgreSQL store, reached
// through a Service of the folder, with its password and CA in place.
func (m *manifests) checkState(t *testing.T, pod podSpec, c container, cfg *config.Config, env map[string]string) {
	if !config.StateIsDatabase(cfg.State) {
		t.Fatalf("state %s is not a postgres:// URL: each replica would keep its own state", cfg.StateShown())
	}
	u, err := url.Parse(cfg.State)
	if err != nil {
		t.Fatalf("state: %v", err)
	}
	if _, set := u.User.Password(); !set && env["PGPASSWORD"] == "" {
		t.Error("state names no password and the container gets no PGPASSWORD")
	}
	host := u.Hostname()
	found := false
	for _, d := range m.byKind("Service") {
		n := d.head.Metadata.Name
		if host == n || strings.HasPrefix(host, n+".") {
			found = true
			var svc struct {
				Spec struct {
					Type         string `yaml:"type"`
					ExternalName string `yaml:"externalName"`
				} `yaml:"spec"`
			}
			d.decode(t, &svc)
			if svc.Spec.Type == "ExternalName" && svc.Spec.ExternalName == "" {
				t.Errorf("Service %s is an ExternalName without externalName", n)
			}
		}
	}
	if !found {
		t.Errorf("state's host %s is not a Service of %s", host, k8sDir)
	}
	if ca := u.Query().Get("sslrootcert"); ca != "" && ca != "system" {
		m.mountedFile(t, pod, c, ca)
	}
}

// ---- small helpers ----

func (c container) resolvePort(t *testing.T, port any) string {
	t.Helper()
	switch p := port.(type) {
	case int:
		return strconv.Itoa(p)
	case string:
		for _, cp := range c.Ports {
			if cp.Name == p {
				return strconv.Itoa(cp.ContainerPort)
			}
		}
		if _, err := strconv.Atoi(p); err == nil {
			return p
		}
		t.Errorf("probe port %q names no port of container %s", p, c.Name)
	}
	return ""
}

// showInt shows an optional number: "unset" when it is not written.
func showInt(p *int) string {
	if p == nil {
		return "unset"
	}
	return strconv.Itoa(*p)
}

func isTrue(b *bool) bool { return b != nil && *b }

// intOr is v as an int, or def when it is a percentage.
func intOr(v any, def int) int {
	if n, ok := v.(int); ok {
		return n
	}
	return def
}

var quantityUnits = map[string]int64{"": 1, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "k": 1e3, "M": 1e6, "G": 1e9}

// quantityBytes reads a Kubernetes memory quantity such as 512Mi.
func quantityBytes(q string) (int64, error) {
	m := regexp.MustCompile(`^([0-9]+)([A-Za-z]*)$`).FindStringSubmatch(q)
	if m == nil || quantityUnits[m[2]] == 0 {
		return 0, errors.New("not a quantity this test reads (a whole number with Ki, Mi, Gi, k, M or G): " + q)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	return n * quantityUnits[m[2]], err
}

var goMemUnits = map[string]int64{"": 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}

// goMemLimitBytes reads GOMEMLIMIT as the Go runtime does (whole numbers).
func goMemLimitBytes(s string) (int64, error) {
	m := regexp.MustCompile(`^([0-9]+)([A-Za-z]*)$`).FindStringSubmatch(s)
	if m == nil || goMemUnits[m[2]] == 0 {
		return 0, errors.New("not a GOMEMLIMIT (a whole number with B, KiB, MiB or GiB)")
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	return n * goMemUnits[m[2]], err
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
