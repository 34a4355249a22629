"""Compliance profiles: the sender requirements of a mailbox provider or certification body,
each with its public source and the rules whose findings judge it.

A profile is a data file of this package (`<name>.yaml`, read with `importlib.resources`), one
per `ProfileName`; `definition.py` says what a file may contain and how a check maps statuses to
verdicts, `judge.py` judges a profile from one sheet's findings. Profiles read rule ids (a test
holds them to the registry), so they sit above the rules and the formats, beside the engine.
"""

from __future__ import annotations

import functools
from importlib import resources

import yaml
from pydantic import ValidationError

from mailcheck.core.compliance import ProfileName
from mailcheck.profiles.definition import Profile

SUFFIX = ".yaml"


def profile_files() -> list[str]:
    """The names of the profile files shipped in this package, sorted."""
    folder = resources.files(__name__)
    return sorted(
        item.name.removesuffix(SUFFIX) for item in folder.iterdir() if item.name.endswith(SUFFIX)
    )


@functools.cache
def load_profile(name: ProfileName) -> Profile:
    """The profile file of `name`, validated. A broken file is a defect of the package, said
    with the file's name, not an input error."""
    text = (resources.files(__name__) / f"{name.value}{SUFFIX}").read_text(encoding="utf-8")
    try:
        profile = Profile.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        raise ValueError(f"profile file {name.value}{SUFFIX} is invalid: {exc}") from None
    if profile.profile != name.value:
        raise ValueError(f"profile file {name.value}{SUFFIX} names itself {profile.profile!r}")
    return profile


def all_profiles() -> list[Profile]:
    return [load_profile(name) for name in ProfileName]
