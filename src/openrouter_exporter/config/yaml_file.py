"""A YAML file read on first use, with the ``file:line`` where each value was written."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openrouter_exporter.config.errors import config_error


class YamlDocument:
    """A YAML file's data, and where each of its values was written."""

    def __init__(self, path: Path, data: Any, root: Any) -> None:
        self.path = path
        self.data = data
        self._root = root

    @classmethod
    def read(cls, path: Path, setting: str) -> "YamlDocument":
        import yaml  # on first use: most set-ups read no file, and PyYAML costs 2.5 MB

        data = read_yaml(path, setting)
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        return cls(path, data, root)

    def locate(self, location: Sequence[int | str]) -> str:
        """``file:line`` of the value at ``location`` (its nearest written parent's line when
        it is missing), then the location as people count: ``accounts[1].name`` is the
        first account's name."""
        import yaml

        node = self._root
        for part in location:
            if isinstance(node, yaml.MappingNode):
                child = next((value for key, value in node.value if key.value == part), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                child = node.value[part] if part < len(node.value) else None
            else:
                child = None
            if child is None:
                break
            node = child
        line = node.start_mark.line + 1 if node is not None else 1
        dotted = "".join(
            f"[{part + 1}]" if isinstance(part, int) else f".{part}" for part in location
        ).lstrip(".")
        return f"{self.path}:{line}" + (f" {dotted}" if dotted else "")


def read_yaml(path: Path, setting: str) -> Any:
    """A YAML file's document, or a ConfigError naming the setting."""
    import yaml  # on first use: most set-ups read no file, and PyYAML costs 2.5 MB resident

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise config_error(setting, f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise config_error(setting, f"{path} is not UTF-8 text") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else setting
        raise config_error(where, f"is not valid YAML: {_yaml_reason(error)}") from None


def _yaml_reason(error: Exception) -> str:
    """The parser's own words: what it found, and where (line and column, from 1)."""
    problem = getattr(error, "problem", None)
    context = getattr(error, "context", None)
    mark = getattr(error, "problem_mark", None)
    text = "; ".join(str(part) for part in (context, problem) if part) or str(error)
    if mark is not None:
        text += f" (line {mark.line + 1}, column {mark.column + 1})"
    return text
