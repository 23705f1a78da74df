"""Production settings: refuse to start without required values; pass `check --deploy` when they are set."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "PORTAL_BASE_URL"}
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="portal.settings")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", ALLOWED_HOSTS="example.gov.cn", PORTAL_BASE_URL="https://zm.example.gov.cn")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == ["配置错误：生产模式（DEBUG 关闭）必须设置环境变量 SECRET_KEY。"]


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_manage("check", SECRET_KEY="x" * 60, PORTAL_BASE_URL="https://zm.example.gov.cn")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_production_refuses_to_start_without_the_public_address_printed_on_certificates():
    result = run_manage("check", SECRET_KEY="x" * 60, ALLOWED_HOSTS="zm.gov.cn")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == ["配置错误：生产模式（DEBUG 关闭）必须设置环境变量 PORTAL_BASE_URL。"]


def test_deploy_check_passes_without_warnings_when_configured():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="k3y-" + "a1b2c3d4e5" * 6,
        ALLOWED_HOSTS="zm.gov.cn",
        PORTAL_BASE_URL="https://zm.gov.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_debug_mode_starts_without_secrets():
    result = run_manage("check", DEBUG="1")
    assert result.returncode == 0, result.stderr
