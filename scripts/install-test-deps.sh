#!/usr/bin/env bash
# System packages the tests use (headless Chromium for browser tests, HAProxy in front of
# the two Rasa replicas of tests/e2e/test_replicas.py, kubectl for the Kubernetes manifests
# of deploy/kubernetes), installed only if missing;
# PostgreSQL and Redis are the machine's own services.
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
command -v kubectl >/dev/null || need+=(kubectl)  # its kustomize renders deploy/kubernetes
if [ "${#need[@]}" -gt 0 ]; then
  echo "install-test-deps: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq </dev/null >/dev/null
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" </dev/null >/dev/null
fi
