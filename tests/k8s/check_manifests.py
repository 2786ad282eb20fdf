"""The Kubernetes manifests in deploy/k8s/ (issue 16 item 5) are valid and say what compose says.

1. Every resource validates against Kubernetes' own schema (the PyPI package kubernetes-validate,
   strict: a field the schema does not know is an error), and a copy broken on purpose does not:
   the check can fail.
2. kustomization.yaml lists every manifest of the folder, and each image it names is one a manifest
   runs.
3. Each container is a compose service of the same name: the same image, its ports among those the
   service listens on, and no setting (environment variable) that the compose service does not pass
   (compose/*/docker-compose.e2e.yml): the manifests cannot invent or misspell one.
4. The pod's runAsUser is the user compose runs the service as: its `user:`, else the image's own
   (`id -u` in the provisioned image, so Docker must be there: `runAsNonRoot` needs a number, and a
   wrong one leaves a service unable to write its home or data).

Usage: python tests/k8s/check_manifests.py [project root]     (exit 1 naming each problem)
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

KUBERNETES_VERSION = "1.33.0"
COMPOSE = ("compose/media/docker-compose.e2e.yml", "compose/sts/docker-compose.e2e.yml")


def schema_problems(doc: dict[str, Any], where: str) -> list[str]:
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as e:
        path = ".".join(str(p) for p in e.path)
        return [f"{where}: {path}: {e.message}"]
    except kubernetes_validate.SchemaNotFoundError as e:
        return [f"{where}: no schema for {e}"]
    return []


def load_manifests(folder: Path) -> dict[str, list[dict[str, Any]]]:
    return {p.name: [d for d in yaml.safe_load_all(p.read_text()) if d] for p in sorted(folder.glob("*.yaml"))}


def compose_services(root: Path) -> dict[str, dict[str, Any]]:
    """Per compose service: its image, the ports it listens on inside, the variables it passes."""
    services = {}
    for file in COMPOSE:
        for name, svc in yaml.safe_load((root / file).read_text())["services"].items():
            ports = set()
            for p in svc.get("ports", []):
                # "${DUB_PUBLISH_ADDRESS:-127.0.0.1}:${STS_PORT:-3000}:${STS_PORT:-3000}": the defaults, the last
                ports.add(re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(p)).rsplit(":", 1)[-1])
            health = " ".join(str(t) for t in svc.get("healthcheck", {}).get("test", []))
            ports.update(re.findall(r"localhost:(\d+)", health))  # a port only the health check uses
            env = {str(e).split("=", 1)[0] for e in svc.get("environment", [])}
            user = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(svc.get("user", ""))).split(":")[0]
            services[name] = {"image": svc["image"], "ports": ports, "env": env, "file": file, "user": user}
    return services


def image_uid(image: str) -> str:
    """The uid an image's USER runs as, from the image itself."""
    cmd = ["docker", "run", "--rm", "--network", "none", "--entrypoint", "id", image, "-u"]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120).stdout.strip()
    except (OSError, subprocess.SubprocessError) as e:
        err = getattr(e, "stderr", "") or e
        hint = "provision it first: scripts/provision-images"
        raise RuntimeError(f"cannot read the uid of {image} ({err}); {hint}") from e


def user_problems(doc: dict[str, Any], svc: dict[str, Any], where: str) -> list[str]:
    pod_user = doc["spec"]["template"]["spec"].get("securityContext", {}).get("runAsUser")
    try:
        want = svc["user"] or image_uid(svc["image"])
    except RuntimeError as e:
        return [f"{where}: {e}"]
    if str(pod_user) != want:
        return [f"{where}: runAsUser {pod_user}, but compose runs {svc['image']} as uid {want}"]
    return []


def container_problems(doc: dict[str, Any], services: dict[str, dict[str, Any]], where: str) -> list[str]:
    problems = []
    for c in doc["spec"]["template"]["spec"]["containers"]:
        svc = services.get(c["name"])
        if svc is None:
            problems.append(f"{where}: container {c['name']} is no compose service ({', '.join(sorted(services))})")
            continue
        problems += user_problems(doc, svc, where)
        if c["image"] != svc["image"].split(":")[0]:
            problems.append(f"{where}: {c['name']} runs {c['image']}, compose {svc['image']} (the tag is kustomize's)")
        for p in c.get("ports", []):
            if str(p["containerPort"]) not in svc["ports"]:
                problems.append(
                    f"{where}: {c['name']} port {p['containerPort']}: compose's service listens on "
                    f"{', '.join(sorted(svc['ports']))}"
                )
        for e in c.get("env", []):
            if e["name"] not in svc["env"]:
                problems.append(f"{where}: {c['name']} sets {e['name']}, which {svc['file']} does not pass")
    return problems


def check(root: Path) -> list[str]:
    folder = root / "deploy/k8s"
    manifests = load_manifests(folder)
    kustomization = manifests.pop("kustomization.yaml", [None])[0]
    if not kustomization:
        return [f"{folder}/kustomization.yaml: missing"]
    problems = []
    if sorted(kustomization.get("resources", [])) != sorted(manifests):
        problems.append(
            f"kustomization.yaml: resources {kustomization.get('resources')} are not the folder's {sorted(manifests)}"
        )
    services = compose_services(root)
    images = set()
    for name, docs in manifests.items():
        for i, doc in enumerate(docs):
            where = f"{name}[{i}] {doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
            problems += schema_problems(doc, where)
            if doc.get("kind") == "Deployment":
                problems += container_problems(doc, services, where)
                images.update(c["image"] for c in doc["spec"]["template"]["spec"]["containers"])
    for image in kustomization.get("images", []):
        if image["name"] not in images:
            problems.append(f"kustomization.yaml: image {image['name']} is run by no manifest")
    # The check can fail: a Deployment with a misspelt field is refused.
    deployment = next(d for docs in manifests.values() for d in docs if d.get("kind") == "Deployment")
    broken = copy.deepcopy(deployment)
    broken["spec"]["replica"] = broken["spec"].pop("replicas", 1)
    if not schema_problems(broken, "broken copy"):
        problems.append("a Deployment with spec.replica (misspelt) passed the schema check: the check cannot fail")
    return problems


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parents[2])
    problems = check(root)
    for p in problems:
        print(f"check_manifests: {p}", file=sys.stderr)
    if not problems:
        print(f"check_manifests: deploy/k8s valid against Kubernetes {KUBERNETES_VERSION} and compose")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
