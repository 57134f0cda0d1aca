#!/usr/bin/env bash
# control.sh's scenarios (mxallowctl) under backend nftables.
BACKEND=nftables TEST_TAG=nftables exec bash "$(dirname "$0")/control.sh"
