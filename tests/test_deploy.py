"""deploy/ stays correct without a Docker engine or a cluster: the compose file parses against the Compose
specification and runs what `make run` runs; every Kubernetes manifest, base and rendered province overlay,
validates against the Kubernetes schemas offline, with the probes, limits and policies the deploy issue asks for."""

import importlib
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import compose_spec
import kubernetes_validate
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
K8S_VERSION = "1.32"


def makefile_services() -> list[str]:
    text = (ROOT / "Makefile").read_text()
    packages = re.search(r"^PACKAGES := (.+)$", text, re.M).group(1).split()
    return [p.removeprefix("services/") for p in packages if p.startswith("services/")]


SERVICES = makefile_services()


def test_makefile_names_four_services() -> None:
    assert SERVICES == ["contributions", "claims", "layoff-reporting", "fund-monitor"]


def test_compose_parses_and_runs_every_service_on_nats() -> None:
    raw = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    spec = compose_spec.ComposeSpecification.model_validate(raw)
    assert {"postgres", "nats"} <= set(spec.services)
    for name in SERVICES:
        svc, migrate = raw["services"][name], raw["services"][f"{name}-migrate"]
        package = name.replace("-", "_")
        prefix = package.upper()
        assert svc["command"][:2] == [package, "serve"] and migrate["command"] == [package, "migrate"]
        assert svc["environment"][f"{prefix}_EVENT_TRANSPORT"] == "nats"
        assert svc["environment"][f"{prefix}_DATABASE_URL"].endswith(f"@postgres:5432/{package}")
        assert svc["depends_on"][f"{name}-migrate"]["condition"] == "service_completed_successfully"
        assert "/readyz" in " ".join(svc["healthcheck"]["test"])
    init = (DEPLOY / "postgres-init/01-databases.sql").read_text()
    assert all(f"CREATE DATABASE {n.replace('-', '_')};" in init for n in SERVICES)


def test_compose_validation_can_fail() -> None:
    with pytest.raises(ValueError):
        compose_spec.ComposeSpecification.model_validate({"services": {"x": {"healthcheck": {"test": 5}}}})


def validate(doc: dict) -> None:
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_base_manifests_validate() -> None:
    for path in sorted((DEPLOY / "k8s/base").glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            validate(doc)


def test_kubernetes_validation_can_fail() -> None:
    doc = next(yaml.safe_load_all((DEPLOY / "k8s/base/claims.yaml").read_text()))
    doc["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}  # a typo must not pass
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(doc)


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (its built-in kustomize) renders the overlay; install Debian's kubectl"
    out = subprocess.run(
        [kubectl, "kustomize", str(DEPLOY / "k8s/overlays/province")], capture_output=True, text=True, check=True
    ).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def test_province_overlay_renders_and_validates(rendered) -> None:
    for doc in rendered:
        validate(doc)
    kinds = {(d["kind"], d["metadata"]["name"]) for d in rendered}
    for name in SERVICES:
        for kind, obj in (
            ("Deployment", name),
            ("Deployment", f"{name}-worker"),
            ("Service", name),
            ("HorizontalPodAutoscaler", name),
            ("Job", f"{name}-migrate"),
            ("PodDisruptionBudget", name),
            ("NetworkPolicy", name),
        ):
            assert (kind, obj) in kinds, (kind, obj)
    assert all(d["metadata"].get("namespace") == "jilin-ui" for d in rendered if d["kind"] != "Namespace")


def test_pods_are_probed_limited_and_unprivileged(rendered) -> None:
    for d in rendered:
        if d["kind"] not in ("Deployment", "Job"):
            continue
        pod = d["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for c in pod["containers"]:
            assert c["image"].startswith("registry.hrss.jl.gov.cn/jilin-ui/services:")
            assert c["resources"]["requests"] and c["resources"]["limits"]
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
            if d["kind"] == "Deployment":
                assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
                assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
                env = {e["name"]: e for e in c["env"]}
                prefix = d["metadata"]["labels"]["app.kubernetes.io/name"].replace("-", "_").upper()
                assert "secretKeyRef" in env[f"{prefix}_DATABASE_URL"]["valueFrom"]
                assert "secretKeyRef" in env[f"{prefix}_JWT_SECRET"]["valueFrom"]
                worker = d["metadata"]["name"].endswith("-worker")
                assert env[f"{prefix}_BACKGROUND_TASKS"]["value"] == ("true" if worker else "false")
                if worker:
                    assert d["spec"]["replicas"] == 1 and d["spec"]["strategy"]["type"] == "Recreate"


def consumed_sources(name: str) -> set[str]:
    """The services whose events ``name`` consumes: its peers, which its NetworkPolicy must let it reach."""
    main = importlib.import_module(f"{name.replace('-', '_')}.main")
    return main.create_app().state.handlers.sources()


def test_network_policies_allow_only_postgres_nats_peers_dns_and_the_alert_webhooks(rendered) -> None:
    consumes = {name: consumed_sources(name) for name in SERVICES}
    assert consumes["fund-monitor"] == {"contributions", "claims", "layoff-reporting"}
    for d in rendered:
        if d["kind"] != "NetworkPolicy":
            continue
        name = d["metadata"]["name"]
        egress = d["spec"]["egress"]
        cidrs = [t["ipBlock"]["cidr"] for rule in egress for t in rule["to"] if "ipBlock" in t]
        # the placeholders were replaced; fund-monitor alone also reaches the webhooks' receivers over HTTPS (#26)
        expected = ["10.40.12.0/28", "10.40.14.0/28"] + (["10.40.30.0/28"] if name == "fund-monitor" else [])
        assert cidrs == expected, (name, cidrs)
        if name == "fund-monitor":
            assert egress[2]["ports"] == [{"port": 443, "protocol": "TCP"}]
        peers = {
            t["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
            for rule in egress
            for t in rule["to"]
            if "podSelector" in t and "app.kubernetes.io/name" in t["podSelector"]["matchLabels"]
        }
        assert peers == consumes[name], name
        assert set(d["spec"]["policyTypes"]) == {"Ingress", "Egress"}


def test_the_build_context_leaves_out_what_the_image_does_not_need() -> None:
    """#26 item 6: without a .dockerignore the context carried .venv (371 MB), var/ (1 GB) and node_modules. What
    the Dockerfile copies must still be there."""
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for heavy in (".venv", "var", "**/node_modules", ".git"):
        assert heavy in ignored, heavy
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", (ROOT / "deploy" / "Dockerfile").read_text(), re.MULTILINE)
    for sources in copied:
        for source in sources.split():
            top = source.split("/")[0]
            assert top not in ignored and f"**/{top}" not in ignored, source


def test_the_province_overlay_has_an_ingress_and_prometheus_can_scrape(rendered) -> None:
    """#26 item 6: every service behind the data centre's ingress (one host each, TLS), every pod marked for
    Prometheus, and both the ingress controller's and Prometheus' namespaces admitted by the NetworkPolicies."""
    (ingress,) = [d for d in rendered if d["kind"] == "Ingress"]
    backends = {
        p["backend"]["service"]["name"]: p["backend"]["service"]["port"]["number"]
        for rule in ingress["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    services = {d["metadata"]["name"]: d["spec"]["ports"][0]["port"] for d in rendered if d["kind"] == "Service"}
    assert backends == services and set(backends) == set(SERVICES)
    assert {h for t in ingress["spec"]["tls"] for h in t["hosts"]} == {r["host"] for r in ingress["spec"]["rules"]}
    for d in rendered:
        if d["kind"] == "Deployment":
            assert d["spec"]["template"]["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
        if d["kind"] == "NetworkPolicy":
            admitted = [
                f["namespaceSelector"]["matchLabels"]
                for rule in d["spec"]["ingress"]
                for f in rule["from"]
                if "namespaceSelector" in f
            ]
            assert {"insurance.jl.gov.cn/ingress": "true"} in admitted
            assert {"insurance.jl.gov.cn/monitoring": "true"} in admitted


PROMTOOL = shutil.which("promtool")
# series every service exports besides those named in the code: prometheus_client's process, platform and GC
# collectors, and Prometheus' own
STANDARD_SERIES = {"up", "process_resident_memory_bytes", "process_cpu_seconds_total", "python_info"}
STANDARD_SERIES |= {"python_gc_objects_collected_total", "process_open_fds"}


def _exported_series() -> set[str]:
    """Every series name the services' code declares (Counter, Gauge, Histogram), with the suffixes
    prometheus_client adds."""
    names = set(STANDARD_SERIES)
    for path in [*ROOT.glob("shared/src/**/*.py"), *ROOT.glob("services/*/src/**/*.py")]:
        for kind, name in re.findall(r'\b(Counter|Gauge|Histogram)\(\s*"([a-z_]+)"', path.read_text()):
            if kind == "Counter":
                names.add(name if name.endswith("_total") else f"{name}_total")
            elif kind == "Histogram":
                names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
            else:
                names.add(name)
    return names


def _series_in(expr: str) -> set[str]:
    functions = {"sum", "rate", "max", "min", "by", "histogram_quantile", "le", "avg", "count"}
    # label matchers, ranges, strings and grouping clauses name no series
    cleaned = re.sub(r"\{[^}]*\}|\[[^]]*\]|\"[^\"]*\"|\b(?:by|without)\s*\([^)]*\)", " ", expr)
    return {w for w in re.findall(r"\b[a-z_][a-z0-9_]*\b", cleaned) if (w not in functions and "_" in w) or w == "up"}


def test_prometheus_rules_and_the_grafana_dashboard_are_valid_and_name_real_series(tmp_path) -> None:
    """#26 item 4: the alert rules pass promtool's check and its unit tests (deploy/prometheus/alerts.test.yaml);
    the dashboard loads, every panel's query is valid PromQL (checked by promtool as a recording rule), and every
    series a rule or a panel names is one the services export."""
    assert PROMTOOL, "promtool is needed (Debian's prometheus package; .ci/run installs it)"
    rules = DEPLOY / "prometheus" / "alerts.yaml"
    for args in (["check", "rules", str(rules)], ["test", "rules", str(DEPLOY / "prometheus" / "alerts.test.yaml")]):
        done = subprocess.run([PROMTOOL, *args], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    dashboard = json.loads((DEPLOY / "grafana" / "jilin-ui-services.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(exprs) >= 10 and dashboard["uid"] and dashboard["timezone"] == "Asia/Shanghai"
    recording = {
        "groups": [{"name": "panels", "rules": [{"record": f"panel:{i}", "expr": e} for i, e in enumerate(exprs)]}]
    }
    (tmp_path / "panels.yaml").write_text(yaml.safe_dump(recording))
    done = subprocess.run([PROMTOOL, "check", "rules", str(tmp_path / "panels.yaml")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    exported = _exported_series()
    alerting = [r["expr"] for g in yaml.safe_load(rules.read_text())["groups"] for r in g["rules"]]
    for expr in [*alerting, *exprs]:
        assert _series_in(expr) <= exported, (expr, _series_in(expr) - exported)


def test_the_series_check_can_fail() -> None:
    assert _series_in('sum(rate(http_requests_totl{status=~"5.."}[5m]))') - _exported_series() == {"http_requests_totl"}


def _pins(lock: Path) -> dict[str, str]:
    return {
        canonicalize_name(m.group(1)): m.group(2)
        for m in re.finditer(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", lock.read_text(), re.MULTILINE)
    }


def _declared(*, extras: bool) -> list[Requirement]:
    """What our five packages declare (with their test/dev extras when ``extras``), and tests/ and scripts/ need."""
    out = []
    for pyproject in [ROOT / "shared" / "pyproject.toml", *sorted(ROOT.glob("services/*/pyproject.toml"))]:
        project = tomllib.loads(pyproject.read_text())["project"]
        out += [Requirement(r) for r in project["dependencies"]]
        if extras:
            out += [Requirement(r) for rs in project.get("optional-dependencies", {}).values() for r in rs]
    if extras:
        for txt in (ROOT / "tests" / "requirements.txt", ROOT / "scripts" / "requirements.txt"):
            out += [
                Requirement(line.split("#")[0]) for line in txt.read_text().splitlines() if line.split("#")[0].strip()
            ]
    ours = {"insurance-shared", "contributions", "claims", "layoff-reporting", "fund-monitor"}
    return [r for r in out if canonicalize_name(r.name) not in ours]


@pytest.mark.parametrize(("lock", "extras"), [("runtime.lock", False), ("dev.lock", True)])
def test_the_locks_pin_every_declared_dependency_within_its_range_with_hashes(lock: str, extras: bool) -> None:
    """#26 item 6: make venv and the image install from these locks with --require-hashes; a dependency added to
    a pyproject without `make lock` would be missing there (the install fails), or pinned outside its range."""
    path = ROOT / "requirements" / lock
    pins = _pins(path)
    for req in _declared(extras=extras):
        name = canonicalize_name(req.name)
        assert name in pins, f"{req} is declared but not in requirements/{lock}: run make lock"
        assert req.specifier.contains(pins[name], prereleases=True), f"{lock} pins {name}=={pins[name]}, not {req}"
    entries = re.split(r"\n(?=[A-Za-z0-9])", path.read_text().split("\n", 2)[2])
    assert all("--hash=sha256:" in e for e in entries if "==" in e), "every pin carries its hashes"
    assert "insurance-shared" not in pins and "fund-monitor" not in pins  # ours are installed from the tree
