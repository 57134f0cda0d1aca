#!/usr/bin/env bash
# state.sh's scenarios (the state file across kill -9, clean stops,
# corrupt files) under backend nftables.
BACKEND=nftables TEST_TAG=nftables exec bash "$(dirname "$0")/state.sh"
