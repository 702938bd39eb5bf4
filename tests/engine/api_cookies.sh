#!/usr/bin/env bash
# tests/engine/api.sh's role matrix again, each person calling with the
# session cookie of a password login (and its CSRF token and Origin)
# instead of a token: the same statuses.
#
# usage: tests/engine/api_cookies.sh BUILD
API_AUTH=cookie exec "$(dirname "$0")/api.sh" "$@"
