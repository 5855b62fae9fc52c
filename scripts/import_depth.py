"""The longest chain of imports inside each package: how deep a reader may have to follow
``import`` lines. Run with the project's venv: ``.venv/bin/python scripts/import_depth.py``.
(``lint-imports`` keeps the graph acyclic, so the longest chain is well defined.)"""

import functools
import sys

import grimp


def longest_chain(package: str) -> tuple[str, ...]:
    graph = grimp.build_graph(package)

    @functools.cache
    def chain(module: str) -> tuple[str, ...]:
        below = [
            chain(imported)
            for imported in graph.find_modules_directly_imported_by(module)
            if imported.startswith(f"{package}.")
        ]
        return (module, *max(below, key=len, default=()))

    return max((chain(module) for module in graph.modules), key=len)


def main(packages: list[str]) -> None:
    for package in packages:
        found = longest_chain(package)
        print(f"{package}: {len(found) - 1} imports deep: {' > '.join(found)}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["openrouter_exporter", "openrouter_simulator"])
