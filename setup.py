"""The package list, which pyproject.toml cannot say: its `packages.find` sees only `cps/`.

Everything else is in pyproject.toml. The top-level `migrations/` and `web/` go into the
wheel as `cps.migrations` and `cps.web` (with their sub-folders), mapped by
`[tool.setuptools.package-dir]`; a new package under `cps/` is found without an edit here.
"""

from setuptools import find_namespace_packages, setup

BUNDLED = {"cps.migrations": "migrations", "cps.web": "web"}

packages = find_namespace_packages(include=["cps", "cps.*"])
for name, where in BUNDLED.items():
    packages += [name, *(f"{name}.{sub}" for sub in find_namespace_packages(where=where))]

setup(packages=packages)
