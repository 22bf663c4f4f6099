#!/usr/bin/env bash
# ngxfix against crossplane, gixy-next and `nginx -t` on the generated trees.
# Installs the Python peers (pinned) in a virtualenv under target/, runs
# `cargo bench --bench peers` (extra arguments select tree sizes: 1000 5000
# 20000), and copies the table and the plot to docs/benchmarks/.
# Needs python3 with venv, and nginx (Debian: apt-get install -y nginx-light).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/peers-venv
if [ ! -x "$venv/bin/gixy" ] || [ ! -x "$venv/bin/crossplane" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        crossplane==0.5.8 gixy-next==0.9.0
fi
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] ||
    echo "nginx not found: its column will say so" >&2

PEERS_VENV="$PWD/$venv" cargo bench --locked --bench peers -- "$@"
mkdir -p docs/benchmarks
cp target/peers/peers.md target/peers/peers.svg docs/benchmarks/
echo "docs/benchmarks/peers.md and peers.svg updated"
