"""The link over TLS with a password, as a real city deploys it: scram-sha-256 on 127.0.0.1, the
server's certificate verified (sslmode verify-full), the password only in password_file and in no
log line, and a wrong password shown as a clear error that keeps retrying."""
from __future__ import annotations

import logging
import subprocess

import asyncpg
import pytest

from city.admin import add_hall, init_schema
from city.pgtemp import TempPostgres
from server.citylink.catalogue import catalogue_of
from server.citylink.link import CityLink
from server.citylink.settings import CitySettings
from server.config import load_demo, read_table
from server.stats.demo_data import generate, plans
from tests.city.citytools import until

SUPERUSER_PW, HALL_PW = "super-Secret-1", "hall-Secret-2"


def make_certificates(folder) -> tuple:
    """A CA and a server certificate for localhost (openssl, as an administrator would)."""
    def run(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=60)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", "/CN=hallq test city CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (folder / "ext.cnf").write_text("subjectAltName=DNS:localhost\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf")
    return folder / "ca.crt", folder / "server.crt", folder / "server.key"


@pytest.fixture
async def secure_city(tmp_path):
    ca, cert, key = make_certificates(tmp_path)
    pg = TempPostgres(password=SUPERUSER_PW, tls=(cert, key)).init().start()
    try:
        conn = await asyncpg.connect(pg.dsn(), password=SUPERUSER_PW, ssl="require")
        await init_schema(conn)
        await add_hall(conn, "east", HALL_PW)
        await conn.close()
        yield pg, ca
    finally:
        pg.remove()


def secure_link(pg, ca, password_file, db_path) -> CityLink:
    table = read_table({"dsn": pg.dsn("hallq_hall_east"), "hall_id": "east", "password_file": str(password_file),
                        "sslmode": "verify-full", "sslrootcert": str(ca), "poll_s": 0.05, "retry_min_s": 0.05,
                        "retry_max_s": 0.5}, "city", "city")
    return CityLink(CitySettings.from_table(table), db_path, catalogue_of(load_demo().hall))


@pytest.mark.timeout(180)
async def test_link_over_verified_tls_with_a_password_only_in_its_file(secure_city, tmp_path, caplog):
    pg, ca = secure_city
    db_path = tmp_path / "hall.db"
    generate(str(db_path), plans("2026-11-24", 1, 40, seed=5, tz="Asia/Shanghai"))
    wrong, right = tmp_path / "wrong.pw", tmp_path / "city.pw"
    wrong.write_text("not-it\n")
    right.write_text(HALL_PW + "\n")
    caplog.set_level(logging.DEBUG)

    link = secure_link(pg, ca, wrong, db_path)
    link.start()
    try:
        await until(lambda: link.state.status == "unreachable", what="a refused sign-in")
        assert "password authentication failed" in link.state.error
    finally:
        link.stop()

    link = secure_link(pg, ca, right, db_path)
    link.start()
    try:
        await until(lambda: link.state.status == "up_to_date" and link.state.shipped_seq > 100, what="shipping")
    finally:
        link.stop()
    conn = await asyncpg.connect(pg.dsn(), password=SUPERUSER_PW, ssl="require")
    try:
        assert await conn.fetchval("SELECT COUNT(*) FROM city.events") == link.state.shipped_seq
        used_tls = await conn.fetchval("SELECT bool_and(ssl) FROM pg_stat_ssl")
        assert used_tls
    finally:
        await conn.close()
    assert HALL_PW not in caplog.text and "not-it" not in caplog.text


@pytest.mark.timeout(180)
async def test_a_server_certificate_not_signed_by_the_ca_is_refused(secure_city, tmp_path):
    pg, _ = secure_city
    other = tmp_path / "other"
    other.mkdir()
    other_ca = make_certificates(other)[0]  # a CA that did not sign the city's certificate
    db_path = tmp_path / "hall.db"
    generate(str(db_path), plans("2026-11-24", 1, 10, seed=5, tz="Asia/Shanghai"))
    (tmp_path / "city.pw").write_text(HALL_PW)
    link = secure_link(pg, other_ca, tmp_path / "city.pw", db_path)
    link.start()
    try:
        await until(lambda: link.state.status == "unreachable", what="the certificate refused")
        assert "certificate" in link.state.error.lower()
        assert link.state.shipped_seq == 0
    finally:
        link.stop()
