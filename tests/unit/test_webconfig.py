"""The exporter-toolkit web-config.yml subset: TLS and basic auth, anything else refused."""

import os
import ssl
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import pytest
import trustme

from openrouter_exporter.config.errors import ConfigError, ConfigProblem
from openrouter_exporter.serving.web_config import WebConfig, load_web_config


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path
    ca: Path


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    directory = tmp_path_factory.mktemp("tls")
    authority = trustme.CA()
    server = authority.issue_cert("localhost", "127.0.0.1")
    files = TlsFiles(directory / "server.crt", directory / "server.key", directory / "ca.crt")
    server.cert_chain_pems[0].write_to_path(str(files.cert))
    server.private_key_pem.write_to_path(str(files.key))
    authority.cert_pem.write_to_path(str(files.ca))
    return files


@pytest.fixture(scope="module")
def password_hash() -> str:
    return bcrypt.hashpw(b"scrape-me", bcrypt.gensalt(rounds=4)).decode()


def web_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "web.yml"
    path.write_text(text, encoding="utf-8")
    return path


def tls_section(files: TlsFiles, *extra: str) -> str:
    lines = [
        "tls_server_config:",
        f"  cert_file: {files.cert}",
        f"  key_file: {files.key}",
        *(f"  {line}" for line in extra),
    ]
    return "\n".join(lines) + "\n"


def rejected(tmp_path: Path, text: str) -> ConfigProblem:
    with pytest.raises(ConfigError) as caught:
        load_web_config(web_config(tmp_path, text))
    (problem,) = caught.value.problems
    return problem


# Accepted.


def test_no_web_config_means_plain_http_without_auth() -> None:
    config = load_web_config(None)
    assert (config.tls, config.basic_auth_users, config.scheme) == (None, {}, "http")


def test_empty_web_config_means_plain_http(tmp_path: Path) -> None:
    assert load_web_config(web_config(tmp_path, "")) == WebConfig()


def test_valid_tls_config_loads(tmp_path: Path, tls_files: TlsFiles) -> None:
    config = load_web_config(web_config(tmp_path, tls_section(tls_files)))
    assert config.tls is not None
    assert config.scheme == "https"


def test_tls_defaults_to_tls12_without_client_certificates(
    tmp_path: Path, tls_files: TlsFiles
) -> None:
    config = load_web_config(web_config(tmp_path, tls_section(tls_files)))
    assert config.tls is not None
    assert config.tls.context().minimum_version == ssl.TLSVersion.TLSv1_2
    assert config.tls.context().verify_mode == ssl.CERT_NONE


def test_tls_versions_can_be_pinned_to_tls13(tmp_path: Path, tls_files: TlsFiles) -> None:
    text = tls_section(tls_files, "min_version: TLS13", "max_version: TLS13")
    config = load_web_config(web_config(tmp_path, text))
    assert config.tls is not None
    assert config.tls.context().minimum_version == ssl.TLSVersion.TLSv1_3
    assert config.tls.context().maximum_version == ssl.TLSVersion.TLSv1_3


def test_relative_certificate_paths_are_read_beside_the_web_config(tls_files: TlsFiles) -> None:
    text = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
    path = tls_files.cert.parent / "web.yml"
    path.write_text(text, encoding="utf-8")
    assert load_web_config(path).tls is not None


def test_client_certificates_are_required_and_verified_with_a_ca(
    tmp_path: Path, tls_files: TlsFiles
) -> None:
    text = tls_section(
        tls_files,
        "client_auth_type: RequireAndVerifyClientCert",
        f"client_ca_file: {tls_files.ca}",
    )
    config = load_web_config(web_config(tmp_path, text))
    assert config.tls is not None
    assert config.tls.context().verify_mode == ssl.CERT_REQUIRED


def test_client_certificates_may_be_verified_if_given(tmp_path: Path, tls_files: TlsFiles) -> None:
    text = tls_section(
        tls_files, "client_auth_type: VerifyClientCertIfGiven", f"client_ca_file: {tls_files.ca}"
    )
    config = load_web_config(web_config(tmp_path, text))
    assert config.tls is not None
    assert config.tls.context().verify_mode == ssl.CERT_OPTIONAL


def test_basic_auth_users_keep_their_bcrypt_hashes(tmp_path: Path, password_hash: str) -> None:
    config = load_web_config(
        web_config(tmp_path, f"basic_auth_users:\n  prometheus: '{password_hash}'\n")
    )
    assert config.basic_auth_users == {"prometheus": password_hash.encode()}
    assert bcrypt.checkpw(b"scrape-me", config.basic_auth_users["prometheus"])
    assert config.scheme == "http"


def test_tls_and_basic_auth_together(
    tmp_path: Path, tls_files: TlsFiles, password_hash: str
) -> None:
    text = tls_section(tls_files) + f"basic_auth_users:\n  prometheus: '{password_hash}'\n"
    config = load_web_config(web_config(tmp_path, text))
    assert config.scheme == "https"
    assert set(config.basic_auth_users) == {"prometheus"}


# Refused.


def test_unknown_top_level_key_is_rejected(tmp_path: Path) -> None:
    error = rejected(tmp_path, "server_config:\n  http2: false\n")
    assert "server_config" in error.problem
    assert error.setting.startswith("OPENROUTER_EXPORTER_WEB_CONFIG")


def test_http2_setting_is_rejected_as_unsupported(tmp_path: Path) -> None:
    error = rejected(tmp_path, "http_server_config:\n  http2: true\n")
    assert "http2" in error.problem
    assert error.setting.endswith("http_server_config")


# http_server_config.headers, by exporter-toolkit's rules.


def test_allowed_headers_are_kept_with_their_canonical_names(tmp_path: Path) -> None:
    text = (
        "http_server_config:\n  headers:\n"
        "    x-frame-options: deny\n"
        "    Strict-Transport-Security: max-age=31536000\n"
    )
    assert load_web_config(web_config(tmp_path, text)).headers == {
        "X-Frame-Options": "deny",
        "Strict-Transport-Security": "max-age=31536000",
    }


@pytest.mark.parametrize("header", ["Server", "Content-Type", "Set-Cookie", "Vary"])
def test_header_outside_exporter_toolkits_list_is_rejected(tmp_path: Path, header: str) -> None:
    error = rejected(tmp_path, f"http_server_config:\n  headers:\n    {header}: x\n")
    assert header in error.problem
    assert "cannot be set" in error.problem


@pytest.mark.parametrize(
    ("header", "value"), [("X-Content-Type-Options", "sniff"), ("X-Frame-Options", "allow")]
)
def test_header_value_outside_its_allowed_values_is_rejected(
    tmp_path: Path, header: str, value: str
) -> None:
    error = rejected(tmp_path, f"http_server_config:\n  headers:\n    {header}: {value}\n")
    assert error.setting.endswith(f"headers.{header}")


def test_header_value_spanning_lines_is_rejected(tmp_path: Path) -> None:
    text = 'http_server_config:\n  headers:\n    Content-Security-Policy: "a\\r\\nX-Evil: 1"\n'
    assert rejected(tmp_path, text).problem == "must be one line of text"


def test_unknown_tls_key_is_rejected(tmp_path: Path, tls_files: TlsFiles) -> None:
    error = rejected(tmp_path, tls_section(tls_files, "cipher_suites: [TLS_AES_128_GCM_SHA256]"))
    assert "cipher_suites" in error.problem
    assert error.setting.endswith("tls_server_config")


@pytest.mark.parametrize("auth_type", ["RequireAnyClientCert", "RequestClientCert", "Maybe"])
def test_unsupported_client_auth_type_is_rejected(
    tmp_path: Path, tls_files: TlsFiles, auth_type: str
) -> None:
    text = tls_section(
        tls_files, f"client_auth_type: {auth_type}", f"client_ca_file: {tls_files.ca}"
    )
    error = rejected(tmp_path, text)
    assert error.setting.endswith("client_auth_type")
    assert auth_type in error.problem


@pytest.mark.parametrize("version", ["TLS10", "TLS11"])
def test_insecure_tls_version_is_rejected(
    tmp_path: Path, tls_files: TlsFiles, version: str
) -> None:
    error = rejected(tmp_path, tls_section(tls_files, f"min_version: {version}"))
    assert error.setting.endswith("min_version")
    assert "insecure" in error.problem


def test_unknown_tls_version_is_rejected(tmp_path: Path, tls_files: TlsFiles) -> None:
    error = rejected(tmp_path, tls_section(tls_files, "max_version: SSL3"))
    assert error.setting.endswith("max_version")


def test_max_version_below_min_version_is_rejected(tmp_path: Path, tls_files: TlsFiles) -> None:
    error = rejected(tmp_path, tls_section(tls_files, "min_version: TLS13", "max_version: TLS12"))
    assert error.setting.endswith("max_version")


def test_max_version_alone_keeps_the_tls12_minimum(tmp_path: Path, tls_files: TlsFiles) -> None:
    config = load_web_config(web_config(tmp_path, tls_section(tls_files, "max_version: TLS12")))
    assert config.tls is not None
    assert config.tls.context().minimum_version == ssl.TLSVersion.TLSv1_2
    assert config.tls.context().maximum_version == ssl.TLSVersion.TLSv1_2


def test_missing_key_file_setting_is_rejected(tmp_path: Path, tls_files: TlsFiles) -> None:
    error = rejected(tmp_path, f"tls_server_config:\n  cert_file: {tls_files.cert}\n")
    assert "key_file" in error.problem


def test_key_file_that_does_not_exist_is_rejected(tmp_path: Path, tls_files: TlsFiles) -> None:
    absent = tmp_path / "absent.key"
    text = f"tls_server_config:\n  cert_file: {tls_files.cert}\n  key_file: {absent}\n"
    error = rejected(tmp_path, text)
    assert "cannot load certificate and key" in error.problem


def test_key_not_matching_the_certificate_is_rejected(tmp_path: Path, tls_files: TlsFiles) -> None:
    other = trustme.CA().issue_cert("localhost")
    other_key = tmp_path / "other.key"
    other.private_key_pem.write_to_path(str(other_key))
    text = f"tls_server_config:\n  cert_file: {tls_files.cert}\n  key_file: {other_key}\n"
    assert "cannot load" in rejected(tmp_path, text).problem


def test_client_ca_file_is_required_for_require_and_verify_client_cert(
    tmp_path: Path, tls_files: TlsFiles
) -> None:
    error = rejected(
        tmp_path, tls_section(tls_files, "client_auth_type: RequireAndVerifyClientCert")
    )
    assert error.setting.endswith("client_ca_file")
    assert "RequireAndVerifyClientCert" in error.problem


def test_unreadable_client_ca_file_is_rejected(tmp_path: Path, tls_files: TlsFiles) -> None:
    text = tls_section(
        tls_files,
        "client_auth_type: RequireAndVerifyClientCert",
        f"client_ca_file: {tmp_path / 'absent-ca.crt'}",
    )
    assert rejected(tmp_path, text).setting.endswith("client_ca_file")


@pytest.mark.parametrize(
    "hashed",
    [
        "plaintext-password",
        "$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0",  # md5-crypt
        "$6$rounds=5000$salt$hash",  # sha512-crypt
        "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
    ],
)
def test_non_bcrypt_password_hash_is_rejected(tmp_path: Path, hashed: str) -> None:
    error = rejected(tmp_path, f"basic_auth_users:\n  prometheus: '{hashed}'\n")
    assert error.setting.endswith("basic_auth_users.prometheus")
    assert "bcrypt" in error.problem


@pytest.mark.parametrize("hashed", ["$2b$garbage", "$2y$10$tooshort"])
def test_malformed_bcrypt_hash_is_rejected_at_start_up(tmp_path: Path, hashed: str) -> None:
    error = rejected(tmp_path, f"basic_auth_users:\n  prometheus: '{hashed}'\n")
    assert error.setting.endswith("basic_auth_users.prometheus")


def test_non_bcrypt_hash_is_not_echoed(tmp_path: Path) -> None:
    error = rejected(tmp_path, "basic_auth_users:\n  prometheus: 'hunter2-plaintext'\n")
    assert "hunter2" not in str(error)


@pytest.mark.parametrize("user", ["'a:b'", "''", "123"])
def test_bad_user_name_is_rejected(tmp_path: Path, password_hash: str, user: str) -> None:
    error = rejected(tmp_path, f"basic_auth_users:\n  {user}: '{password_hash}'\n")
    assert error.setting.endswith("basic_auth_users")


def test_basic_auth_users_must_be_a_mapping(tmp_path: Path) -> None:
    assert "bcrypt" in rejected(tmp_path, "basic_auth_users: [alice]\n").problem


@pytest.mark.parametrize("text", ["- a list\n", "just text\n"])
def test_web_config_must_be_a_mapping(tmp_path: Path, text: str) -> None:
    assert rejected(tmp_path, text).problem == "must be a mapping"


def test_invalid_yaml_is_rejected(tmp_path: Path) -> None:
    assert rejected(tmp_path, "tls_server_config: [\n").problem.startswith("is not valid YAML")


def test_missing_web_config_file_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_web_config(tmp_path / "absent.yml")
    assert "cannot read" in str(caught.value)


# Certificates re-read when they change on disk.


def _rotate(tls_files: TlsFiles, directory: Path, cert_pem: bytes, key_pem: bytes) -> None:
    """Replace the pair as cert-manager does: new files moved into place."""
    (directory / "new.key").write_bytes(key_pem)
    (directory / "new.crt").write_bytes(cert_pem)
    os.replace(directory / "new.key", tls_files.key)
    os.replace(directory / "new.crt", tls_files.cert)


@pytest.fixture
def own_tls_files(tmp_path: Path) -> TlsFiles:
    """A certificate pair this test may replace."""
    authority = trustme.CA()
    server = authority.issue_cert("localhost")
    files = TlsFiles(tmp_path / "server.crt", tmp_path / "server.key", tmp_path / "ca.crt")
    server.cert_chain_pems[0].write_to_path(str(files.cert))
    server.private_key_pem.write_to_path(str(files.key))
    authority.cert_pem.write_to_path(str(files.ca))
    return files


def test_unchanged_files_keep_the_same_context(tmp_path: Path, own_tls_files: TlsFiles) -> None:
    tls = load_web_config(web_config(tmp_path, tls_section(own_tls_files))).tls
    assert tls is not None
    assert tls.context() is tls.context()


def test_rotated_pair_gives_a_new_context(tmp_path: Path, own_tls_files: TlsFiles) -> None:
    tls = load_web_config(web_config(tmp_path, tls_section(own_tls_files))).tls
    assert tls is not None
    before = tls.context()
    leaf = trustme.CA().issue_cert("localhost")
    _rotate(own_tls_files, tmp_path, leaf.cert_chain_pems[0].bytes(), leaf.private_key_pem.bytes())
    assert tls.context() is not before


def test_rotation_that_cannot_be_loaded_keeps_the_previous_certificate(
    tmp_path: Path, own_tls_files: TlsFiles
) -> None:
    tls = load_web_config(web_config(tmp_path, tls_section(own_tls_files))).tls
    assert tls is not None
    before = tls.context()
    half_written = own_tls_files.cert.read_bytes()[:100]
    _rotate(own_tls_files, tmp_path, half_written, own_tls_files.key.read_bytes())
    assert tls.context() is before
