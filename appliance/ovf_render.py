#!/usr/bin/env python3
"""Fills the @FIELD@ fields of an OVF template (appliance/ovf/portcullis.ovf.in).

    ovf_render.py TEMPLATE OUT NAME=VALUE...

Values are XML-escaped. A field of the template without a value, or a value for a field the
template does not have, is an error (exit 2): a renamed field never ships unfilled.
Python 3 standard library only.
"""
import re
import sys
from xml.sax.saxutils import escape

FIELD = re.compile(r"@([A-Z][A-Z0-9_]*)@")


def render(template: str, values: dict) -> str:
    used = set(FIELD.findall(template))
    missing = sorted(used - values.keys())
    unknown = sorted(values.keys() - used)
    if missing:
        raise ValueError("no value for template field(s): " + ", ".join(missing))
    if unknown:
        raise ValueError("the template has no field(s): " + ", ".join(unknown))
    return FIELD.sub(lambda m: escape(values[m.group(1)], {'"': "&quot;"}), template)


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    template_path, out_path = argv[1], argv[2]
    values = {}
    for arg in argv[3:]:
        name, sep, value = arg.partition("=")
        if not sep or not FIELD.fullmatch(f"@{name}@"):
            print(f"ovf_render: bad field assignment {arg!r} (want NAME=VALUE)", file=sys.stderr)
            return 2
        values[name] = value
    with open(template_path, encoding="utf-8") as f:
        template = f.read()
    try:
        text = render(template, values)
    except ValueError as e:
        print(f"ovf_render: {template_path}: {e}", file=sys.stderr)
        return 2
    with open(out_path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
