"""deploy/ agrees with itself and with the code: the variables it sets are the ones the portal reads, the ports
nginx and the pooler point at are the ones the services listen on, and the proxy passes what the settings trust."""

import configparser
import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from certificates.uploads import MAX_REQUEST_BYTES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def read_env_file() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "portal.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def names_the_code_reads() -> set[str]:
    settings = (ROOT / "portal" / "settings.py").read_text()
    gunicorn = (ROOT / "portal" / "gunicorn.conf.py").read_text()
    return set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', settings)) | set(
        re.findall(r'os\.environ\.get\(\s*"([A-Z0-9_]+)"', gunicorn)
    )


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def test_every_variable_deploy_sets_is_read_by_the_portal():
    read = names_the_code_reads()
    assert {"SECRET_KEY", "DATABASE_URL", "DB_CONN_HEALTH_CHECKS", "BIND"} <= read  # the reader finds them
    unknown = set(read_env_file()) - read
    assert not unknown, f"deploy sets variables no code reads (typo?): {sorted(unknown)}"


def test_production_requirements_are_set_and_debug_is_off():
    env = read_env_file()
    required = ("SECRET_KEY", "ALLOWED_HOSTS", "PORTAL_BASE_URL", "DATABASE_URL", "REDIS_URL", "CSRF_TRUSTED_ORIGINS")
    for name in (*required, "CELERY_BROKER_URL", "S3_BUCKET", "S3_ENDPOINT_URL"):
        assert env.get(name), name
    assert env["DEBUG"] == "0"
    assert int(env["WEB_CONCURRENCY"]) > 1 and env["REDIS_URL"]  # several workers share one cache (portal.E001)
    # The object store is the compose file's MinIO, on the port it listens on.
    endpoint = urlsplit(env["S3_ENDPOINT_URL"])
    assert endpoint.hostname == "minio" and str(endpoint.port) in compose()["services"]["minio"]["expose"]


def test_the_topology_has_every_part_and_one_scheduler():
    services = compose()["services"]
    assert {"nginx", "app", "worker", "beat", "postgres", "pgbouncer", "redis", "minio"} <= set(services)
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["app"]["deploy"]["replicas"] > 1 and services["worker"]["deploy"]["replicas"] > 1
    assert "portal/gunicorn.conf.py" in services["app"]["command"]
    for name in ("app", "worker", "beat"):
        assert services[name]["env_file"] == "portal.env.example"
        assert (DEPLOY / services[name]["env_file"]).exists()


def test_the_portal_reaches_postgresql_through_pgbouncer_in_transaction_mode_without_server_side_cursors():
    env, services = read_env_file(), compose()["services"]
    ini = configparser.ConfigParser(interpolation=None)
    ini.read_string((DEPLOY / "pgbouncer" / "pgbouncer.ini").read_text())
    url = urlsplit(env["DATABASE_URL"])
    assert url.hostname == "pgbouncer" and url.port == int(ini["pgbouncer"]["listen_port"])
    assert str(url.port) in services["pgbouncer"]["expose"]
    assert ini["pgbouncer"]["pool_mode"] == "transaction"
    assert env["DB_DISABLE_SERVER_SIDE_CURSORS"] == "1" and env["DB_CONN_HEALTH_CHECKS"] == "1"
    target = dict(part.split("=") for part in ini["databases"][url.path.lstrip("/")].split())
    assert target["host"] == "postgres" and target["port"] in services["postgres"]["expose"]


def test_nginx_proxies_to_the_app_port_with_the_headers_the_settings_trust():
    conf = (DEPLOY / "nginx" / "portal.conf").read_text()
    env, services = read_env_file(), compose()["services"]
    app_port = env["BIND"].rsplit(":", 1)[1]
    assert re.search(rf"server app:{app_port}\b", conf)
    assert app_port in services["app"]["expose"]
    # settings.SECURE_PROXY_SSL_HEADER reads X-Forwarded-Proto; portal/request_id.py keeps nginx's X-Request-ID.
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "proxy_set_header X-Request-ID $request_id;" in conf
    # One security policy: Django's (CSP, HSTS, frame options) on every response; nginx adds no header of its own.
    assert "add_header" not in conf
    size = re.search(r"client_max_body_size (\d+)m;", conf)
    assert size and int(size.group(1)) * 1024 * 1024 >= MAX_REQUEST_BYTES


def test_systemd_units_run_the_same_commands_with_the_shared_environment():
    web = unit("portal-web@.service")["Service"]
    assert web["EnvironmentFile"] == "/etc/portal/portal.env"
    assert "portal/gunicorn.conf.py" in web["ExecStart"] and web["Environment"] == "BIND=0.0.0.0:%i"
    for name, command in (("portal-worker@.service", "celery -A portal worker"), ("portal-beat.service", "beat")):
        service = unit(name)["Service"]
        assert service["EnvironmentFile"] == "/etc/portal/portal.env"
        assert command in service["ExecStart"]
    assert "minio server" in unit("portal-minio.service")["Service"]["ExecStart"]
