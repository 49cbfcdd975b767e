"""Write (or --check) the inputs/outputs tables of each Terraform module README.

A small stand-in for terraform-docs: it reads `variable` and `output` blocks
with their `description`, `type` and whether a `default` exists, and rewrites
the part of README.md between the BEGIN/END markers. The prose above the
markers is hand-written and kept.

Usage: python scripts/infra/tf_docs.py [--check]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "deploy" / "terraform" / "modules"
BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"

_BLOCK = re.compile(r'^(variable|output) "([^"]+)" \{\n(.*?)^\}', re.M | re.S)
_DESC = re.compile(r'^  description\s*=\s*"((?:[^"\\]|\\.)*)"', re.M)
_TYPE = re.compile(r"^  type\s*=\s*(.+?)(?=^  [a-z_]+\s*=|\Z)", re.M | re.S)
_DEFAULT = re.compile(r"^  default\s*=\s*(.*)$", re.M)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def blocks(path: Path, kind: str) -> list[tuple[str, str, str, str]]:
    out = []
    if not path.exists():
        return out
    for match in _BLOCK.finditer(path.read_text()):
        if match.group(1) != kind:
            continue
        body = match.group(3)
        desc = _DESC.search(body)
        type_ = _TYPE.search(body)
        default = _DEFAULT.search(body)
        type_text = " ".join(type_.group(1).split()) if type_ else ""
        if len(type_text) > 40:
            type_text = type_text.split("(", 1)[0] + "(...)"
        default_text = default.group(1).strip() if default else ""
        if default_text.endswith(("{", "[")) or len(default_text) > 30:
            default_text = "see variables.tf"
        out.append(
            (
                match.group(2),
                desc.group(1) if desc else "",
                type_text,
                "required" if not default else default_text,
            )
        )
    return out


def table(module: Path) -> str:
    lines = [BEGIN, "", "## Inputs", "", "| Name | Description | Type | Default |", "|---|---|---|---|"]
    for name, desc, type_, default in blocks(module / "variables.tf", "variable"):
        lines.append(f"| `{name}` | {_cell(desc)} | `{_cell(type_)}` | {_cell(default)} |")
    lines += ["", "## Outputs", "", "| Name | Description |", "|---|---|"]
    for name, desc, _, _ in blocks(module / "outputs.tf", "output"):
        lines.append(f"| `{name}` | {_cell(desc)} |")
    lines += ["", END]
    return "\n".join(lines)


def render(readme: Path, generated: str) -> str:
    text = readme.read_text() if readme.exists() else f"# {readme.parent.name}\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        return head + generated + tail
    return text.rstrip("\n") + "\n\n" + generated + "\n"


def main() -> int:
    check = "--check" in sys.argv[1:]
    stale = []
    for module in sorted(p for p in MODULES.iterdir() if p.is_dir()):
        readme = module / "README.md"
        new = render(readme, table(module))
        if readme.exists() and readme.read_text() == new:
            continue
        if check:
            stale.append(str(readme.relative_to(ROOT)))
        else:
            readme.write_text(new)
            print(f"wrote {readme.relative_to(ROOT)}")
    if stale:
        print("stale module READMEs (run python scripts/infra/tf_docs.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
