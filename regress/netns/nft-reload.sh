#!/usr/bin/env bash
# reload.sh's scenarios (SIGHUP, the allowlist) under backend nftables.
BACKEND=nftables TEST_TAG=nftables exec bash "$(dirname "$0")/reload.sh"
