#!/usr/bin/env python3
"""tests/stix/read.py: an independent STIX 2.1 reader, for tests.

usage: python3 tests/stix/read.py BUNDLE.json

Written from the STIX 2.1 specification (OASIS, stix-v2.1-os) and the
TLP 2.0 marking definitions OASIS publishes, without looking at rangectl's
exporter: when rangectl's STIX export passes here, two readings of the
specification agree. See tests/stix/README.md for what is checked.

Exit status 0: one line per indicator on standard output, sorted,
"TLP<TAB>IDENTITY_NAME<TAB>PATTERN" (TLP such as TLP:AMBER, "-" when the
indicator carries no TLP marking; IDENTITY_NAME the name of the identity
its created_by_ref names, "-" without one). Exit status 1: every
violation found, one sentence a line on standard error. Exit status 2:
usage. Python 3 standard library only; no network.
"""

import json
import re
import sys

# ---- identifiers and timestamps (spec 2.9 identifier, 2.15 timestamp) -----

TYPE_RE = re.compile(r"^[a-z0-9-]{3,250}$")
UUID_RE = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-([0-9a-f])[0-9a-f]{3}-[0-9a-f]{12}$")
# RFC 3339 in UTC with Z; sub-second digits optional, and no bare dot.
TIMESTAMP_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$")

# Cyber-observable objects (spec section 6): no created or modified.
SCO_TYPES = {
    "artifact", "autonomous-system", "directory", "domain-name",
    "email-addr", "email-message", "file", "ipv4-addr", "ipv6-addr",
    "mac-addr", "mutex", "network-traffic", "process", "software", "url",
    "user-account", "windows-registry-key", "x509-certificate",
}
# Meta objects with created but no modified requirement.
META_NO_MODIFIED = {"marking-definition"}

# The TLP 1.0 marking definitions of the spec (7.2.1.4) and the TLP 2.0
# ones OASIS publishes (extension definition
# extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d): a bundle
# may refer to them without carrying them.
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
WELL_KNOWN_TLP = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "TLP:WHITE",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "TLP:GREEN",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "TLP:AMBER",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "TLP:RED",
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "TLP:CLEAR",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "TLP:GREEN",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "TLP:AMBER",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "TLP:AMBER+STRICT",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "TLP:RED",
}
TLP2_VALUES = {"clear", "green", "amber", "amber+strict", "red"}
TLP1_VALUES = {"white", "green", "amber", "red"}
# Most restrictive last: an object marked twice is read as the stricter.
TLP_ORDER = ["TLP:CLEAR", "TLP:WHITE", "TLP:GREEN", "TLP:AMBER",
             "TLP:AMBER+STRICT", "TLP:RED"]


def uuid_ok(text):
    """An RFC 4122 UUID: lowercase hex, version 1 to 5, variant 10xx."""
    m = UUID_RE.match(text)
    return bool(m) and m.group(1) in "12345" and m.group(2) in "89ab"


def identifier_problem(value, want_type=None):
    """Why value is not a STIX identifier (of want_type), or None."""
    if not isinstance(value, str) or "--" not in value:
        return "is not of the form TYPE--UUID"
    kind, _, uuid = value.partition("--")
    if not TYPE_RE.match(kind):
        return "has an object type '%s' that is not 3 to 250 of a-z, 0-9 and -" % kind
    if not uuid_ok(uuid):
        return "has '%s', which is not an RFC 4122 UUID" % uuid
    if want_type is not None and kind != want_type:
        return "is of type '%s', not '%s'" % (kind, want_type)
    return None


def timestamp_value(text):
    """The sortable parts of an RFC 3339 UTC timestamp, or None."""
    if not isinstance(text, str):
        return None
    m = TIMESTAMP_RE.match(text)
    if not m:
        return None
    year, month, day, hour, minute, sec = (int(g) for g in m.groups()[:6])
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0)
            else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not (1 <= month <= 12 and 1 <= day <= days[month - 1] and hour < 24
            and minute < 60 and sec < 61):
        return None
    frac = m.group(7)[1:] if m.group(7) else ""
    return (year, month, day, hour, minute, sec, frac.ljust(9, "0"))


# ---- the patterning language (spec section 9) -----------------------------

class PatternError(Exception):
    pass


KEYWORDS = {"AND", "OR", "NOT", "FOLLOWEDBY", "LIKE", "MATCHES", "ISSUPERSET",
            "ISSUBSET", "EXISTS", "IN", "START", "STOP", "SECONDS", "WITHIN",
            "REPEATS", "TIMES"}
TOKEN_RES = [
    ("ws", re.compile(r"\s+")),
    ("ts", re.compile(r"t'(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)'")),
    ("hex", re.compile(r"h'((?:[0-9a-fA-F]{2})*)'")),
    ("bin", re.compile(r"b'((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)'")),
    ("str", re.compile(r"'((?:[^'\\]|\\['\\])*)'")),
    ("float", re.compile(r"[+-]?(?:0|[1-9][0-9]*)?\.[0-9]+")),
    ("int", re.compile(r"[+-]?(?:0|[1-9][0-9]*)(?![0-9])")),
    ("ident", re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]*")),
    ("op", re.compile(r"<=|>=|!=|<>|==|=|<|>|\[|\]|\(|\)|:|\.|,|\*")),
]


def tokenize(text):
    tokens, pos = [], 0
    while pos < len(text):
        for kind, rx in TOKEN_RES:
            m = rx.match(text, pos)
            if m:
                break
        else:
            raise PatternError("unexpected '%s' at character %d" % (text[pos], pos + 1))
        if kind == "ident" and m.group(0) in KEYWORDS:
            kind = "kw"
        if kind != "ws":
            tokens.append((kind, m.group(0), m.group(1) if m.groups() else None, pos + 1))
        pos = m.end()
    tokens.append(("end", "", None, len(text) + 1))
    return tokens


class PatternParser:
    """Recursive descent over the grammar of spec 9.3, one rule a method."""

    def __init__(self, text):
        self.toks = tokenize(text)
        self.i = 0

    def peek(self, kind=None, text=None):
        k, t, _, _ = self.toks[self.i]
        return (kind is None or k == kind) and (text is None or t == text)

    def take(self, kind=None, text=None, what=None):
        if not self.peek(kind, text):
            k, t, _, at = self.toks[self.i]
            found = "the end" if k == "end" else "'%s'" % t
            raise PatternError("expected %s at character %d, found %s"
                               % (what or "'%s'" % text, at, found))
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def pattern(self):
        self.observation_expressions()
        self.take("end", what="the end of the pattern")

    def observation_expressions(self):
        self.observation_or()
        while self.peek("kw", "FOLLOWEDBY"):
            self.take()
            self.observation_or()

    def observation_or(self):
        self.observation_and()
        while self.peek("kw", "OR"):
            self.take()
            self.observation_and()

    def observation_and(self):
        self.observation_qualified()
        while self.peek("kw", "AND"):
            self.take()
            self.observation_qualified()

    def observation_qualified(self):
        if self.peek("op", "["):
            self.take()
            self.comparison_or()
            self.take("op", "]")
        elif self.peek("op", "("):
            self.take()
            self.observation_expressions()
            self.take("op", ")")
        else:
            self.take("op", "[", what="'[' or '(' opening an observation expression")
        while self.qualifier():
            pass

    def positive_number(self, kinds, what):
        kind = self.toks[self.i][0]
        tok = self.take(kind if kind in kinds else kinds[0], what=what)
        if float(tok[1]) <= 0:
            raise PatternError("%s must be positive, not %s" % (what, tok[1]))

    def qualifier(self):
        if self.peek("kw", "WITHIN"):
            self.take()
            self.positive_number(("int", "float"), "a number of seconds after WITHIN")
            self.take("kw", "SECONDS")
        elif self.peek("kw", "REPEATS"):
            self.take()
            self.positive_number(("int",), "a whole number after REPEATS")
            self.take("kw", "TIMES")
        elif self.peek("kw", "START"):
            self.take()
            start = self.timestamp()
            self.take("kw", "STOP")
            stop = self.timestamp()
            if stop <= start:
                raise PatternError("STOP must come after START")
        else:
            return False
        return True

    def timestamp(self):
        tok = self.take("ts", what="a timestamp literal t'...Z'")
        value = timestamp_value(tok[2])
        if value is None:
            raise PatternError("t'%s' is not a valid timestamp" % tok[2])
        return value

    def comparison_or(self):
        self.comparison_and()
        while self.peek("kw", "OR"):
            self.take()
            self.comparison_and()

    def comparison_and(self):
        self.prop_test()
        while self.peek("kw", "AND"):
            self.take()
            self.prop_test()

    def prop_test(self):
        if self.peek("op", "("):
            self.take()
            self.comparison_or()
            self.take("op", ")")
            return
        if self.peek("kw", "EXISTS"):
            self.take()
            self.object_path()
            return
        self.object_path()
        if self.peek("kw", "NOT"):
            self.take()
        k, t, _, at = self.toks[self.i]
        if k == "op" and t in ("=", "!="):
            self.take()
            self.literal(bool_ok=True)
        elif k == "op" and t in ("<", "<=", ">", ">="):
            self.take()
            self.literal(bool_ok=False)
        elif k == "kw" and t == "IN":
            self.take()
            self.set_literal()
        elif k == "kw" and t in ("LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"):
            self.take()
            self.take("str", what="a string literal after %s" % t)
        else:
            found = "the end" if k == "end" else "'%s'" % t
            raise PatternError("expected a comparison operator (=, !=, <, <=, >, >=, "
                               "IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET) at character "
                               "%d, found %s" % (at, found))

    def object_path(self):
        tok = self.take("ident", what="an object path (TYPE:property)")
        if not TYPE_RE.match(tok[1]):
            raise PatternError("'%s' is not an object type" % tok[1])
        self.take("op", ":")
        self.path_step(first=True)
        while self.peek("op", ".") or self.peek("op", "["):
            if self.peek("op", "."):
                self.take()
                self.path_step(first=False)
            else:
                self.take()
                if self.peek("op", "*"):
                    self.take()
                else:
                    idx = self.take("int", what="a list index or '*'")
                    if int(idx[1]) < 0:
                        raise PatternError("a list index cannot be negative")
                self.take("op", "]")

    def path_step(self, first):
        if self.peek("str"):
            self.take()
            return
        tok = self.take("ident", what="a property name")
        if "-" in tok[1]:
            raise PatternError("property '%s' holds a hyphen: quote it ('%s')"
                               % (tok[1], tok[1]))

    def literal(self, bool_ok):
        k, t, _, at = self.toks[self.i]
        if k in ("int", "float", "str", "hex", "bin"):
            self.take()
        elif k == "ts":
            self.timestamp()
        elif bool_ok and k == "ident" and t in ("true", "false"):
            self.take()
        else:
            found = "the end" if k == "end" else "'%s'" % t
            raise PatternError("expected a literal at character %d, found %s" % (at, found))

    def set_literal(self):
        self.take("op", "(")
        if self.peek("op", ")"):
            self.take()
            return
        self.literal(bool_ok=True)
        while self.peek("op", ","):
            self.take()
            self.literal(bool_ok=True)
        self.take("op", ")")


def pattern_problem(text):
    try:
        PatternParser(text).pattern()
    except PatternError as e:
        return str(e)
    return None


# ---- the bundle and its objects -------------------------------------------

class Reader:
    def __init__(self):
        self.problems = []

    def bad(self, fmt, *args):
        self.problems.append(fmt % args)

    def common(self, o, where, kind):
        """The common properties (spec 3.2) every STIX object must have."""
        if o.get("spec_version") != "2.1" and (kind not in SCO_TYPES or "spec_version" in o):
            self.bad("%s: 'spec_version' must be \"2.1\", not %s.", where,
                     json.dumps(o.get("spec_version")))
        why = identifier_problem(o.get("id"), kind)
        if why:
            self.bad("%s: its id %s %s.", where, json.dumps(o.get("id")), why)
        if kind in SCO_TYPES:
            return
        created = self.stamp(o, "created", where, required=True, millis=True)
        if kind in META_NO_MODIFIED and "modified" not in o:
            return
        modified = self.stamp(o, "modified", where, required=True, millis=True)
        if created and modified and modified < created:
            self.bad("%s: 'modified' (%s) is before 'created' (%s).", where,
                     o["modified"], o["created"])

    def stamp(self, o, key, where, required, millis=False):
        if key not in o:
            if required:
                self.bad("%s: the required property '%s' is missing.", where, key)
            return None
        value = timestamp_value(o[key])
        if value is None:
            self.bad("%s: '%s' is %s, not an RFC 3339 timestamp in UTC ending in Z "
                     "(YYYY-MM-DDTHH:MM:SS[.s+]Z).", where, key, json.dumps(o[key]))
        elif millis and len((TIMESTAMP_RE.match(o[key]).group(7) or "")) < 4:
            self.bad("%s: '%s' (%s) must be precise to the millisecond "
                     "(three digits after the seconds).", where, key, o[key])
        return value

    def refs(self, o, where, by_id):
        """created_by_ref and object_marking_refs, each resolved."""
        ref = o.get("created_by_ref")
        if ref is not None:
            why = identifier_problem(ref, "identity")
            if why:
                self.bad("%s: its created_by_ref %s %s.", where, json.dumps(ref), why)
            elif ref not in by_id:
                self.bad("%s: its created_by_ref %s names no identity of the bundle.",
                         where, ref)
        marks = o.get("object_marking_refs")
        if marks is None:
            return
        if not isinstance(marks, list) or not marks:
            self.bad("%s: 'object_marking_refs' must be a non-empty list.", where)
            return
        for m in marks:
            why = identifier_problem(m, "marking-definition")
            if why:
                self.bad("%s: its marking %s %s.", where, json.dumps(m), why)
            elif m not in by_id and m not in WELL_KNOWN_TLP:
                self.bad("%s: its marking %s is neither in the bundle nor one of "
                         "the TLP marking definitions the specification fixes.", where, m)

    def indicator(self, o, where):
        for key in ("pattern", "pattern_type", "valid_from"):
            if key not in o:
                self.bad("%s: the required property '%s' is missing.", where, key)
        start = self.stamp(o, "valid_from", where, required=False)
        end = self.stamp(o, "valid_until", where, required=False)
        if start and end and end <= start:
            self.bad("%s: 'valid_until' (%s) must be after 'valid_from' (%s).",
                     where, o["valid_until"], o["valid_from"])
        pattern = o.get("pattern")
        if "pattern" in o and not isinstance(pattern, str):
            self.bad("%s: 'pattern' must be a string.", where)
        elif isinstance(pattern, str) and o.get("pattern_type") == "stix":
            why = pattern_problem(pattern)
            if why:
                self.bad("%s: its pattern %s is not a STIX pattern: %s.", where,
                         json.dumps(pattern), why)

    def identity(self, o, where):
        if not isinstance(o.get("name"), str) or not o.get("name"):
            self.bad("%s: an identity must have a 'name'.", where)

    def marking(self, o, where):
        """Its TLP label, or None; a well-known id must say its own level."""
        label = None
        ext = (o.get("extensions") or {}).get(TLP2_EXTENSION)
        if ext is not None:
            level = ext.get("tlp_2_0") if isinstance(ext, dict) else None
            if level not in TLP2_VALUES:
                self.bad("%s: its TLP 2.0 extension gives 'tlp_2_0' %s, not one of "
                         "clear, green, amber, amber+strict, red.", where, json.dumps(level))
            else:
                label = "TLP:" + level.upper()
        elif o.get("definition_type") == "tlp":
            level = (o.get("definition") or {}).get("tlp")
            if level not in TLP1_VALUES:
                self.bad("%s: its TLP definition gives %s, not white, green, amber "
                         "or red.", where, json.dumps(level))
            else:
                label = "TLP:" + level.upper()
        elif "definition_type" in o and "definition" not in o:
            self.bad("%s: 'definition_type' without 'definition'.", where)
        elif "definition_type" not in o and "extensions" not in o:
            self.bad("%s: a marking-definition needs 'definition_type' and "
                     "'definition', or 'extensions'.", where)
        known = WELL_KNOWN_TLP.get(o.get("id"))
        if known and label != known:
            self.bad("%s: %s is the id of %s, but this object says %s.", where,
                     o.get("id"), known, label or "no TLP level")
        return label

    def read(self, doc):
        if not isinstance(doc, dict) or doc.get("type") != "bundle":
            self.bad("The document is not a STIX bundle: its 'type' must be \"bundle\".")
            return []
        why = identifier_problem(doc.get("id"), "bundle")
        if why:
            self.bad("The bundle's id %s %s.", json.dumps(doc.get("id")), why)
        objects = doc.get("objects")
        if not isinstance(objects, list):
            self.bad("The bundle's 'objects' must be a list.")
            return []
        by_id, seen = {}, set()
        for n, o in enumerate(objects):
            if not isinstance(o, dict):
                self.bad("Object %d of the bundle is not a JSON object.", n + 1)
                continue
            key = (o.get("id"), o.get("modified"))
            if isinstance(o.get("id"), str):
                if key in seen:
                    self.bad("Object %d of the bundle repeats %s, same version.",
                             n + 1, o["id"])
                seen.add(key)
                by_id.setdefault(o["id"], o)
        labels, out = {}, []
        for n, o in enumerate(objects):
            if not isinstance(o, dict):
                continue
            kind = o.get("type")
            where = "Object %d (%s %s)" % (n + 1, kind, o.get("id"))
            if not isinstance(kind, str) or not TYPE_RE.match(kind):
                self.bad("Object %d: its 'type' %s is not 3 to 250 of a-z, 0-9 and -.",
                         n + 1, json.dumps(kind))
                continue
            self.common(o, where, kind)
            self.refs(o, where, by_id)
            if kind == "indicator":
                self.indicator(o, where)
            elif kind == "identity":
                self.identity(o, where)
            elif kind == "marking-definition":
                labels[o.get("id")] = self.marking(o, where)
        for o in objects:
            if isinstance(o, dict) and o.get("type") == "indicator":
                out.append(self.line(o, by_id, labels))
        # created_by_ref must name an identity: by_id holds any object.
        for n, o in enumerate(objects):
            ref = o.get("created_by_ref") if isinstance(o, dict) else None
            if isinstance(ref, str) and ref in by_id and by_id[ref].get("type") != "identity":
                self.bad("Object %d: its created_by_ref %s is not an identity.", n + 1, ref)
        return sorted(out)

    def line(self, o, by_id, labels):
        tlps = []
        for m in o.get("object_marking_refs") or []:
            label = labels.get(m) if m in by_id else WELL_KNOWN_TLP.get(m)
            if label:
                tlps.append(label)
        tlp = max(tlps, key=TLP_ORDER.index) if tlps else "-"
        who = by_id.get(o.get("created_by_ref")) or {}
        name = who.get("name") if who.get("type") == "identity" else None
        return "%s\t%s\t%s" % (tlp, name or "-", o.get("pattern"))


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError("the key '%s' appears twice in one object" % dup[0])
    return dict(pairs)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: python3 tests/stix/read.py BUNDLE.json\n")
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            doc = json.load(f, object_pairs_hook=no_duplicates)
    except (OSError, ValueError) as e:
        sys.stderr.write("The file %s is not readable JSON: %s.\n" % (argv[1], e))
        return 1
    reader = Reader()
    lines = reader.read(doc)
    if reader.problems:
        for p in reader.problems:
            sys.stderr.write(p + "\n")
        return 1
    for line in lines:
        sys.stdout.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
