#!/usr/bin/env bash
# scenarios/schema.json against rangectl's own loader.
#
# usage: tests/schema/run.sh BUILD
#
# Every scenario of the repository must pass the schema (and rangectl
# validate). Every broken scenario of tests/scenarios (X.yaml beside its
# expected errors X.err) that rangectl rejects for a reason a schema can
# express must fail the schema too; the others are listed below, each with
# the reason, and must still fail rangectl validate. And one change at a
# time to tests/schema/base.yaml (check.py's list) must get the same answer
# from both, so the schema gives no false alarm on what rangectl accepts.
# Needs Debian's python3-jsonschema and python3-yaml (installed if missing);
# runs /usr/bin/python3, the Python they are installed for.
set -u
build=${1:?usage: tests/schema/run.sh BUILD}
cd "$(dirname "$0")/../.." || exit 1
rangectl=$build/rangectl

missing=()
for p in python3-jsonschema python3-yaml; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" -ne 0 ]; then
	echo "# left out: it needs ${missing[*]}, which only root can install"
	echo "0 passed, 0 failed"
	exit 0
elif [ ${#missing[@]} -gt 0 ]; then
	echo "# installing: ${missing[*]}"
	install() {
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${missing[@]}" >/dev/null 2>&1
	}
	install || { apt-get update -qq >/dev/null 2>&1 && install; } || {
		echo "FAIL cannot install ${missing[*]}"
		echo "0 passed, 1 failed"
		exit 1
	}
fi

# The broken scenarios no schema can catch: NAME VERDICT REASON, where
# VERDICT is "yaml" when the YAML parser itself refuses the file (an editor
# says so before any schema), "pass" when the file is good YAML that the
# schema accepts, and only rangectl's cross-checks and plan can tell.
uncaught=$(mktemp)
trap 'rm -f "$uncaught"' EXIT
cat >"$uncaught" <<'EOF'
bad-alias                  yaml  an alias of no anchor is bad YAML (rangectl refuses every alias: YAML bombs)
bad-duplicate-key          yaml  YAML 1.2 wants unique keys (PyYAML alone would keep the last)
bad-tab                    yaml  a tab in the indentation
bad-two-documents          yaml  a second document (---)
bad-yaml-syntax            yaml  a flow sequence left open
bad-anchor                 pass  an anchor is good YAML; rangectl refuses it (YAML bombs)
bad-cidr-host-bits         pass  address arithmetic: bits set past the prefix length
bad-duplicate-team         pass  a duplicate id
bad-inject-duplicate       pass  a duplicate id
bad-service-duplicate      pass  a duplicate id
bad-member-two-teams       pass  a name in two lists
bad-instructor-member      pass  a name in two lists
bad-from-no-match          pass  which hosts a selector matches
bad-selector-no-match      pass  which hosts a selector matches
bad-selector-unknown-host  pass  a reference to a host
bad-selector-unknown-team  pass  a reference to a team
bad-gateway-unknown        pass  a reference to a host
bad-gateway-not-on-network pass  the gateway's NICs
bad-gateway-one-team       pass  the gateway's per_team against the network's
bad-host-unknown-image     pass  a reference to an image
bad-host-unknown-team      pass  a reference to a team
bad-inject-message-unknown-team pass  a reference to a team
bad-inject-nic-unknown     pass  a reference to a network
bad-inject-nic-not-on-target pass  the target's NICs
bad-nic-unknown-network    pass  a reference to a network
bad-nic-same-network       pass  two NICs of a host on one network
bad-nic-role-network       pass  the network's per_team against the host's team's role
bad-inject-after-end       pass  at against exercise.duration
bad-scoring-timeout        pass  timeout against interval
bad-ip-broadcast           pass  address arithmetic (the plan)
bad-vpn-listen-inside      pass  address arithmetic: the VPN endpoint inside a network (the plan)
bad-vpn-overlap            pass  address arithmetic: the VPN pool overlaps a network (the plan)
bad-ip-network             pass  address arithmetic (the plan)
bad-ip-outside             pass  address arithmetic (the plan)
bad-ip-reserved            pass  address arithmetic (the plan)
bad-ip-taken               pass  an address taken twice (the plan)
bad-ip-too-big             pass  address arithmetic (the plan)
bad-network-full           pass  a network's addresses exhausted (the plan)
bad-overlap-per-team       pass  overlapping networks (the plan)
bad-overlap-shared         pass  overlapping networks (the plan)
bad-many-plan              pass  addresses and selectors (the plan)
bad-nodes-too-small        pass  the range's sum against its nodes (the plan)
bad-service-placeholder    pass  which placeholders a check's texts know
bad-inject-breaks          pass  a reference to a service
bad-flag-duplicate         pass  a duplicate id
bad-flag-red-host          pass  the role of the team a selector names
bad-flag-no-blue           pass  which hosts a selector matches
bad-outage-decimals        pass  a weight's decimals (multipleOf 0.001 is not exact in binary floating point)
bad-coalition-duplicate    pass  a duplicate id
bad-coalition-red          pass  the role of a team a circle names
bad-coalition-unknown      pass  a reference to a team
EOF

good=(scenarios/*.yaml tests/e2e/*.yaml tests/engine/*.yaml tests/provision/*.yaml
	tests/schema/base.yaml)
broken=()
for f in tests/scenarios/*.yaml; do
	if [ -f "${f%.yaml}.err" ]; then broken+=("$f"); else good+=("$f"); fi
done

log=$(mktemp)
trap 'rm -f "$uncaught" "$log"' EXIT
/usr/bin/python3 tests/schema/check.py scenarios/schema.json "$rangectl" "$uncaught" \
	"${good[@]}" -- "${broken[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^FAIL ' "$log")
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "FAIL check.py exited $rc"
	failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
