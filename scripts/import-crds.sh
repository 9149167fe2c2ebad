#!/usr/bin/env bash
# Regenerates imports/ from the prometheus-operator CRDs (ServiceMonitor, PodMonitor,
# PrometheusRule, Probe). Source: prometheus-operator v0.93.0 (Apache-2.0); the CRD files
# are vendored in imports/crds/ (used by the schema tests too). To upgrade, replace
# imports/crds/*.yaml with the new release's files and run `npm run import:crds`.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in servicemonitors podmonitors prometheusrules probes; do
  cat "imports/crds/monitoring.coreos.com_${f}.yaml"
  echo '---'
done > "$tmp/crds.yaml"
npx cdk8s import "$tmp/crds.yaml" --output imports --language typescript --save=false
