#!/usr/bin/env bash
# redis.sh's scenarios (the shared whitelist between three hosts) under
# backend nftables: the peers' entries reach each host's kernel sets.
BACKEND=nftables TEST_TAG=nftables exec bash "$(dirname "$0")/redis.sh"
