#!/usr/bin/env bash
# rdns.sh's scenarios (reverse-DNS whitelisting) under backend nftables.
BACKEND=nftables TEST_TAG=nftables exec bash "$(dirname "$0")/rdns.sh"
