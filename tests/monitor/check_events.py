#!/usr/bin/python3
"""Validate strata progress messages (JSON lines) against docs/events.schema.json.

A small hand-written validator of the JSON Schema subset that file uses (type, const, required,
properties, additionalProperties, items, minItems, maxItems, minimum, maximum, oneOf, local $ref),
so the test needs no python3-jsonschema.  It first proves on itself that broken messages are
rejected, then checks every line of the given files, that event seq numbers are contiguous
(--contiguous: from 1, or from the first event seen), and that the listed types occur.

usage: check_events.py SCHEMA [--contiguous|--from-one] [--require t1,t2] FILE...
"""
import copy
import json
import sys


def is_type(v, t):
    if t == "null":
        return v is None
    if t == "boolean":
        return isinstance(v, bool)
    if t == "integer":
        return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == "string":
        return isinstance(v, str)
    if t == "array":
        return isinstance(v, list)
    if t == "object":
        return isinstance(v, dict)
    raise ValueError("schema uses unsupported type %r" % t)


KNOWN = {"type", "const", "required", "properties", "additionalProperties", "items", "minItems",
         "maxItems", "minimum", "maximum", "oneOf", "$ref", "description", "$schema", "title", "$defs"}


def errors(v, s, root, path="$"):
    """List of error strings (empty = valid)."""
    unknown = set(s) - KNOWN
    if unknown:
        raise ValueError("schema keyword(s) %s not supported by this checker" % sorted(unknown))
    if "$ref" in s:
        node = root
        for part in s["$ref"].lstrip("#/").split("/"):
            node = node[part]
        return errors(v, node, root, path)
    out = []
    if "oneOf" in s:
        ok = [i for i, sub in enumerate(s["oneOf"]) if not errors(v, sub, root, path)]
        if len(ok) != 1:
            out.append("%s: matches %d of the oneOf alternatives, not exactly 1" % (path, len(ok)))
        return out
    if "const" in s and v != s["const"]:
        out.append("%s: %r is not %r" % (path, v, s["const"]))
    if "type" in s:
        types = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if not any(is_type(v, t) for t in types):
            return out + ["%s: %r is not of type %s" % (path, v, "/".join(types))]
    if is_type(v, "number") and not isinstance(v, bool):
        if "minimum" in s and v < s["minimum"]:
            out.append("%s: %r < minimum %r" % (path, v, s["minimum"]))
        if "maximum" in s and v > s["maximum"]:
            out.append("%s: %r > maximum %r" % (path, v, s["maximum"]))
    if isinstance(v, dict):
        for k in s.get("required", []):
            if k not in v:
                out.append("%s: missing %r" % (path, k))
        props = s.get("properties", {})
        for k, x in v.items():
            if k in props:
                out += errors(x, props[k], root, "%s.%s" % (path, k))
            elif s.get("additionalProperties", True) is False:
                out.append("%s: unexpected property %r" % (path, k))
    if isinstance(v, list):
        if "minItems" in s and len(v) < s["minItems"]:
            out.append("%s: fewer than %d items" % (path, s["minItems"]))
        if "maxItems" in s and len(v) > s["maxItems"]:
            out.append("%s: more than %d items" % (path, s["maxItems"]))
        if "items" in s:
            for i, x in enumerate(v):
                out += errors(x, s["items"], root, "%s[%d]" % (path, i))
    return out


def self_test(schema, sample):
    """The checker must reject mutated messages, or the test could not fail."""
    bad = []
    m = copy.deepcopy(sample); m["schema"] = "strata.events/2"; bad.append(m)
    m = copy.deepcopy(sample); m.pop("seq", None); m.pop("last_seq", None); bad.append(m)
    m = copy.deepcopy(sample); m["type"] = "no_such_type"; bad.append(m)
    m = copy.deepcopy(sample); m["elapsed"] = "soon"; bad.append(m)
    m = copy.deepcopy(sample); m["surprise"] = 1; bad.append(m)
    for b in bad:
        if not errors(b, schema, schema):
            sys.exit("check_events.py: self-test failed: accepted %s" % json.dumps(b))


def main(argv):
    schema = json.load(open(argv[1]))
    contiguous = from_one = False
    require = []
    files = []
    args = argv[2:]
    while args:
        a = args.pop(0)
        if a == "--contiguous":
            contiguous = True
        elif a == "--from-one":
            contiguous = from_one = True
        elif a == "--require":
            require = args.pop(0).split(",")
        else:
            files.append(a)
    seen = {}
    nerr = 0
    sample = None
    for fn in files:
        last = None
        for lineno, line in enumerate(open(fn), 1):
            try:
                m = json.loads(line)
            except ValueError as e:
                print("%s:%d: not JSON: %s" % (fn, lineno, e)); nerr += 1; continue
            errs = errors(m, schema, schema)
            for e in errs[:5]:
                print("%s:%d: %s" % (fn, lineno, e))
            nerr += bool(errs)
            seen[m.get("type")] = seen.get(m.get("type"), 0) + 1
            sample = sample or m
            if contiguous and "seq" in m:
                if last is None and from_one and m["seq"] != 1:
                    print("%s:%d: first event has seq %d, expected 1" % (fn, lineno, m["seq"])); nerr += 1
                if last is not None and m["seq"] != last + 1:
                    print("%s:%d: seq %d after %d" % (fn, lineno, m["seq"], last)); nerr += 1
                last = m["seq"]
    if sample is None:
        print("check_events.py: no messages in %s" % " ".join(files)); return 1
    self_test(schema, sample)
    missing = [t for t in require if t not in seen]
    if missing:
        print("check_events.py: no message of type %s" % ", ".join(missing)); nerr += 1
    print("check_events.py: %d messages (%s), %d invalid" %
          (sum(seen.values()), ", ".join("%s %d" % kv for kv in sorted(seen.items())), nerr))
    return 1 if nerr else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
