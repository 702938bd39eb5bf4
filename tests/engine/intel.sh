#!/usr/bin/env bash
# Shared intelligence (issue 14, point 2), rehearsed on libvirt's test
# driver with tests/engine/intel.yaml (circles west: ro+ua, east: md+ua):
# blue trainees record observations through POST /api/v1/intel, one or a
# STIX 2.1 bundle; each reaches exactly the teams its TLP lets receive
# it, on GET /api/v1/intel, on the live stream and in the STIX export
# (GET /api/v1/intel?format=stix); red sees TLP:CLEAR alone; staff see
# all. Bad observations and hostile bundles are refused with a sentence
# (400) or as too large (413). The export read back in (import) and out
# again keeps every indicator and TLP. Every export is also read by
# tests/stix/read.py, an independent STIX 2.1 reader written from the
# specification alone.
#
# usage: tests/engine/intel.sh BUILD
set -u
build=$(realpath "${1:?usage: intel.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
E2E_PACKAGES+=(curl)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }

rh_start intel
state=$RH_DIR/state
scenario=$PWD/tests/engine/intel.yaml
rh_api_start "$build/rangectl" run "$scenario" --connect test:///default --speed "${INTEL_SPEED:-5}" --wait \
	--keepalive 1s --linger 60s --listen 127.0.0.1:8080 --state "$state"

declare -A T=()
for who in control prof ana ion olena eve; do T[$who]=$(tok "$who"); done

# post WHO BODY [CONTENT-TYPE]: the status, then the body on the next line
post() {
	local out
	out=$(c -w '\n%{http_code}' -X POST -H "Authorization: Bearer ${T[$1]}" \
		-H "Content-Type: ${3:-application/json}" --data-binary "$2" "$base/api/v1/intel")
	printf '%s\n%s\n' "${out##*$'\n'}" "${out%$'\n'*}"
}
# seen WHO: the ids of what GET /intel gives WHO, in its order, on one line
seen() { c -H "Authorization: Bearer ${T[$1]}" "$base/api/v1/intel" | jq -r '[.[].id] | join(" ")'; }
# export WHO FILE: WHO's STIX export into FILE
export_stix() { c -H "Authorization: Bearer ${T[$1]}" "$base/api/v1/intel?format=stix" >"$2"; }

for who in ana ion olena eve prof; do
	rh_exec curl -s -N -m 20 "$base/api/v1/events?token=${T[$who]}" >"$RH_DIR/sse-$who" &
done
c -o /dev/null -X POST -H "Authorization: Bearer ${T[control]}" "$base/api/v1/exercise/start"
sleep 1

sha=9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08
mapfile -t r < <(post ana "$(jq -cn --arg s "$sha" '{tlp: "TLP:AMBER", technique: "T1491.002",
	indicators: [{type: "ipv4", value: "198.51.100.7"}, {type: "sha256", value: $s},
	{type: "domain", value: "Evil.Example"}], text: "defaced from there", seen: 1}')")
e2e_check "ana's TLP:AMBER observation: 201 ro-o1 (got ${r[*]})" test "${r[0]} $(jq -r .id <<<"${r[1]}")" = "201 ro-o1"
mapfile -t r < <(post ana '{"tlp":"TLP:RED","indicators":[{"type":"url","value":"HTTP://10.1.1.10/x"}]}')
e2e_check "ana's TLP:RED observation: 201 ro-o2" test "${r[0]} $(jq -r .id <<<"${r[1]}")" = "201 ro-o2"
mapfile -t r < <(post olena '{"tlp":"TLP:CLEAR","indicators":[{"type":"email","value":"boss@Phish.Example"}],"text":"it\u0027s phishing"}')
e2e_check "olena's TLP:CLEAR observation: 201 ua-o1" test "${r[0]} $(jq -r .id <<<"${r[1]}")" = "201 ua-o1"
mapfile -t r < <(post olena '{"tlp":"TLP:AMBER","technique":"T1110"}')
e2e_check "olena's TLP:AMBER observation (a technique alone): 201 ua-o2" test "${r[0]} $(jq -r .id <<<"${r[1]}")" = "201 ua-o2"
mapfile -t r < <(post olena '{"tlp":"TLP:AMBER+STRICT","indicators":[{"type":"ipv6","value":"2001:DB8:0:0::1"}]}')
e2e_check "olena's TLP:AMBER+STRICT observation: 201 ua-o3" test "${r[0]} $(jq -r .id <<<"${r[1]}")" = "201 ua-o3"
mapfile -t r < <(post ion '{"tlp":"TLP:GREEN","indicators":[{"type":"file_name","value":"evil.exe"},{"type":"md5","value":"D41D8CD98F00B204E9800998ECF8427E"}]}')
e2e_check "ion's TLP:GREEN observation: 201 md-o1" test "${r[0]} $(jq -r .id <<<"${r[1]}")" = "201 md-o1"

e2e_check "the journal holds each with its audience worked out once" test "$(rh_jq "$state" \
	'[.[] | select(.type=="intel") | "\(.id):\(.to | join(","))"] | join(" ")')" = \
	"ro-o1:ro,ua,white ro-o2:ro,white ua-o1:ro,md,ua,red,white ua-o2:ro,md,ua,white ua-o3:ua,white md-o1:md,ua,white"
e2e_check "indicators are normalized: hashes, domains, emails and URL heads in lowercase, IPv6 shortest" test "$(rh_jq "$state" \
	'[.[] | select(.type=="intel") | .indicators[] | .value] | join(" ")')" = \
	"198.51.100.7 ${sha,,} evil.example http://10.1.1.10/x boss@phish.example 2001:db8::1 evil.exe d41d8cd98f00b204e9800998ecf8427e"
e2e_check "seen is the time given, or the time of recording" test "$(rh_jq "$state" \
	'[.[] | select(.type=="intel")] | (.[0].seen == 1) and (.[1].seen > 1) and (.[1].seen <= .[1].t)')" = true

# Who sees what on GET, newest first.
e2e_check "ana (ro) sees her own and ua's shared, not md's: $(seen ana)" test "$(seen ana)" = "ua-o2 ua-o1 ro-o2 ro-o1"
e2e_check "ion (md) sees ua's shared and his own, nothing of ro's: $(seen ion)" test "$(seen ion)" = "md-o1 ua-o2 ua-o1"
e2e_check "olena (ua) sees ro's and md's shared and her own: $(seen olena)" test "$(seen olena)" = "md-o1 ua-o3 ua-o2 ua-o1 ro-o1"
e2e_check "eve (red) sees TLP:CLEAR alone: $(seen eve)" test "$(seen eve)" = "ua-o1"
for who in prof control; do
	e2e_check "$who (staff) sees all six, newest first" test "$(seen "$who")" = "md-o1 ua-o3 ua-o2 ua-o1 ro-o2 ro-o1"
done

# Refusals: who, and what.
mapfile -t r < <(post eve '{"tlp":"TLP:CLEAR","technique":"T1110"}')
e2e_check "red may not record observations: 403" test "${r[0]}" = 403
mapfile -t r < <(post prof '{"tlp":"TLP:CLEAR","technique":"T1110"}')
e2e_check "an instructor may not either: 403" test "${r[0]}" = 403
bad() { # bad NAME BODY STATUS SENTENCE-PART
	local out ok=false
	mapfile -t out < <(post ana "$2")
	[ "${out[0]}" = "$3" ] && jq -r .error <<<"${out[1]}" | grep -qF -- "$4" && ok=true
	e2e_check "$1: $3 naming it (got ${out[*]})" test "$ok" = true
}
bad "a TLP that is not TLP 2.0" '{"tlp":"TLP:WHITE","technique":"T1110"}' 400 "not 'TLP:WHITE'"
bad "no TLP" '{"technique":"T1110"}' 400 "'tlp' must be"
bad "an address that is none" '{"tlp":"TLP:RED","indicators":[{"type":"ipv4","value":"300.1.1.1"}]}' 400 "'300.1.1.1' is not a ipv4"
long=$(printf 'x%.0s' $(seq 1008))	# http://a.example/ (17) + 1008 = 1025 bytes
bad "an indicator over 1024 bytes, as POST /reports refuses it" "{\"tlp\":\"TLP:RED\",\"indicators\":[{\"type\":\"url\",\"value\":\"http://a.example/$long\"}]}" 400 "is not a url: it is over 1024 bytes"
bad "an unknown type" '{"tlp":"TLP:RED","indicators":[{"type":"mutex","value":"x"}]}' 400 "not 'mutex'"
bad "a technique that is none" '{"tlp":"TLP:RED","technique":"X1"}' 400 "'X1' is not a technique id"
bad "an unknown field" '{"tlp":"TLP:RED","technique":"T1110","secret":1}' 400 "'secret' is not a field"
bad "nothing observed" '{"tlp":"TLP:RED","text":"hm"}' 400 "needs an indicator or a technique"
bad "a seen in the future" '{"tlp":"TLP:RED","technique":"T1110","seen":99999}' 409 "later than now"
bad "not JSON" '{"tlp":' 400 "must be a JSON object"
bundle() { jq -cn --arg p "$1" '{type: "bundle", id: "bundle--1", objects: [{type: "indicator", spec_version: "2.1",
	id: "indicator--6e1e7a8c-9a0b-4d7e-8f00-000000000001", pattern: $p, pattern_type: "stix",
	valid_from: "2026-01-01T00:00:00Z"}]}'; }
bad "a pattern with AND" "$(bundle "[ipv4-addr:value = '1.2.3.4' AND ipv4-addr:value = '1.2.3.5']")" 400 \
	"indicator 'indicator--6e1e7a8c-9a0b-4d7e-8f00-000000000001' (objects[0]): its pattern is not read"
bad "a pattern with a qualifier" "$(bundle "[ipv4-addr:value = '1.2.3.4'] WITHIN 5 SECONDS")" 400 "no AND, FOLLOWEDBY or qualifiers"
bad "a pattern on another property" "$(bundle "[process:name = 'x']")" 400 "compares a property rangectl does not read"
bad "a pattern left open" "$(bundle "[ipv4-addr:value = '1.2.3.4")" 400 "a string is not closed"
bad "a pattern's value of the wrong form" "$(bundle "[ipv4-addr:value = 'nope']")" 400 "the bundle's indicator 1: 'indicators[0].value' 'nope' is not a ipv4"
bad "a bundle without indicators" '{"type":"bundle","id":"bundle--1","objects":[{"type":"identity"}]}' 400 "holds no indicator"
many=$(jq -cn '{type: "bundle", id: "bundle--1", objects: [range(1001) | {type: "x-thing"}]}')
bad "a bundle of 1001 objects" "$many" 400 "holds 1001 objects"
deep=$(printf '%0.s[' $(seq 5000))
bad "JSON nested 5000 deep" "{\"type\":\"bundle\",\"objects\":$deep" 400 "must be a JSON object"
huge=$(jq -cn '{type: "bundle", id: "bundle--1", objects: [range(3000) | {type: "indicator", pattern: "[ipv4-addr:value = '"'"'1.2.3.4'"'"']"}]}')
printf '%s' "$huge" >"$RH_DIR/huge.json"
code=$(c -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer ${T[ana]}" \
	-H 'Content-Type: application/stix+json' --data-binary "@$RH_DIR/huge.json" "$base/api/v1/intel")
e2e_check "a bundle of $(stat -c %s "$RH_DIR/huge.json") bytes, over 64 KiB: 413 (got $code)" test "$code" = 413
e2e_check "the server still answers after the hostile bundles" test "$(seen prof | wc -w)" = 6

# The STIX export: what each may see, and nothing more.
for who in ana ion olena eve prof; do
	export_stix "$who" "$RH_DIR/$who.stix"
	want=$(seen "$who" | tr ' ' '\n' | grep -v '^ua-o2$' | sort | tr '\n' ' ')
	got=$(jq -r '[.objects[] | select(.type=="indicator") | .name] | sort | join(" ")' "$RH_DIR/$who.stix")
	e2e_check "$who's export holds the indicators of what $who sees (${want% }; a technique alone makes none)" \
		test "$got" = "${want% }"
	e2e_check "$who's export is STIX 2.1: spec_version, ids of their type, RFC 3339 Z times, refs inside" test "$(jq -r '
		(.type == "bundle") and (.id | test("^bundle--[0-9a-f-]{36}$")) and
		([.objects[] | .id as $i | .type as $t | (.spec_version == "2.1") and ($i | startswith($t + "--"))] | all) and
		([.objects[] | .created, .modified, .valid_from | select(. != null) | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z$")] | all) and
		([.objects[].id] as $ids | [.objects[] | select(.type=="indicator") | (.created_by_ref, .object_marking_refs[])
			| IN($ids[])] | all)' "$RH_DIR/$who.stix")" = true
	e2e_check "$who's export is read by the independent STIX 2.1 reader (tests/stix/read.py)" \
		sh -c "python3 tests/stix/read.py '$RH_DIR/$who.stix' >'$RH_DIR/$who.read'"
	e2e_check "  which finds one indicator per observation $who receives" test \
		"$(wc -l <"$RH_DIR/$who.read")" = "$(jq '[.objects[] | select(.type=="indicator")] | length' "$RH_DIR/$who.stix")"
done
e2e_check "the independent reader sees TLP:CLEAR alone in red's export" test \
	"$(cut -f1 "$RH_DIR/eve.read" | sort -u)" = TLP:CLEAR
e2e_check "red's export holds TLP:CLEAR's marking alone" test "$(jq -r \
	'[.objects[] | select(.type=="marking-definition") | .name] | join(" ")' "$RH_DIR/eve.stix")" = "TLP:CLEAR"
e2e_check "the TLP 2.0 markings are OASIS's (ids, extension)" test "$(jq -r '[.objects[] | select(.type=="marking-definition")
	| "\(.name)=\(.id)=\(.extensions["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"].tlp_2_0)"] | sort | join(" ")' \
	"$RH_DIR/prof.stix")" = "TLP:AMBER+STRICT=marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003=amber+strict TLP:AMBER=marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421=amber TLP:CLEAR=marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487=clear TLP:GREEN=marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb=green TLP:RED=marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1=red"
e2e_check "ro-o1's pattern, technique and text" test "$(jq -r '.objects[] | select(.name=="ro-o1") |
	"\(.pattern)|\(.external_references[0].external_id)|\(.description)"' "$RH_DIR/prof.stix")" = \
	"[ipv4-addr:value = '198.51.100.7'] OR [file:hashes.'SHA-256' = '${sha,,}'] OR [domain-name:value = 'evil.example']|T1491.002|defaced from there"
e2e_check "identities are the nations, by name" test "$(jq -r '[.objects[] | select(.type=="identity") | .name] | sort | join(" ")' \
	"$RH_DIR/prof.stix")" = "Moldova Romania Ukraine"
export_stix prof "$RH_DIR/prof2.stix"
e2e_check "the export is the same twice (UUIDv5 ids from the journal)" cmp -s "$RH_DIR/prof.stix" "$RH_DIR/prof2.stix"

# Live: each stream carried what GET shows, and nothing else.
sleep 1
for who in ana ion olena eve prof; do
	live=$(grep '^data: ' "$RH_DIR/sse-$who" | sed 's/^data: //' | jq -r 'select(.type=="intel") | .id' | sort | tr '\n' ' ')
	want=$(seen "$who" | tr ' ' '\n' | sort | tr '\n' ' ')
	e2e_check "$who's live stream carried exactly what $who may see (${want% })" test "$live" = "$want"
done
e2e_check "no trainee's stream holds ro's TLP:RED url but ana's" sh -c \
	"grep -q 'http://10.1.1.10/x' $RH_DIR/sse-ana && ! grep -q 'http://10.1.1.10/x' $RH_DIR/sse-ion $RH_DIR/sse-olena $RH_DIR/sse-eve"

# Round trip: olena's export, imported by olena, exported again.
mapfile -t r < <(post olena "$(cat "$RH_DIR/olena.stix")" 'application/stix+json')
e2e_check "olena imports her export: 201, one id per indicator (got ${r[*]})" test \
	"${r[0]} $(jq -r '.ids | join(" ")' <<<"${r[1]}")" = "201 ua-o4 ua-o5 ua-o6 ua-o7"
export_stix prof "$RH_DIR/after.stix"
# pattern and TLP of indicators named NAMES in FILE, sorted
pt() { jq -r --arg n "$2" '(.objects | map(select(.type=="marking-definition") | {(.id): .name}) | add) as $m |
	[.objects[] | select(.type=="indicator" and (.name | IN($n | split(" ")[]))) | "\($m[.object_marking_refs[0]]) \(.pattern)"] | sort | .[]' "$1"; }
e2e_check "the round trip keeps every indicator and TLP" test \
	"$(pt "$RH_DIR/olena.stix" "md-o1 ua-o3 ua-o1 ro-o1")" = "$(pt "$RH_DIR/after.stix" "ua-o4 ua-o5 ua-o6 ua-o7")"
e2e_check "an imported observation keeps its technique and text" test "$(rh_jq "$state" \
	'[.[] | select(.type=="intel" and .id=="ua-o7")][0] | "\(.technique) \(.text)"')" = "T1491.002 defaced from there"
mapfile -t r < <(post ion "$(bundle "[url:value = 'http://a.example/'] OR [email-addr:value = 'x@a.example']")" 'application/stix+json')
e2e_check "an unmarked bundle: 201 md-o2" test "${r[0]} $(jq -r .id <<<"${r[1]}")" = "201 md-o2"
e2e_check "... kept at TLP:AMBER+STRICT, for md alone" test "$(rh_jq "$state" \
	'[.[] | select(.type=="intel" and .id=="md-o2")][0] | "\(.tlp) \(.to | join(","))"')" = "TLP:AMBER+STRICT md,white"
rh_api_stop

"$build/rangectl" report "$state" >"$RH_DIR/report.txt" 2>&1
e2e_check "the report reads the journal of format 5" test $? -eq 0
rh_stop
e2e_summary
