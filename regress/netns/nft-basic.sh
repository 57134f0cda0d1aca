#!/usr/bin/env bash
# nfqueue.sh's scenarios (reset and drop, expiry and refresh, prefix
# grouping, statistics) under backend nftables.
BACKEND=nftables TEST_TAG=nftables exec bash "$(dirname "$0")/nfqueue.sh"
