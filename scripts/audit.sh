#!/usr/bin/env bash
# Known vulnerabilities in the installed dependencies, checked with pip-audit.
#
#   bash scripts/audit.sh
#
# Exit status: 0 when no known vulnerability was found, 1 when one was,
# 2 when the audit itself could not run. When the vulnerability service
# cannot be reached (no network, or an index mirror without vulnerability
# data), it says so on stderr, names what went unchecked, and exits 0:
# only a vulnerability fails the build (set CPS_AUDIT_STRICT=1 to fail then too).
#
# Environment:
#   CPS_AUDIT_SERVICE   pypi (default) or osv
#   CPS_AUDIT_OSV_URL   an OSV query endpoint (with CPS_AUDIT_SERVICE=osv)
#   CPS_AUDIT_IGNORE    comma-separated vulnerability ids accepted for now
#   CPS_AUDIT_STRICT    1: an unreachable service fails the audit too
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

if ! "$PY" -m pip_audit --version >/dev/null 2>&1; then
    echo "audit: installing pip-audit" >&2
    "$PY" -m pip install --quiet pip-audit || { echo "audit: cannot install pip-audit" >&2; exit 2; }
fi

exec "$PY" - "$@" <<'PYTHON'
import json
import os
import subprocess
import sys
import tempfile

UNREACHABLE = (
    "ConnectionError", "ConnectTimeout", "ReadTimeout", "NameResolutionError",
    "Max retries exceeded", "Could not connect", "Connection refused", "timed out",
)
NOT_KNOWN = "not found on PyPI"

service = os.environ.get("CPS_AUDIT_SERVICE", "pypi")
strict = os.environ.get("CPS_AUDIT_STRICT", "0") == "1"
command = [
    sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "--skip-editable",
    "--vulnerability-service", service, "--timeout", "15", "--format", "json",
]
if service == "osv" and os.environ.get("CPS_AUDIT_OSV_URL"):
    command += ["--osv-url", os.environ["CPS_AUDIT_OSV_URL"]]
for vuln_id in filter(None, os.environ.get("CPS_AUDIT_IGNORE", "").split(",")):
    command += ["--ignore-vuln", vuln_id.strip()]


def unreachable(reason: str, unchecked: list[str]) -> None:
    print(f"audit: the vulnerability service ({service}) could not be reached: {reason}",
          file=sys.stderr)
    if unchecked:
        print(f"audit: NOT checked ({len(unchecked)}): {', '.join(unchecked)}", file=sys.stderr)
    if strict:
        print("audit: FAIL (CPS_AUDIT_STRICT=1)", file=sys.stderr)
        sys.exit(2)
    print("audit: no known vulnerability found in what could be checked", file=sys.stderr)
    sys.exit(0)


with tempfile.TemporaryDirectory() as folder:
    report_path = os.path.join(folder, "report.json")
    run = subprocess.run([*command, "--output", report_path], capture_output=True, text=True)
    try:
        with open(report_path) as f:
            report = json.load(f)
    except (OSError, ValueError):
        report = None

if report is None:
    detail = (run.stderr.strip().splitlines() or ["no output"])[-1]
    if any(marker in run.stderr for marker in UNREACHABLE):
        unreachable(detail, [])
    print(f"audit: pip-audit could not run: {detail}", file=sys.stderr)
    sys.exit(2)

dependencies = report.get("dependencies", [])
vulnerable = [d for d in dependencies if d.get("vulns")]
skipped = [d for d in dependencies if d.get("skip_reason")]
checked = len(dependencies) - len(skipped)
for dep in vulnerable:
    for vuln in dep["vulns"]:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
        ids = " / ".join(dict.fromkeys([vuln["id"], *(vuln.get("aliases") or [])]))
        print(f"audit: {dep['name']} {dep['version']}: {ids} (fixed in: {fixes}) "
              f"{vuln.get('description', '')[:160]}", file=sys.stderr)
if vulnerable:
    count = sum(len(d["vulns"]) for d in vulnerable)
    print(f"audit: FAIL: {count} known vulnerabilit{'y' if count == 1 else 'ies'} in "
          f"{len(vulnerable)} package(s)", file=sys.stderr)
    sys.exit(1)
unknown = [d["name"] for d in skipped if NOT_KNOWN in d["skip_reason"]]
if dependencies and checked == 0 and unknown:
    # Every package unknown to the service: the index answering is a mirror
    # without vulnerability data, or the service is down.
    unreachable(f"it knows none of the {len(dependencies)} installed packages", unknown)
for dep in skipped:
    print(f"audit: skipped {dep['name']}: {dep['skip_reason']}", file=sys.stderr)
print(f"audit: OK: {checked} packages checked against {service}, no known vulnerability",
      file=sys.stderr)
PYTHON
