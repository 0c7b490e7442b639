"""Static checks of the deployment files: deploy/ (Dockerfile, compose, nginx, gunicorn) and the
Helm chart in helm/huiji. No Docker, Kubernetes or database is needed; when a `helm` binary is
on PATH (or named by HELM_BIN) the chart is also linted and rendered.
"""

from __future__ import annotations

import os
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
CHART = ROOT / "helm" / "huiji"
TEMPLATES = CHART / "templates"
APP_SERVICES = ("web", "worker", "beat")

# A value in compose.yaml under one of these names must come from the env file.
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|DSN|ACCESS_KEY|DATABASE_URL")
VALUES_REF = re.compile(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
ACTION = re.compile(r"\{\{.*?\}\}", re.DOTALL)
BLOCK_OPEN = re.compile(r"\{\{-?\s*(if|range|with|define|block)\b")
BLOCK_END = re.compile(r"\{\{-?\s*end\b")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.iterdir() if p.is_file())


def _yaml_templates() -> list[Path]:
    return sorted(TEMPLATES.glob("*.yaml"))


def _all_templates_text() -> str:
    return "\n".join(_read(p) for p in _template_files())


def _values() -> dict:
    return yaml.safe_load(_read(CHART / "values.yaml"))


def _compose() -> dict:
    return yaml.safe_load(_read(DEPLOY / "compose.yaml"))


def _leaf_paths(node, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Paths of the leaves of a values tree; an empty map is a leaf (filled in by users)."""
    if isinstance(node, dict) and node:
        paths = []
        for key, child in node.items():
            paths.extend(_leaf_paths(child, (*prefix, str(key))))
        return paths
    return [prefix]


def _values_references() -> set[tuple[str, ...]]:
    refs = set()
    for path in _template_files():
        for match in VALUES_REF.finditer(_read(path)):
            refs.add(tuple(match.group(1).lstrip(".").split(".")))
    return refs


# --- Dockerfile -----------------------------------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", _read(DEPLOY / "Dockerfile"))
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_dockerfile_is_multi_stage_non_root_with_healthcheck():
    instructions = _dockerfile_instructions()
    stages = [args for keyword, args in instructions if keyword == "FROM"]
    assert len(stages) >= 2, "builder and runtime stages expected"
    assert all("python:3.11" in s or "${PYTHON_IMAGE}" in s for s in stages)
    assert any("python:3.11-slim" in args for keyword, args in instructions if keyword == "ARG")
    assert any(args.startswith("--from=") for keyword, args in instructions if keyword == "COPY")

    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users, "the image must not run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user.isdigit(), "a numeric uid lets Kubernetes check runAsNonRoot"

    healthchecks = [args for keyword, args in instructions if keyword == "HEALTHCHECK"]
    assert healthchecks and "healthcheck.py" in healthchecks[-1]
    assert ("EXPOSE", "8000") in instructions


def test_dockerfile_installs_pinned_dependencies_and_runs_gunicorn():
    instructions = _dockerfile_instructions()
    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    assert re.search(r"pip install .*-c constraints\.txt", runs)
    copies = [args for keyword, args in instructions if keyword == "COPY"]
    assert any("constraints.txt" in c for c in copies)

    envs = " ".join(args for keyword, args in instructions if keyword == "ENV")
    assert "DJANGO_SETTINGS_MODULE=huiji.settings.production" in envs
    assert "PYTHONPATH=/app/platform:/app" in envs

    # collectstatic at build time, with a dummy DATABASE_URL so that no embedded PostgreSQL starts.
    collect = next(r for k, r in instructions if k == "RUN" and "collectstatic" in r)
    assert "DATABASE_URL=" in collect and "SECRET_KEY=" in collect

    command = [args for keyword, args in instructions if keyword in {"CMD", "ENTRYPOINT"}]
    assert command and "gunicorn" in command[-1]
    assert "deploy/gunicorn.conf.py" in command[-1]


def test_dockerfile_copies_only_files_that_exist_and_the_build_context_admits():
    ignore = _read(DEPLOY / "Dockerfile.dockerignore").splitlines()
    admitted = {line[1:].strip() for line in ignore if line.startswith("!")}
    for keyword, args in _dockerfile_instructions():
        if keyword != "COPY" or args.startswith("--from="):
            continue
        sources = [a for a in args.split() if not a.startswith("--")][:-1]
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
            assert source in admitted, f"COPY {source}: left out by Dockerfile.dockerignore"


def test_gunicorn_config_loads_and_reads_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["bind"] == "0.0.0.0:8000"
    assert config["workers"] == 3
    assert config["worker_class"] == "gthread"
    assert config["accesslog"] == "-"
    assert config["timeout"] > 0 and config["graceful_timeout"] > 0
    assert config["forwarded_allow_ips"]
    assert config["wsgi_app"] == "huiji.wsgi:application"


def test_healthcheck_script_sends_the_base_domain_as_host():
    text = _read(DEPLOY / "healthcheck.py")
    assert "/healthz" in text and "HUIJI_BASE_DOMAIN" in text and '"Host"' in text


# --- compose --------------------------------------------------------------------------------------


def test_compose_has_the_services_and_one_image_for_the_app():
    compose = _compose()
    services = compose["services"]
    for name in (*APP_SERVICES, "migrate", "postgres", "redis"):
        assert name in services, name
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert any("minio" in str(s.get("image", "")) for s in services.values()), "an S3 store"

    images = {services[name]["image"] for name in (*APP_SERVICES, "migrate")}
    builds = {yaml.safe_dump(services[name]["build"]) for name in (*APP_SERVICES, "migrate")}
    assert len(images) == 1 and len(builds) == 1
    assert services["web"]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert any(str(p).endswith(":8000") for p in services["web"]["ports"])


def test_compose_runs_migrations_before_the_app():
    services = _compose()["services"]
    assert "migrate_schemas" in " ".join(services["migrate"]["command"])
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
    assert services["worker"]["command"][:4] == ["celery", "-A", "huiji", "worker"]
    beat = services["beat"]["command"]
    assert beat[:4] == ["celery", "-A", "huiji", "beat"]
    assert "/tmp/celerybeat-schedule" in beat
    for name in ("postgres", "redis", "s3", "web"):
        assert "test" in services[name]["healthcheck"], name


def test_compose_shares_one_environment_and_holds_no_secrets():
    compose = _compose()
    shared = compose["x-app-env"]
    services = compose["services"]
    for name in (*APP_SERVICES, "migrate"):
        assert services[name]["environment"] == shared, name
    assert re.fullmatch(r"\$\{SECRET_KEY(:\?[^}]*)?\}", shared["SECRET_KEY"])

    environments = [shared] + [s.get("environment") or {} for s in services.values()]
    for env in environments:
        for key, value in env.items():
            if SECRET_NAME.search(key) and value not in ("", None):
                assert "${" in str(value), f"{key} must come from the env file, not compose.yaml"


def test_env_example_lists_every_compose_variable_with_placeholders():
    entries = {}
    for line in _read(DEPLOY / ".env.example").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            entries[key.strip()] = value.strip()
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", _read(DEPLOY / "compose.yaml")))
    assert used <= set(entries), f"missing from .env.example: {sorted(used - set(entries))}"
    for key, value in entries.items():
        if SECRET_NAME.search(key) and value:
            assert "change-me" in value, f"{key} in .env.example must be a placeholder"


# --- nginx ----------------------------------------------------------------------------------------


def test_nginx_serves_the_wildcard_and_passes_the_host():
    text = _read(DEPLOY / "nginx.conf")
    server_names = re.findall(r"^\s*server_name\s+([^;]+);", text, re.MULTILINE)
    assert any(re.search(r"(^|\s)\*\.|~", names) for names in server_names), server_names
    assert re.search(r"proxy_set_header\s+Host\s+\$host;", text)
    assert re.search(r"proxy_set_header\s+X-Forwarded-Proto\s+\$scheme;", text)
    assert re.search(r"client_max_body_size\s+20m;", text)
    assert text.count("{") == text.count("}")


def test_nginx_drops_idle_upstream_connections_before_gunicorn_does(monkeypatch):
    """A kept connection gunicorn closes while nginx sends on it fails a POST with a 502: nginx
    must let go of an idle upstream connection first."""
    upstream = re.search(r"upstream huiji_web \{(.*?)\}", _read(DEPLOY / "nginx.conf"), re.S)
    nginx_idle = re.search(r"keepalive_timeout\s+(\d+)s;", upstream.group(1))
    assert nginx_idle, "the upstream block sets no keepalive_timeout (nginx's default is 60 s)"
    monkeypatch.delenv("GUNICORN_KEEPALIVE", raising=False)
    gunicorn = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert int(nginx_idle.group(1)) < gunicorn["keepalive"]


# --- Helm chart -----------------------------------------------------------------------------------


def test_chart_and_values_parse_with_the_required_keys():
    chart = yaml.safe_load(_read(CHART / "Chart.yaml"))
    assert chart["apiVersion"] == "v2"
    assert chart["name"] == "huiji"
    assert chart["version"] and chart["appVersion"]

    values = _values()
    assert values["image"]["repository"]
    assert "tag" in values["image"]
    assert values["baseDomain"]
    assert {"enabled", "className", "tls"} <= set(values["ingress"])
    for component in ("web", "worker"):
        assert values[component]["replicaCount"] >= 1
        assert values[component]["resources"]["requests"]
        assert {"enabled", "minReplicas", "maxReplicas"} <= set(values[component]["autoscaling"])
    assert values["beat"]["resources"]["requests"]
    assert values["web"]["probes"]["readiness"]["path"] == "/healthz"
    assert values["web"]["probes"]["liveness"]["path"] in {"/ping", "/healthz"}
    assert values["podSecurityContext"]["runAsNonRoot"] is True
    assert values["podSecurityContext"]["runAsUser"] not in (0, None)
    assert values["containerSecurityContext"]["readOnlyRootFilesystem"] is True
    assert "existingSecret" in values["secrets"]
    assert (CHART / ".helmignore").is_file() and (CHART / "README.md").is_file()


def test_every_values_reference_exists_in_values_yaml():
    values = _values()
    missing = []
    for ref in sorted(_values_references()):
        node = values
        for key in ref:
            if not isinstance(node, dict) or key not in node:
                missing.append(".".join(ref))
                break
            node = node[key]
    assert not missing, f"referenced in templates but not in values.yaml: {missing}"


def test_every_value_is_used_by_a_template():
    refs = _values_references()
    unused = [
        ".".join(leaf)
        for leaf in _leaf_paths(_values())
        if not any(leaf[: len(ref)] == ref for ref in refs)
    ]
    assert not unused, f"values.yaml keys no template uses: {unused}"


def test_templates_define_the_workloads():
    text = _all_templates_text()
    for component in APP_SERVICES:
        deployment = _read(TEMPLATES / f"deployment-{component}.yaml")
        assert "kind: Deployment" in deployment
        assert f"app.kubernetes.io/component: {component}" in deployment
    beat = _read(TEMPLATES / "deployment-beat.yaml")
    assert re.search(r"^\s*replicas: 1$", beat, re.MULTILINE)
    assert "type: Recreate" in beat
    assert "-s\n" in beat and "/tmp/celerybeat-schedule" in beat
    assert "kind: Service\n" in text
    assert "kind: HorizontalPodAutoscaler" in text and "autoscaling/v2" in text


def test_migration_job_is_a_pre_install_and_pre_upgrade_hook():
    job = _read(TEMPLATES / "job-migrate.yaml")
    assert "kind: Job" in job
    assert re.search(r"helm\.sh/hook:\s*pre-install,pre-upgrade", job)
    assert "helm.sh/hook-weight" in job and "helm.sh/hook-delete-policy" in job
    assert re.search(r"migrate_schemas\W+--noinput", job)
    # The Job reads the ConfigMap and the Secret, so they must exist before it: hooks with a
    # lower weight.
    for name in ("configmap.yaml", "secret.yaml"):
        other = _read(TEMPLATES / name)
        assert re.search(r"helm\.sh/hook:\s*pre-install,pre-upgrade", other), name
        assert re.search(r'helm\.sh/hook-weight:\s*"-\d+"', other), name


def test_ingress_covers_the_base_domain_and_its_wildcard():
    ingress = _read(TEMPLATES / "ingress.yaml")
    assert "kind: Ingress" in ingress
    assert ".Values.baseDomain" in ingress
    assert '"*.' in ingress, "a wildcard host *.<baseDomain>"
    assert ".Values.ingress.className" in ingress and "ingressClassName" in ingress
    assert ".Values.ingress.tls.enabled" in ingress


def test_web_probes_hit_the_health_endpoints_with_the_base_domain_as_host():
    web = _read(TEMPLATES / "deployment-web.yaml")
    for probe, values_key in (("livenessProbe", "liveness"), ("readinessProbe", "readiness")):
        block = web.split(f"{probe}:", 1)[1].split("Probe:", 1)[0]
        assert f"path: {{{{ .Values.web.probes.{values_key}.path }}}}" in block, probe
        assert "port: http" in block, probe
        # Hosts are resolved to associations before any view runs: a pod IP would get 404.
        assert "name: Host" in block and ".Values.baseDomain" in block, probe
    assert "containerPort: 8000" in web
    assert ".Values.web.resources" in web


def test_pods_run_non_root_on_a_read_only_filesystem():
    helpers = _read(TEMPLATES / "_helpers.tpl")
    assert ".Values.podSecurityContext" in helpers
    assert ".Values.containerSecurityContext" in helpers
    assert "mountPath: /tmp" in helpers and "emptyDir" in helpers
    for component in APP_SERVICES:
        text = _read(TEMPLATES / f"deployment-{component}.yaml")
        assert 'include "huiji.podCommon"' in text and 'include "huiji.containerCommon"' in text


def test_secret_template_has_the_secret_settings_and_an_existing_secret_option():
    secret = _read(TEMPLATES / "secret.yaml")
    assert ".Values.secrets.existingSecret" in secret
    for name in ("SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "S3_ACCESS_KEY_ID",
                 "S3_SECRET_ACCESS_KEY", "SENTRY_DSN"):
        assert f"{name}:" in secret, name
    values = _values()
    assert all(v in ("", None) for v in values["secrets"].values()), "no secrets in values.yaml"


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: p.name)
def test_template_actions_and_blocks_are_balanced(path):
    text = _read(path)
    assert text.count("{{") == text.count("}}")
    opened = len(BLOCK_OPEN.findall(text))
    closed = len(BLOCK_END.findall(text))
    assert opened == closed, f"{opened} if/range/with/define blocks, {closed} ends"


def _strip_go_template(text: str) -> str:
    """The YAML skeleton of a template: lines holding only template actions are dropped, an
    action inside a line becomes a placeholder."""
    text = re.sub(r"\{\{-?\s*/\*.*?\*/\s*-?\}\}", "", text, flags=re.DOTALL)
    lines = []
    for line in text.splitlines():
        if line.strip() and not ACTION.sub("", line).strip():
            continue
        lines.append(ACTION.sub("TEMPLATED", line))
    return "\n".join(lines)


@pytest.mark.parametrize("path", _yaml_templates(), ids=lambda p: p.name)
def test_template_skeleton_is_yaml_with_kind_and_api_version(path):
    documents = [d for d in yaml.safe_load_all(_strip_go_template(_read(path))) if d]
    assert documents, "no resource"
    for document in documents:
        assert document.get("apiVersion") and document.get("kind"), document


# --- With a helm binary ---------------------------------------------------------------------------

HELM = os.environ.get("HELM_BIN") or shutil.which("helm")
REQUIRED_SETS = (
    "secrets.secretKey=test-only,secrets.dataKeys=k1=test-only,secrets.databaseUrl=postgres://u@db/huiji,"
    "secrets.celeryBrokerUrl=redis://redis:6379/0,secrets.cacheUrl=redis://redis:6379/1,"
    "config.s3.bucket=media"
)


@pytest.mark.skipif(not HELM, reason="no helm binary (set HELM_BIN or put helm on PATH)")
def test_chart_lints_and_renders_with_helm(tmp_path):
    env = {**os.environ, "HELM_CACHE_HOME": str(tmp_path / "cache"),
           "HELM_CONFIG_HOME": str(tmp_path / "config"), "HELM_DATA_HOME": str(tmp_path / "data")}
    run = {"capture_output": True, "text": True, "env": env, "timeout": 120}
    lint = subprocess.run([HELM, "lint", "--strict", str(CHART), "--set", REQUIRED_SETS], **run)
    assert lint.returncode == 0, lint.stdout + lint.stderr

    all_on = REQUIRED_SETS + (",web.autoscaling.enabled=true,worker.autoscaling.enabled=true,"
                              "ingress.tls.enabled=true")
    rendered = subprocess.run([HELM, "template", "huiji", str(CHART), "--set", all_on], **run)
    assert rendered.returncode == 0, rendered.stderr
    kinds = [d["kind"] for d in yaml.safe_load_all(rendered.stdout) if d]
    assert kinds.count("Deployment") == 3
    assert kinds.count("HorizontalPodAutoscaler") == 2
    assert {"Job", "Ingress", "Service", "ConfigMap", "Secret"} <= set(kinds)
    assert '- host: "*.huiji.example.com"' in rendered.stdout

    missing = subprocess.run([HELM, "template", "huiji", str(CHART)], **run)
    assert missing.returncode != 0, "rendering without the required secrets must fail"


SDK_MODULES = ("wechatpayv3", "alipay", "aliyunsdkcore", "tencentcloud")


def test_provider_sdks_are_test_only():
    """The payment and SMS providers' SDKs are dev extras for the conformance tests: no
    module the application runs imports them (the Docker image does not install them)."""
    import ast

    offenders = []
    for folder in ("platform", "tenants", "shared_apps", "tenant_apps"):
        for path in (ROOT / folder).rglob("*.py"):
            if "tests" in path.relative_to(ROOT).parts or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(_read(path))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names
                              if n.split(".")[0] in SDK_MODULES]
    assert offenders == []
    pyproject = _read(ROOT / "pyproject.toml")
    dev = pyproject.split("[project.optional-dependencies]")[1]
    runtime = pyproject.split("[project.optional-dependencies]")[0]
    for package in ("wechatpayv3", "python-alipay-sdk", "alipay-sdk-python",
                    "aliyun-python-sdk-core", "tencentcloud-sdk-python-common"):
        assert f'"{package}' in dev and f'"{package}' not in runtime
        assert re.search(rf"^{re.escape(package)}==", _read(ROOT / "constraints.txt"), re.M)
