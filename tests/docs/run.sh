#!/usr/bin/env bash
# Keeps docs/api.md true: its tables against a real `rangectl run` of the
# demo scenario on libvirt's test driver, in a network namespace of the
# test's own, listening on that namespace's loopback.
#
# - the status table: every row asked as every user of the demo (and as an
#   invalid token, and with the token in the query instead of the header),
#   each status compared with the table; 2xx JSON answers' keys compared
#   with their route's `answer`;
# - the routes table: each route has rows, each row a route or a refusal;
#   likely paths the server answers but no route names fail;
# - the events table: every user's stream open while the test makes each
#   event happen; who got which event, and its data's keys, compared.
#
# usage: tests/docs/run.sh BUILD
set -u
export LC_ALL=C
build=$(realpath "${1:?usage: tests/docs/run.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
E2E_PACKAGES+=(curl)
doc=${API_DOC:-docs/api.md}	# another copy: to see the test fail
USERS=(control prof ana ion eve)	# the status and events tables' columns
QUERY_USERS=(prof ana ion eve)	# asked with ?token= too (no side effects that matter)

# ---- reading the doc (pure: a file in, tab-separated rows out) -----------

# doc_table FILE NAME: the rows of the table after "<!-- api-table: NAME",
# cells trimmed and unquoted (backticks), tab-separated.
doc_table() {
	awk -v name="$2" '
		index($0, "<!-- api-table: " name " ") == 1 { on = 1; n = 0; next }
		on && /^\|/ {
			if (++n <= 2) next	# the header and its rule
			line = $0
			sub(/^\| */, "", line); sub(/ *\|$/, "", line)
			k = split(line, cell, / *\| */)
			out = ""
			for (i = 1; i <= k; i++) {
				c = cell[i]
				if (c ~ /^`.*`$/) c = substr(c, 2, length(c) - 2)
				out = out (i > 1 ? "\t" : "") c
			}
			print out
			next
		}
		on && n > 0 { exit }
	' "$1"
}

# route_regex PATH: sets RE to a route's path as an anchored ERE ({x}: one
# segment; *: anything). Without a subshell: the probes call it thousands
# of times.
route_regex() {
	local p=${1//./\\.} any='[A-Za-z0-9_.-]+'
	p=${p//\*/.*}
	while [[ $p =~ \{[a-z]+\} ]]; do
		p=${p/"${BASH_REMATCH[0]}"/$any}
	done
	RE="^$p\$"
}

# route_of ROUTES METHOD PATH: whether METHOD PATH is a route of the routes
# table ROUTES, and ANSWER set to its answer column. HEAD is GET; a
# trailing slash and a query string do not count.
route_of() {
	local routes=$1 method=$2 path=${3%%\?*} m p who answer
	ANSWER=""
	[ "$method" = HEAD ] && method=GET
	[ "$path" != / ] && path=${path%/}
	while IFS=$'\t' read -r m p who answer; do
		route_regex "$p"
		if [ "$m" = "$method" ] && [[ $path =~ $RE ]]; then
			ANSWER=$answer
			return 0
		fi
	done <"$routes"
	return 1
}

# query_takes QTABLE METHOD PATH: whether ?token= counts on METHOD PATH.
query_takes() {
	local m p
	while IFS=$'\t' read -r m p; do
		route_regex "$p"
		{ [ "$m" = '*' ] || [ "$m" = "$2" ]; } && [[ ${3%%\?*} =~ $RE ]] && return 0
	done <"$1"
	return 1
}

# undocumented ROUTES PROBES: the probes ("METHOD PATH STATUS") the server
# answered (neither 404 nor 405) that no route of ROUTES is.
undocumented() {
	local method path status
	while read -r method path status; do
		case $status in 404 | 405) continue ;; esac
		route_of "$1" "$method" "$path" >/dev/null || echo "$method $path $status"
	done <"$2"
}

# shape_keys ANSWER: the keys an answer column names, sorted, one line
# ("{a, b}" and "[{a, b}]"); nothing for what is not JSON.
shape_keys() {
	case $1 in
	'{'*'}' | '[{'*'}]') tr -d '[]{} ' <<<"$1" | tr ',' '\n' | sort | paste -sd, ;;
	esac
}

# ---- the server -----------------------------------------------------------

[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }
rh_start docs
tables=$RH_DIR/tables
mkdir -p "$tables"
for t in routes status query-token events; do
	doc_table "$doc" "$t" >"$tables/$t"
	e2e_check "$doc has its $t table" test -s "$tables/$t"
done

state=$RH_DIR/state
ip netns exec "$RH_NS" "$build/rangectl" run "$PWD/scenarios/demo.yaml" --connect test:///default --netns "$RH_NS" \
	--speed 10 --wait --keepalive 1s --listen 127.0.0.1:8080 --state "$state" \
	>"$RH_DIR/out" 2>"$RH_DIR/log" &
server=$!
stop_server() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; }
trap 'stop_server; rh_stop' EXIT

base=http://127.0.0.1:8080
for _ in $(seq 100); do
	rh_exec curl -s -m 1 -o /dev/null "$base/" && break
	sleep 0.1
done
tok() { jq -r --arg n "$1" '.[$n]' "$state/credentials.json"; }
declare -A T
for u in "${USERS[@]}"; do
	T[$u]=$(tok "$u")
done
T[bad]=not-a-valid-token-at-all-xxxxxx T[none]=""
e2e_check "every user of the demo has a token" test -n "${T[control]}" -a -n "${T[eve]}" -a "${T[eve]}" != null

# call HOW WHO METHOD PATH SEND [OUT]: the status of one call; HOW is
# header or query (the token as ?token=); SEND is a body, "-", or
# "websocket" for an upgrade's headers. A stream is cut after a moment.
call() {
	local how=$1 who=$2 method=$3 path=$4 send=$5 out=${6:-/dev/null} args=() url max=3
	url=$base$path
	if [ -n "${T[$who]}" ]; then
		if [ "$how" = query ]; then
			case $path in *\?*) url="$url&token=${T[$who]}" ;; *) url="$url?token=${T[$who]}" ;; esac
		else
			args+=(-H "Authorization: Bearer ${T[$who]}")
		fi
	fi
	case $send in
	-) ;;
	websocket) args+=(-H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13'
		-H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==') ;;
	*) args+=(-H 'Content-Type: application/json' --data-binary "$send") ;;
	esac
	# A stream stays open, and a console until the client closes it.
	route_of "$tables/routes" "$method" "$path"
	[ "$ANSWER" = stream ] && max=0.7
	[ "$send" = websocket ] && max=1
	rh_exec curl -s -m "$max" -o "$out" -w '%{http_code}' -X "$method" "${args[@]}" "$url"
}

clock() { call header control GET /api/v1/exercise - "$RH_DIR/ex" >/dev/null; jq -r .state "$RH_DIR/ex"; }
# clock_to STATE: brings the clock there with the controller's commands.
clock_to() {
	local want=$1 now
	[ "$want" = - ] && return 0
	now=$(clock)
	[ "$now" = pending ] && [ "$want" != pending ] && call header control POST /api/v1/exercise/start - >/dev/null
	now=$(clock)
	if [ "$want" = paused ] && [ "$now" = running ]; then
		call header control POST /api/v1/exercise/pause - >/dev/null
	elif [ "$want" = running ] && [ "$now" = paused ]; then
		call header control POST /api/v1/exercise/resume - >/dev/null
	fi
	[ "$(clock)" = "$want" ]
}

# ---- the doc's own consistency ---------------------------------------------

while IFS=$'\t' read -r method path who answer; do
	route_regex "$path"
	rows=$(while IFS=$'\t' read -r m p _; do
		[ "$m" = "$method" ] && [[ ${p%%\?*} =~ $RE ]] && echo x
	done <"$tables/status" | wc -l)
	e2e_check "route $method $path has rows in the status table" test "$rows" -gt 0
done <"$tables/routes"
while IFS=$'\t' read -r method path clk send control prof ana ion eve none; do
	if ! route_of "$tables/routes" "$method" "$path" >/dev/null; then
		e2e_check "row $method $path is a route, or refused to everyone" \
			sh -c "! printf '%s\n' $control $prof $ana $ion $eve | grep -qv '^40[45]$'"
	fi
done <"$tables/status"

# ---- the status table ---------------------------------------------------------

# ask ROW: every user's call of one row of the status table, compared.
ask() {
	local method path clk send control prof ana ion eve none
	IFS=$'\t' read -r method path clk send control prof ana ion eve none <<<"$1"
	local -A want=([control]=$control [prof]=$prof [ana]=$ana [ion]=$ion [eve]=$eve [none]=$none [bad]=$none)
	local who got bad="" qbad="" answer keys expect i=0
	if ! clock_to "$clk"; then
		e2e_fail "$method $path: cannot bring the clock to $clk (it is $(clock))"
		return
	fi
	route_of "$tables/routes" "$method" "$path"
	answer=$ANSWER
	# The query first, and the controller last: its call may stop the run.
	for who in "${QUERY_USERS[@]}"; do
		expect=${want[none]}
		# A query token on any other route of the API is refused (400).
		[[ ${path%%\?*} =~ ^/api/v1/[^/]+ ]] && expect=400
		query_takes "$tables/query-token" "$method" "$path" && expect=${want[$who]}
		got=$(call query "$who" "$method" "$path" "$send")
		[ "$got" = "$expect" ] || qbad+=" $who:$got(not $expect)"
	done
	for who in none bad prof ana ion eve control; do
		i=$((i + 1))
		got=$(call header "$who" "$method" "$path" "$send" "$RH_DIR/answer-$i")
		[ "$got" = "${want[$who]}" ] || bad+=" $who:$got(not ${want[$who]})"
		keys=$(shape_keys "$answer")
		if [ -n "$keys" ] && [[ $got == 2?? ]] && jq -e 'type == "array" and length == 0' "$RH_DIR/answer-$i" >/dev/null 2>&1; then
			: # an empty list says nothing of its items' keys
		elif [ -n "$keys" ] && [[ $got == 2?? ]]; then
			got=$(jq -r 'if type == "array" then .[0] else . end | keys | join(",")' "$RH_DIR/answer-$i" 2>&1)
			[ "$got" = "$keys" ] || bad+=" $who's answer has keys $got (not $keys)"
		fi
	done
	if [ -z "$bad" ]; then
		e2e_ok "$method $path ${send:0:20} (clock $clk): as the table says"
	else
		e2e_fail "$method $path ${send:0:20} (clock $clk):$bad"
	fi
	if [ -z "$qbad" ]; then
		e2e_ok "$method $path ${send:0:20} with ?token=: as the query-token table says"
	else
		e2e_fail "$method $path ${send:0:20} with ?token=:$qbad"
	fi
}

is_stop() { [[ $(cut -f2 <<<"$1") == /api/v1/exercise/stop ]] && [ "$(cut -f1 <<<"$1")" = POST ]; }
is_start() { [[ $(cut -f2 <<<"$1") == /api/v1/exercise/start ]] && [ "$(cut -f1 <<<"$1")" = POST ]; }

# Rows asked of a pending clock first (those that start it last), for
# nothing brings a clock back to pending.
while IFS= read -r row; do
	[ "$(cut -f3 <<<"$row")" = pending ] && ! is_start "$row" && ask "$row"
done <"$tables/status"
while IFS= read -r row; do
	[ "$(cut -f3 <<<"$row")" = pending ] && is_start "$row" && ask "$row"
done <"$tables/status"

# ---- live events ---------------------------------------------------------------

clock_to running || e2e_fail "the clock cannot be started"
streams=()
for who in "${USERS[@]}"; do
	rh_exec curl -s -N -m 30 -o "$RH_DIR/sse-$who" "$base/api/v1/events?token=${T[$who]}" &
	streams+=($!)
done
sleep 0.5
call header control POST /api/v1/exercise/pause - >/dev/null
call header control POST /api/v1/exercise/resume - >/dev/null
call header control POST /api/v1/injects/press/fire - >/dev/null
e2e_check "ana files report ro-1" test "$(call header ana POST /api/v1/reports '{"title":"Defaced","body":"seen at 10:02"}' "$RH_DIR/r1")" = 201 -a "$(jq -r .id "$RH_DIR/r1")" = ro-1
call header control POST /api/v1/reports/ro-1/grade '{"points":4,"comment":"quick"}' >/dev/null
e2e_check "ana records an observation at TLP:AMBER" test "$(call header ana POST /api/v1/intel '{"tlp":"TLP:AMBER","technique":"T1110"}' "$RH_DIR/i1")" = 201
call header control POST /api/v1/adjustments '{"team":"md","points":-1,"reason":"late"}' >/dev/null
call header control POST /api/v1/hosts/demo-ro-web/revert - >/dev/null
# Every stream hears of a round and of the revert's host changes (at speed
# 10 a round is due every 6 s), or the curls end at their --max-time.
for _ in $(seq 250); do
	n=0
	for who in "${USERS[@]}"; do
		grep -q '^event: round$' "$RH_DIR/sse-$who" 2>/dev/null && n=$((n + 1))
	done
	[ "$n" = ${#USERS[@]} ] && grep -q '^event: host$' "$RH_DIR/sse-control" && break
	sleep 0.1
done
sleep 0.5	# what follows the round
for pid in "${streams[@]}"; do
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
# The demo lasts 3 minutes at speed 10: from here on, the clock runs only
# for the rows that need it, so that the exercise does not end before the
# stop row.
clock_to paused || e2e_fail "the clock cannot be paused"

# events_of WHO: "NAME<TAB>DATA" per event of WHO's stream.
events_of() { awk '/^event: / { name = substr($0, 8) } /^data: / && name != "" { print name "\t" substr($0, 7); name = "" }' "$RH_DIR/sse-$1"; }
declare -A documented
while IFS=$'\t' read -r name _ keys _ control prof ana ion eve; do
	documented[$name]=1
	receives=([0]=$control [1]=$prof [2]=$ana [3]=$ion [4]=$eve)
	bad=""
	for i in "${!USERS[@]}"; do
		who=${USERS[$i]}
		if events_of "$who" | cut -f1 | grep -qx "$name"; then got=yes; else got=no; fi
		[ "$got" = "${receives[$i]}" ] || bad+=" $who:$got(not ${receives[$i]})"
		# Every one of the event's data has the documented keys.
		while IFS=$'\t' read -r _ data; do
			missing=$(jq -r --arg k "$keys" '($k | split(", ")) - keys | join(",")' <<<"$data" 2>&1)
			[ -z "$missing" ] || { bad+=" $who's $name lacks $missing"; break; }
		done < <(events_of "$who" | awk -F'\t' -v n="$name" '$1 == n')
	done
	if [ -z "$bad" ]; then
		e2e_ok "event $name: to whom and with what the table says"
	else
		e2e_fail "event $name:$bad"
	fi
done <"$tables/events"
for who in "${USERS[@]}"; do
	extra=$(events_of "$who" | cut -f1 | sort -u | while read -r name; do
		[ -n "${documented[$name]:-}" ] || echo "$name"
	done)
	e2e_check "$who's stream has only documented events${extra:+ (not: $extra)}" test -z "$extra"
done

# ---- every other row, then the probes, then the stop -----------------------

while IFS= read -r row; do
	clk=$(cut -f3 <<<"$row")
	{ [ "$clk" = pending ] || is_stop "$row"; } && continue
	ask "$row"
	# A row that resumed the clock leaves it paused again.
	[ "$clk" = - ] || clock_to paused || e2e_fail "the clock cannot be paused after $row"
done <"$tables/status"

# Likely paths, asked as a controller: what answers must be a route. Those
# that are documented routes are asked only when reading (GET), and not
# the stream or the console, so that probing changes nothing.
words="whoami exercise scores history uptime hosts console revert injects fire messages reports grade
adjustments events start pause resume stop status teams team users user tokens credentials journal
plan config metrics version health login logout admin debug checkpoint snapshot networks links
rounds grades report message host inject score all export reset reload ping"
prefixes="/api/v1 /api/v1/exercise /api/v1/scores /api/v1/hosts /api/v1/hosts/demo-ro-web
/api/v1/injects /api/v1/injects/press /api/v1/reports /api/v1/reports/ro-1 /api/v1/messages
/api/v1/events /api/v1/adjustments /api/v1/whoami"
probes=$RH_DIR/probes
: >"$probes"
for method in GET POST; do
	: >"$RH_DIR/probe.cfg"
	for prefix in $prefixes; do
		for w in $words; do
			route_of "$tables/routes" "$method" "$prefix/$w" &&
				{ [ "$method" != GET ] || [ "$ANSWER" = stream ] || [ "$ANSWER" = websocket ]; } && continue
			printf 'url = "%s"\noutput = "/dev/null"\n' "$base$prefix/$w" >>"$RH_DIR/probe.cfg"
		done
	done
	rh_exec curl -s -m 60 -K "$RH_DIR/probe.cfg" -X "$method" -H "Authorization: Bearer ${T[control]}" \
		-w "$method %{url_effective} %{http_code}\n" | sed "s|$base||" >>"$probes"
done
extra=$(undocumented "$tables/routes" "$probes")
e2e_check "the server answers no route that $doc lacks ($(wc -l <"$probes") probes)${extra:+: $extra}" test -z "$extra"
# The probes do find routes: without its whoami row, the doc would fail.
grep -v $'^GET\t/api/v1/whoami\t' "$tables/routes" >"$RH_DIR/routes-less"
undocumented "$RH_DIR/routes-less" "$probes" >"$RH_DIR/caught"
e2e_check "the probes catch a route the doc lacks (GET /api/v1/whoami)" grep -qx 'GET /api/v1/whoami 200' "$RH_DIR/caught"

while IFS= read -r row; do
	is_stop "$row" && ask "$row"
done <"$tables/status"

# A controller's stop ends the run, cleanly (under the sanitizers too).
for _ in $(seq 300); do
	kill -0 "$server" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$server" 2>/dev/null; then
	e2e_fail "the run is still going 30 s after the stop"
	stop_server
else
	wait "$server"
	rc=$?
	e2e_check "the run ends with status 0 after the stop ($rc)" test "$rc" = 0
	# A sanitizer's report from its first line, else the log's end.
	if [ "$rc" != 0 ] && grep -q 'ERROR: [A-Za-z]*Sanitizer\|runtime error' "$RH_DIR/log"; then
		grep -A 60 -m 1 'ERROR: [A-Za-z]*Sanitizer\|runtime error' "$RH_DIR/log" | sed 's/^/#   /'
	elif [ "$rc" != 0 ]; then
		tail -n 20 "$RH_DIR/log" | sed 's/^/#   /'
	fi
fi
e2e_summary
