#!/usr/bin/env bash
# Installs what AUTON needs on Debian 12: the kernel toolchain and QEMU, Chromium and the
# build tools code-server's native modules need (for the extension tests), the PCI ID database
# the SLM corpus is built from (`auton slm data` fetches a kernel package for modules.alias
# itself, into slm/.cache/), then the npm packages. Idempotent: apt is skipped when every
# package is already installed.
# Run as root, or as a user with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  qemu-system-x86 qemu-system-arm qemu-system-misc
  nasm clang lld llvm gdb-multiarch clangd
  grub-pc-bin grub-common xorriso mtools opensbi
  chromium libkrb5-dev ripgrep build-essential
  git ca-certificates python3
  pci.ids
)

missing=()
for package in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
  fi
  echo "setup: installing ${#missing[@]} Debian package(s): ${missing[*]}"
  "${sudo[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${packages[@]}"
else
  echo "setup: all ${#packages[@]} Debian packages present"
fi

npm ci --no-audit --no-fund
echo "setup: done"
