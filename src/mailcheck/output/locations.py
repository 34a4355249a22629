"""Where findings point, in the forms CI tools want: paths relative to the source root.

The source root is the root of the Git work tree mailcheck runs in (the nearest directory from
the working directory up that holds `.git`), else the working directory: GitHub code scanning,
GitHub annotations and GitLab read relative paths as relative to the repository's root, so a
run from a subdirectory still points at the right file. A file outside the source root keeps its
absolute path. Paths are normalised (`./a.yaml`, `a.yaml` and `sub/../a.yaml` are one path), so
whatever way a file was typed, it is named the same way in every run.

A member of a `.zip` delivery report (`report.zip:part1.csv`) is not a file of its own: it is
placed on the archive, and its member and line are named in the message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mailcheck.delivery.reader import split_member


@dataclass(frozen=True)
class FilePlace:
    """A finding's file and line as a CI tool can show them."""

    path: str  # relative to the source root with `/` separators, or absolute
    line: int | None  # in `path`; None for a member of an archive (the line is in the member)
    member: str | None = None  # the `.zip` member the finding is about
    member_line: int | None = None

    @property
    def is_relative(self) -> bool:
        return not Path(self.path).is_absolute()

    def describe_member(self) -> str:
        """`member part1.csv, line 17` for a member of an archive; else empty."""
        if self.member is None:
            return ""
        line = f", line {self.member_line}" if self.member_line is not None else ""
        return f"member {self.member}{line}"


def file_place(file: str, line: int | None) -> FilePlace:
    archive, member = split_member(file)
    if member is not None:
        return FilePlace(relative_path(archive), None, member, line)
    return FilePlace(relative_path(file), line)


def relative_path(file: str) -> str:
    """`file` relative to the source root when it lies below it, with `/` separators; else its
    absolute path."""
    absolute = Path(os.path.abspath(file))  # normalised, without resolving symbolic links
    try:
        return absolute.relative_to(source_root()).as_posix()
    except ValueError:
        return absolute.as_posix()


def source_root() -> Path:
    here = Path.cwd()
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return here


def ordered_rule_ids(rule_ids: list[str]) -> list[str]:
    """Distinct ids in registry (report) order; unregistered ids after them, as first seen."""
    from mailcheck.rules import REGISTRY

    order = {rule_id: index for index, rule_id in enumerate(REGISTRY)}
    distinct = list(dict.fromkeys(rule_ids))
    return sorted(distinct, key=lambda r: (order.get(r, len(order)), distinct.index(r)))
