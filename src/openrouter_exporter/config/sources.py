"""Where each setting's value comes from: its flag, its variable, its default, or the YAML
file; and the one validation of them all through :class:`schema.Settings`, which reports
every bad value at once with its location."""

from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from openrouter_exporter.config.catalogue import SETTINGS, SETTINGS_BY_KEY, Setting
from openrouter_exporter.config.errors import ConfigError, ConfigProblem
from openrouter_exporter.config.schema import Settings, error_message, redact
from openrouter_exporter.config.yaml_file import YamlDocument

FlagValue = str | list[str] | None
SECRET_FIELDS = ("management_key", "management_key_file", "api_key", "api_key_file")


class Sources:
    """Where each setting's value comes from: its flag, its variable, or its default."""

    def __init__(self, flags: Mapping[str, FlagValue], environ: Mapping[str, str]) -> None:
        self.values: dict[str, object] = {}
        self.where: dict[str, str] = {}
        self.explicit: set[str] = set()
        self.file: YamlDocument | None = None
        problems: list[ConfigProblem] = []
        for setting in SETTINGS:
            if setting.secret:
                self._secret(setting, flags, environ)
                continue
            flag_value = flags.get(setting.key)
            if flag_value is not None and flag_value != []:
                self._set(setting.key, flag_value, setting.flag, explicit=True)
            elif environ.get(setting.env):
                self._set(setting.key, environ[setting.env], setting.env, explicit=True)
            elif setting.default is not None:
                self._set(setting.key, setting.default, f"default of {setting.flag}")
        config_file = self.values.get("config_file")
        if isinstance(config_file, str):
            try:
                self.file = YamlDocument.read(Path(config_file), self.where["config_file"])
            except ConfigError as error:
                problems.extend(error.problems)
            else:
                if isinstance(self.file.data, dict):
                    self.values["config_document"] = self.file.data
                else:
                    problems.append(
                        ConfigProblem(
                            f"{self.where['config_file']} ({config_file})",
                            "must be a mapping with an `accounts:` list",
                        )
                    )
        self.problems = problems

    def _set(self, key: str, value: object, where: str, *, explicit: bool = False) -> None:
        self.values[key] = value
        self.where[key] = where
        if explicit:
            self.explicit.add(key)

    def _secret(
        self, setting: Setting, flags: Mapping[str, FlagValue], environ: Mapping[str, str]
    ) -> None:
        """A key from its flags if either is given, else from its environment variables."""
        file_key = f"{setting.key}_file"
        if flags.get(setting.key) is not None or flags.get(file_key) is not None:
            levels = (
                (setting.key, flags.get(setting.key), setting.flag),
                (file_key, flags.get(file_key), f"{setting.flag}-file"),
            )
        else:
            levels = (
                (setting.key, environ.get(setting.env) or None, setting.env),
                (file_key, environ.get(f"{setting.env}_FILE") or None, f"{setting.env}_FILE"),
            )
        for key, value, where in levels:
            if value is not None:
                self._set(key, value, where, explicit=True)

    def locate(self, location: tuple[int | str, ...]) -> str:
        key = str(location[0])
        if key == "config_document" and self.file is not None:
            return self.file.locate(location[1:])
        return self.where.get(key, SETTINGS_BY_KEY[key].flag if key in SETTINGS_BY_KEY else key)

    def validate(self) -> Settings:
        problems = list(self.problems)
        try:
            settings = Settings.model_validate(self.values)
        except ValidationError as error:
            for item in error.errors(include_url=False):
                location = tuple(item["loc"])
                secret = any(str(part) in SECRET_FIELDS for part in location)
                problems.append(
                    ConfigProblem(
                        self.locate(location),
                        redact(error_message(dict(item), secret=secret)),
                    )
                )
            raise ConfigError(problems) from None
        if problems:
            raise ConfigError(problems)
        return settings
