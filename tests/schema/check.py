#!/usr/bin/python3
"""Checks that scenarios/schema.json and `rangectl validate` agree.

usage: check.py SCHEMA RANGECTL UNCAUGHT GOOD... -- BROKEN...

UNCAUGHT is a file of lines "NAME VERDICT reason": the broken scenarios of
tests/scenarios that the schema cannot catch, VERDICT "yaml" when the YAML
parser rejects the file before any schema, "pass" when the schema accepts it
and only rangectl's own checks can tell. Prints one "ok ..." or "FAIL ..."
line per check; tests/schema/run.sh counts them.

Files are read as YAML 1.2 (the core schema), as editors read them: `.10` is
the number 0.1, `yes` a string, `1:30:00` a string; a key given twice is an
error. rangectl reads every scalar as its text, which the schema allows for.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = {"ok": 0, "FAIL": 0}


def report(ok, what, detail=""):
    word = "ok" if ok else "FAIL"
    RESULTS[word] += 1
    print(f"{word} {what}" + (f": {detail}" if detail and not ok else ""))


# --- YAML 1.2 core schema on PyYAML (which implements YAML 1.1) -------------

class Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's implicit types only."""

    yaml_implicit_resolvers = {}


def _resolver(tag, pattern, first):
    Yaml12Loader.add_implicit_resolver(tag, re.compile(pattern), list(first))


_resolver("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$",
          "tTfF")
_resolver("tag:yaml.org,2002:int",
          r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789")
_resolver("tag:yaml.org,2002:float",
          r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
          r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+.0123456789")
_resolver("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$",
          ["~", "n", "N", ""])


def _int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _float(loader, node):
    text = loader.construct_scalar(node).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


def _mapping(loader, node):
    keys = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in keys:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        keys.add(key)
    loader.flatten_mapping(node)
    return loader.construct_mapping(node)


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _int)
Yaml12Loader.add_constructor("tag:yaml.org,2002:float", _float)
Yaml12Loader.add_constructor("tag:yaml.org,2002:map", _mapping)


# --- verdicts ------------------------------------------------------------------

def schema_verdict(validator, text):
    """("accept"|"schema"|"yaml", message) for a scenario's text."""
    try:
        doc = yaml.load(text, Loader=Yaml12Loader)
    except yaml.YAMLError as e:
        return "yaml", " ".join(str(e).split())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    if not errors:
        return "accept", ""
    shown = []
    for e in errors[:3]:
        where = "/".join(str(p) for p in e.path) or "(top)"
        shown.append(f"{where}: {e.message[:160]}")
    return "schema", "; ".join(shown)


def loader_verdicts(rangectl, paths):
    """{path: (valid, first problem)} from one `rangectl validate --json`."""
    out = subprocess.run([rangectl, "validate", "--json", *paths],
                         capture_output=True, text=True, timeout=120)
    if out.returncode not in (0, 1):
        sys.exit(f"rangectl validate exited {out.returncode}: {out.stderr}")
    result = {}
    for f in json.loads(out.stdout)["files"]:
        problems = f["problems"]
        first = problems[0]["message"] if problems else ""
        result[f["file"]] = (f["valid"], first)
    return result


# --- the schema itself --------------------------------------------------------

def check_schema(schema):
    try:
        jsonschema.Draft7Validator.check_schema(schema)
        report(True, "schema.json is a valid draft-07 JSON Schema")
    except jsonschema.SchemaError as e:
        report(False, "schema.json is a valid draft-07 JSON Schema", e.message)
    missing = []

    def walk(node, where):
        if isinstance(node, dict):
            if node.get("additionalProperties") is False:
                for key, sub in node.get("properties", {}).items():
                    if not isinstance(sub, dict) or "description" not in sub:
                        missing.append(f"{where}/properties/{key}")
            for key, sub in node.items():
                walk(sub, f"{where}/{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{where}/{i}")

    walk(schema, "#")
    report(not missing, "every property of the schema has a description",
           ", ".join(missing))


# --- files of the repository --------------------------------------------------

def check_files(validator, rangectl, good, broken, uncaught):
    loader = loader_verdicts(rangectl, good + broken)
    for path in good:
        verdict, why = schema_verdict(validator, open(path).read())
        valid, problem = loader[path]
        if not valid:
            report(False, f"good {path}", f"rangectl rejects it: {problem}")
        else:
            report(verdict == "accept", f"good {path}: the schema accepts it",
                   f"{verdict}: {why}")
    for path in broken:
        name = os.path.basename(path)[:-len(".yaml")]
        verdict, why = schema_verdict(validator, open(path).read())
        valid, _ = loader[path]
        if valid:
            report(False, f"broken {path}", "rangectl accepts it")
            continue
        expected, reason = uncaught.pop(name, ("schema", ""))
        if expected == "schema":
            report(verdict == "schema", f"broken {path}: the schema rejects it "
                   "too", f"{verdict}: {why or 'accepted'} (if no schema can "
                   "catch it, list it in tests/schema/run.sh with the reason)")
        else:
            report(verdict == expected, f"broken {path}: rangectl rejects it; "
                   f"the schema cannot ({reason})", f"expected {expected}, got "
                   f"{verdict} {why} (caught after all? take it off the list)")
    for name in sorted(uncaught):
        report(False, f"uncaught list: {name}", "no such broken scenario")


# --- one change at a time to tests/schema/base.yaml ---------------------------

# (name, text of base.yaml, its replacement, expected): "valid" when both
# accept, "invalid" when both reject, "uncaught: why" when rangectl rejects
# and the schema cannot tell.
CHANGES = [
    # What rangectl accepts, the schema must too (no false alarms).
    ("quoted version", "version: 1", 'version: "1"', "valid"),
    ("quoted port", "port: 22", 'port: "22"', "valid"),
    ("quoted vcpus", "vcpus: 1", "vcpus: '2'", "valid"),
    ("null title", 'title: "Schema probe"', "title: ~", "valid"),
    ("empty cmdline", 'cmdline: "console=ttyS0"', "cmdline:", "valid"),
    ("number as title", 'title: "Schema probe"', "title: 2026", "valid"),
    ("number as expect_body", 'expect_body: "Welcome"', "expect_body: 42",
     "valid"),
    ("True as a boolean", "router: true", "router: True", "valid"),
    ("HH:MM:SS duration", "duration: 2h", "duration: 01:30:00", "valid"),
    ("a year exactly", "duration: 2h", "duration: 8784:00:00", "valid"),
    ("at: 0", "at: 5m", "at: 0", "valid"),
    ('at: "0"', "at: 5m", 'at: "0"', "valid"),
    ("at: 0s", "at: 5m", "at: 0s", "valid"),
    ("link_down for 0", "duration: 10m", "duration: 0", "valid"),
    ("trigger: clock", "at: 20m", "at: 20m\n    trigger: clock", "valid"),
    ("manual with a null at", "trigger: manual", "trigger: manual\n    at: ~",
     "valid"),
    ("memory 16M", "memory: 128M", "memory: 16M", "valid"),
    ("memory 16384K", "memory: 128M", "memory: 16384K", "valid"),
    ("null members", "members: [ion]", "members: ~", "valid"),
    ("null services", "nics: [{network: internet, ip: .66}]",
     "nics: [{network: internet, ip: .66}]\n    services:", "valid"),
    ("null team beside per_team", "id: gw\n    per_team: blue",
     "id: gw\n    per_team: blue\n    team: ~", "valid"),
    ("null kernel beside disk", "format: raw", "format: raw\n    kernel: ~",
     "valid"),
    ("quoted .N", "ip: .1\n", "ip: '.1'\n", "valid"),
    ("{team.index} in a per_team host", "ip: .1\n",
     'ip: "10.{team.index}.1.1"\n', "valid"),
    ("prefix written 024", "cidr: 100.64.0.0/24", "cidr: 100.64.0.0/024",
     "invalid"),
    ("prefix written 08", "cidr: 100.64.0.0/24", "cidr: 100.0.0.0/08",
     "valid"),
    ("points 0", "points: 2", "points: 0", "valid"),
    ("role/* selector", "target: ro/web", "target: blue/*", "valid"),
    ("id true, quoted", "id: bounce", "id: 'true'", "valid"),
    ("message to *", "to: blue", 'to: "*"', "valid"),
    ("message to a team", "to: blue", "to: md", "valid"),
    # Issue 13: a list of teams, roles and people, and a sender.
    ("message to a list", "to: blue", "to: [ro, red, person:ion]", "valid"),
    ("message to an instructor", "to: blue", "to: [person:prof]", "valid"),
    ("message with a sender", "to: blue", 'to: blue\n    from: "CEO"',
     "valid"),
    ("message to an empty list", "to: blue", "to: []", "invalid"),
    ("message to a team twice", "to: blue", "to: [ro, ro]", "invalid"),
    ("message to Person:ion", "to: blue", "to: [Person:ion]", "invalid"),
    ("message to an unknown person", "to: blue", "to: [person:bob]",
     "uncaught: a reference to a person"),
    ("${HOME} in a command", "echo defaced >", "echo ${HOME} {x} >", "valid"),
    # What the schema catches.
    ("version 2", "version: 1", "version: 2", "invalid"),
    ("unknown key in a NIC", "ip: auto", "ip: auto\n        mac: x", "invalid"),
    ("unknown key in a compromise", "penalty: 10", "penalty: 10\n      x: 1",
     "invalid"),
    ("unknown key in scoring", "timeout: 5s", "timeout: 5s\n  rounds: 3",
     "invalid"),
    ("outage weights", "timeout: 5s",
     "timeout: 5s\n  outage: {attack: 0.5, self: 1.5}", "valid"),
    ("an outage weight above 10", "timeout: 5s",
     "timeout: 5s\n  outage: {self: 12}", "invalid"),
    ("detection scoring", "timeout: 5s", "timeout: 5s\n  detection: "
     "{points: 50, half_life: 10m, sharing: 10, early_warning: 20, "
     "false_indicator: 2}", "valid"),
    ("unknown key in detection", "timeout: 5s",
     "timeout: 5s\n  detection: {points: 50, decay: 10m}", "invalid"),
    ("detection points below zero", "timeout: 5s",
     "timeout: 5s\n  detection: {sharing: -1}", "invalid"),
    ("unknown key in a node", "underlay: 192.0.2.11",
     "underlay: 192.0.2.11\n    name: hv1", "invalid"),
    ("yes as a boolean", "router: true", "router: yes", "invalid"),
    ("quoted boolean", "router: true", "router: 'true'", "invalid"),
    ("over a year", "duration: 2h", "duration: 8784:00:01", "invalid"),
    ("interval 0s", "interval: 60s", "interval: 0s", "invalid"),
    ("timeout 00:00:00", "timeout: 5s", "timeout: 00:00:00", "invalid"),
    ("duration 90", "duration: 2h", "duration: 90", "invalid"),
    ("memory 16383K", "memory: 128M", "memory: 16383K", "invalid"),
    ("memory 0G", "memory: 128M", "memory: 0G", "invalid"),
    ("vcpus 65", "vcpus: 1", "vcpus: 65", "invalid"),
    ("vcpus not a number", "vcpus: 1", 'vcpus: "x"', "invalid"),
    ("expect_status 600", "expect_status: 200", "expect_status: 600",
     "invalid"),
    ("penalty 0", "penalty: 10", "penalty: 0", "invalid"),
    ("compromise without penalty", "      penalty: 10\n", "", "invalid"),
    ("tcp check with a path", "port: 22", "port: 22\n        path: /",
     "invalid"),
    ("tcp check without a port", "        port: 22\n", "", "invalid"),
    ("http check with a command", "expect_body: \"Welcome\"",
     "expect_body: \"Welcome\"\n        command: true", "invalid"),
    ("exec check with a port", '"pidof httpd"', '"pidof httpd"\n        port: 1',
     "invalid"),
    ("exec check without a command", '        command: "pidof httpd"\n', "",
     "invalid"),
    ("exec check with a null command", '"pidof httpd"', "~", "invalid"),
    ("kernel image with format", 'cmdline: "console=ttyS0"',
     'cmdline: "console=ttyS0"\n    format: raw', "invalid"),
    ("disk image with initrd", "format: raw", "format: raw\n    initrd: x",
     "invalid"),
    ("image with neither", "    kernel: vmlinuz\n", "", "invalid"),
    ("host with team and per_team", "id: gw\n    per_team: blue",
     "id: gw\n    per_team: blue\n    team: ro", "invalid"),
    ("host with neither", "    team: red\n", "", "invalid"),
    ("host without NICs", "nics: [{network: internet, ip: .66}]", "nics: []",
     "invalid"),
    ("{team.index} in a team's host", "ip: .66", "ip: '10.{team.index}.0.1'",
     "invalid"),
    ("{team.id} in a cidr", '"10.{team.index}.1.0/24"',
     '"10.{team.id}.1.0/24"', "invalid"),
    ("{target.ip} in a cidr", '"10.{team.index}.1.0/24"',
     '"10.{target.ip}.1.0/24"', "invalid"),
    ("{team.index} in a command", "{target.ip} 80", "{team.index} 80",
     "invalid"),
    (".N with a leading zero", "ip: .66", "ip: .066", "invalid"),
    (".N as an integer", "ip: .66", "ip: 66", "invalid"),
    ("cidr /31", "cidr: 100.64.0.0/24", "cidr: 100.64.0.0/31", "invalid"),
    ("underlay 300", "underlay: 192.0.2.11", "underlay: 192.0.2.300",
     "invalid"),
    ("node vcpus 0", "vcpus: 64", "vcpus: 0", "invalid"),
    ("node without uri", "  - uri: qemu+ssh://hv1.example/system\n    memory",
     "  - memory", "invalid"),
    ("clock inject without at", "    at: 1h10m\n", "", "invalid"),
    ("manual inject with at", "trigger: manual", "trigger: manual\n    at: 1m",
     "invalid"),
    ("trigger manul", "trigger: manual", "trigger: manul", "invalid"),
    ("message with a compromise", "to: blue",
     "to: blue\n    compromise: {check: tcp, port: 1, penalty: 1}", "invalid"),
    ("message with a null target", "to: blue", "to: blue\n    target: ~",
     "invalid"),
    ("message without text", '    text: "A journalist asks about the '
     'defacement."\n', "", "invalid"),
    ("message to Blue", "to: blue", "to: Blue", "invalid"),
    ("exec with a nic", "command: \"nc -z -w1 {target.ip} 80\"",
     "command: \"nc -z -w1 {target.ip} 80\"\n    nic: dmz", "invalid"),
    ("link_up with a duration", "    nic: internet\n  - id: bounce",
     "    nic: internet\n    duration: 1m\n  - id: bounce", "invalid"),
    ("reboot with from", "action: reboot", "action: reboot\n    from: red/kali",
     "invalid"),
    ("link_down without nic", "    nic: internet\n    duration: 10m",
     "    duration: 10m", "invalid"),
    ("reboot without target", "    target: ro/web\n", "", "invalid"),
    ("selector with two slashes", "target: ro/web", "target: ro/web/x",
     "invalid"),
    ("team id 13 characters", "id: md\n", "id: mdmdmdmdmdmdm\n", "invalid"),
    ("inject id 33 characters", "id: bounce", "id: " + "b" * 33, "invalid"),
    ("image id in capitals", "  deb:", "  Deb:", "invalid"),
    ("team id red of role blue", "id: md\n", "id: red\n", "invalid"),
    ("team ro made red", "role: blue\n    name", "role: red\n    name",
     "uncaught: ro/web then matches no host (md is blue still)"),
    # What only rangectl can tell.
    ("unknown image", "image: deb", "image: debian",
     "uncaught: a reference to an image"),
    ("unknown network", "network: internet\n        ip: auto",
     "network: wan\n        ip: auto", "uncaught: a reference to a network"),
    ("duplicate host id", "id: kali", "id: gw", "uncaught: a duplicate id"),
    ("member in two teams", "members: [ion]", "members: [ana]",
     "uncaught: a duplicate member"),
    ("inject after the end", "at: 1h10m", "at: 3h",
     "uncaught: a comparison with exercise.duration"),
    ("timeout as long as the interval", "timeout: 5s", "timeout: 60s",
     "uncaught: a comparison with scoring.interval"),
    ("cidr with host bits", "cidr: 100.64.0.0/24", "cidr: 100.64.0.1/24",
     "uncaught: address arithmetic"),
    ("ip .0 (the network address)", "ip: .66", "ip: .0",
     "uncaught: address arithmetic"),
    ("nic not on the target", "target: md/gw\n    action: link_down",
     "target: md/web\n    action: link_down",
     "uncaught: which networks the target is on"),
    ("message to a team that does not exist", "to: blue", "to: lt",
     "uncaught: a reference to a team"),
    ("vcpus over the nodes'", "vcpus: 64", "vcpus: 1",
     "uncaught: the range's sum against the node"),
    ("sub-technique", "technique: T1046", "technique: T1046.001", "valid"),
    ("null technique", "technique: T1046", "technique:", "valid"),
    ("technique without its T", "technique: T1046", "technique: 1046",
     "invalid"),
    ("indicator of no known type", "type: md5", "type: mutex", "invalid"),
    ("short md5", "value: 098f6bcd4621d373cade4e832627b4f6",
     "value: 098f6bcd", "invalid"),
    ("effect as a service alone", "effects: [web.http]", "effects: [http]",
     "valid"),
    ("effect of no such service", "effects: [web.http]",
     "effects: [web.smtp]", "uncaught: a reference to a service"),
    ("ipv4 indicator not an address once filled",
     'value: "{from.ip}"', 'value: "{from.ip}.1"',
     "uncaught: an indicator's form once its placeholders are filled"),
]


def check_changes(validator, rangectl):
    base = open(os.path.join(HERE, "base.yaml")).read()
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, (name, old, new, _) in enumerate(CHANGES):
            if base.count(old) != 1:
                sys.exit(f"check.py: change '{name}': {old!r} is in base.yaml "
                         f"{base.count(old)} times, not once")
            path = os.path.join(tmp, f"change-{i}.yaml")
            with open(path, "w") as f:
                f.write(base.replace(old, new))
            paths.append(path)
        loader = loader_verdicts(rangectl, paths)
        for path, (name, _, _, expected) in zip(paths, CHANGES):
            text = open(path).read()
            verdict, why = schema_verdict(validator, text)
            valid, problem = loader[path]
            want_loader = expected == "valid"
            want_schema = "accept" if expected != "invalid" else "schema"
            if valid != want_loader:
                report(False, f"change '{name}'", f"rangectl "
                       f"{'accepts' if valid else 'rejects'} it, expected "
                       f"{expected} ({problem})")
            elif verdict != want_schema:
                report(False, f"change '{name}'", f"the schema says {verdict}"
                       f" ({why}), rangectl says {'valid' if valid else problem}")
            else:
                report(True, f"change '{name}': {expected}")


def main(argv):
    schema_path, rangectl, uncaught_path = argv[1:4]
    rest = argv[4:]
    split = rest.index("--")
    good, broken = rest[:split], rest[split + 1:]
    schema = json.load(open(schema_path))
    check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    uncaught = {}
    for line in open(uncaught_path):
        line = line.split("#", 1)[0].strip()
        if line:
            name, verdict, reason = (line.split(None, 2) + [""])[:3]
            uncaught[name] = ({"pass": "accept"}.get(verdict, verdict), reason)
    check_files(validator, rangectl, good, broken, uncaught)
    check_changes(validator, rangectl)
    return 0 if RESULTS["FAIL"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
