#!/usr/bin/env bash
# Installs the system packages and npm dependencies the tests and the
# rehearsal need, and checks the tools that cannot be installed from a
# package registry (Terraform and its AWS provider mirror).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(podman buildah skopeo docker-registry podman-docker openssl hyperfine)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v terraform >/dev/null 2>&1; then
  echo "setup: terraform is not on PATH. Install Terraform 1.11 or newer (the tests apply real configurations)." >&2
  exit 1
fi
version=$(terraform version -json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).terraform_version))')
if ! node -e 'const [a,b]=process.argv[1].split(".").map(Number);process.exit(a>1||(a===1&&b>=11)?0:1)' "$version"; then
  echo "setup: terraform $version is too old. Install Terraform 1.11 or newer." >&2
  exit 1
fi
mirror=${KIT_PROVIDER_MIRROR:-/opt/tf-plugins}
if ! ls -d "$mirror"/registry.terraform.io/hashicorp/aws/5.* >/dev/null 2>&1; then
  echo "setup: no AWS provider 5.x in the filesystem mirror $mirror (expected $mirror/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64). Set KIT_PROVIDER_MIRROR to the mirror folder." >&2
  exit 1
fi
if ! command -v moto_server >/dev/null 2>&1; then
  echo "setup: moto_server is not on PATH. Install moto 5.2 with its server extras (pip install 'moto[server]')." >&2
  exit 1
fi
moto_version=$(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null) || {
  echo "setup: python3 cannot import moto. Install moto 5.2 with its server extras (pip install 'moto[server]')." >&2
  exit 1
}
echo "setup: terraform $version, AWS provider mirror $mirror, moto $moto_version"

if [ "${KIT_SKIP_NPM_CI:-}" != "1" ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
