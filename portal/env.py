"""Small typed readers for settings that come from environment variables.

Production refuses to start on a missing required value with one line naming it, rather than a traceback.
"""

import os
import sys


class MissingSetting(SystemExit):
    """Raised at import of the settings when production lacks a required variable."""


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def require(name: str, value: object) -> None:
    """Stop the process with a one-line message when a production setting is missing."""
    if not value:
        sys.stderr.write(f"配置错误：生产模式（DEBUG 关闭）必须设置环境变量 {name}。\n")
        raise MissingSetting(2)
