# tools/symgraph.awk: the body of tools/symgraph.sh (read it first).
#
# Input: nm -P -A lines, "FILE: NAME TYPE [VALUE SIZE]". Variables: allow
# (the file of tolerated exceptions), edge (the libvirt edge's units,
# separated by spaces), verbose (1 to print everything).
# Written for POSIX awk (Debian's mawk): local arrays are extra parameters.

function unit_of(path) {
	sub(/:$/, "", path)
	sub(/.*\//, "", path)
	sub(/\.o$/, "", path)
	return path
}

# Sorts a[1..n] in place; the lists here are tens long at most.
function sort_list(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j >= 1 && a[j] > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
}

# Appends word to the space-separated list[key]. The test comes first, as
# mawk makes list[key] exist before it evaluates the right-hand side.
function add_word(list, key, word,   had) {
	had = key in list
	list[key] = had ? list[key] " " word : word
}

function die(msg) {
	print "symgraph: " msg > "/dev/stderr"
	failed_usage = 1
	exit 2
}

# Tarjan's strongly connected components, recursive over the sorted lists.
function strong(v,   i, n, w, next_) {
	order[v] = low[v] = ++counter
	stack[++sp] = v
	onstack[v] = 1
	n = split(adj[v], next_, " ")
	for (i = 1; i <= n; i++) {
		w = next_[i]
		if (!(w in order)) {
			strong(w)
			if (low[w] < low[v])
				low[v] = low[w]
		} else if (onstack[w] && order[w] < low[v]) {
			low[v] = order[w]
		}
	}
	if (low[v] == order[v]) {
		ngroups++
		do {
			w = stack[sp--]
			onstack[w] = 0
			group[w] = ngroups
			gsize[ngroups]++
		} while (w != v)
	}
}

# A shortest cycle through the edge a -> b, inside their group, as text:
# "a -[sym]-> b -[sym]-> ... -> a" (breadth first from b back to a).
function cycle_text(a, b,   queue, head, tail, seen, from, v, w, i, n, next_, path, text) {
	head = 1
	tail = 0
	queue[++tail] = b
	seen[b] = 1
	while (head <= tail && !(a in seen)) {
		v = queue[head++]
		n = split(adj[v], next_, " ")
		for (i = 1; i <= n; i++) {
			w = next_[i]
			if (group[w] == group[a] && !(w in seen)) {
				seen[w] = 1
				from[w] = v
				queue[++tail] = w
			}
		}
	}
	# Walk back from a to b, then print forwards.
	text = ""
	for (v = a; v != b; v = from[v])
		text = " -[" sym[from[v], v] "]-> " v text
	return a " -[" sym[a, b] "]-> " b text
}

# Elementary cycles of a group, each counted once from its least unit.
function count_from(s, v,   i, n, next_, w) {
	n = split(adj[v], next_, " ")
	for (i = 1; i <= n && ncycles < CYCLE_CAP; i++) {
		w = next_[i]
		if (w == s)
			ncycles++
		else if (group[w] == group[s] && w > s && !(w in onpath)) {
			onpath[w] = 1
			count_from(s, w)
			delete onpath[w]
		}
	}
}

function read_allow(   line, f, n, lineno, rest) {
	while ((getline line < allow) > 0) {
		lineno++
		if (line ~ /^[ \t]*(#|$)/)
			continue
		n = split(line, f, /[ \t]+/)
		rest = line
		if (f[1] == "cycle" && n >= 3) {
			allow_cycle[f[2], f[3]] = lineno
			allow_text[f[2], f[3]] = line
		} else if (f[1] == "libvirt" && n >= 2) {
			allow_virt[f[2]] = lineno
			allow_vtext[f[2]] = line
		} else {
			die(allow ":" lineno ": '" line "' is neither 'cycle FROM TO ...' nor 'libvirt UNIT ...'")
		}
		if (rest !~ /issue [0-9]+/)
			die(allow ":" lineno ": '" line "' does not say which issue removes it ('issue N')")
	}
	close(allow)
}

BEGIN {
	CYCLE_CAP = 100000
	nedge = split(edge, e, " ")
	for (i = 1; i <= nedge; i++)
		in_edge[e[i]] = 1
}

{
	u = unit_of($1)
	if (!(u in path_of)) {
		path_of[u] = $1
		units[++nunits] = u
	} else if (path_of[u] != $1) {
		die("two object files make unit '" u "': '" path_of[u] "' and '" $1 "'")
	}
	name = $2
	type = $3
	if (type ~ /^[ABCDGRSTVW]$/)
		add_word(defs, name, u)
	else if (type ~ /^[Uvw]$/) {
		nuses++
		use_unit[nuses] = u
		use_name[nuses] = name
	}
}

END {
	if (failed_usage)
		exit 2
	read_allow()
	sort_list(units, nunits)

	# The edges, each with the least symbol behind it.
	for (i = 1; i <= nuses; i++) {
		u = use_unit[i]
		name = use_name[i]
		if (!(name in defs)) {
			if (name ~ /^vir[A-Z]/) {
				add_word(virt_syms, u, name)
				virt_count[u]++
			}
			continue
		}
		n = split(defs[name], d, " ")
		for (j = 1; j <= n; j++) {
			if (d[j] == u)
				continue
			if (!((u, d[j]) in sym)) {
				sym[u, d[j]] = name
				edges++
				add_word(adj, u, d[j])
			} else if (name < sym[u, d[j]]) {
				sym[u, d[j]] = name
			}
		}
	}
	for (i = 1; i <= nunits; i++) {
		n = split(adj[units[i]], l, " ")
		sort_list(l, n)
		s = ""
		for (j = 1; j <= n; j++)
			s = s (j > 1 ? " " : "") l[j]
		adj[units[i]] = s
	}

	for (i = 1; i <= nunits; i++)
		if (!(units[i] in order))
			strong(units[i])

	# Rule 1: every edge inside a group of more than one unit is a cycle.
	bad = 0
	cyclic_groups = 0
	inner = 0
	tolerated = 0
	for (i = 1; i <= nunits; i++) {
		a = units[i]
		if (gsize[group[a]] < 2)
			continue
		if (!(group[a] in group_seen)) {
			group_seen[group[a]] = 1
			cyclic_groups++
		}
		n = split(adj[a], l, " ")
		for (j = 1; j <= n; j++) {
			b = l[j]
			if (group[b] != group[a])
				continue
			inner++
			if ((a, b) in allow_cycle) {
				tolerated++
				used_cycle[a, b] = 1
				if (verbose)
					print "tolerated cycle " a " -> " b ": " cycle_text(a, b)
			} else {
				bad++
				print "FAIL cycle " a " -> " b ", not in " allow ": " cycle_text(a, b)
			}
		}
	}
	# count_from counts the cycles whose least unit is a; sum over all.
	total_cycles = 0
	for (i = 1; i <= nunits; i++) {
		a = units[i]
		if (gsize[group[a]] < 2)
			continue
		ncycles = 0
		count_from(a, a)
		total_cycles += ncycles
	}
	for (k in allow_cycle) {
		if (!(k in used_cycle)) {
			bad++
			stale[allow_cycle[k]] = "FAIL " allow ":" allow_cycle[k] ": '" allow_text[k] "' is no longer an edge in a cycle: delete the line"
		}
	}

	# Rule 2: libvirt only at the edge.
	virt_units = 0
	virt_outside = 0
	virt_tolerated = 0
	for (i = 1; i <= nunits; i++) {
		u = units[i]
		if (!(u in virt_syms))
			continue
		virt_units++
		if (u in in_edge) {
			if (verbose)
				print "libvirt edge " u ": " virt_count[u] " symbols: " virt_syms[u]
			continue
		}
		virt_outside++
		if (u in allow_virt) {
			used_virt[u] = 1
			virt_tolerated++
			if (verbose)
				print "tolerated libvirt user " u ": " virt_syms[u]
		} else {
			bad++
			print "FAIL libvirt used by " u ", outside the edge (" edge ") and not in " allow ": " virt_syms[u]
		}
	}
	for (u in allow_virt) {
		if (!(u in used_virt)) {
			bad++
			stale[allow_virt[u]] = "FAIL " allow ":" allow_virt[u] ": '" allow_vtext[u] "' no longer holds (" (u in in_edge ? "the unit is in the edge" : "the unit uses no libvirt symbol") "): delete the line"
		}
	}
	for (k = 1; k <= 10000; k++)
		if (k in stale)
			print stale[k]

	printf "symgraph: %d units, %d edges; %d group(s) of units in cycles, " \
	    "%d edges inside them (%d tolerated), %s elementary cycles; libvirt " \
	    "used by %d units, %d outside the edge (%d tolerated)\n", nunits,
	    edges, cyclic_groups, inner, tolerated,
	    (total_cycles >= CYCLE_CAP ? "at least " CYCLE_CAP : total_cycles),
	    virt_units, virt_outside, virt_tolerated
	if (bad > 0) {
		print "symgraph: " bad " problem(s): a new cycle or libvirt user is a design change; remove it, or (with the issue that will) add it to " allow
		exit 1
	}
	print "symgraph: OK"
}
