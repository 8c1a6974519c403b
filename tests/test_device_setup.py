"""Setting devices up: the server warns at start when printed links would point at an address phones
cannot reach; `hallq new-token --agent` makes an agent token."""
import logging

import pytest

from server.cli import _override, serve_parser, unreachable_link_warning
from server.config import load_demo


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost:8080", "http://0.0.0.0:8080",
                                 "http://[::1]:8080", "http://169.254.10.2:8080"])
def test_links_phones_cannot_reach_are_warned_about(url):
    warning = unreachable_link_warning(url)
    assert warning and url in warning and "public_url" in warning


@pytest.mark.parametrize("url", ["http://10.20.0.5:8080", "https://queue.hall.example", "http://192.168.1.20"])
def test_reachable_links_are_not(url):
    assert unreachable_link_warning(url) is None


def test_host_0_0_0_0_without_public_url_is_warned_about():
    settings = _override(load_demo(), serve_parser().parse_args(["--host", "0.0.0.0", "--port", "8099"]))
    assert settings.server.public_url == "http://127.0.0.1:8099"  # what QR codes would carry
    assert unreachable_link_warning(settings.server.public_url)


async def test_the_warning_is_logged_at_start(caplog, tmp_path, monkeypatch):
    from server import cli

    settings = _override(load_demo(), serve_parser().parse_args(["--host", "127.0.0.1", "--port", "0",
                                                                  "--db", str(tmp_path / "h.db")]))

    async def stop_at_once() -> None:
        return None

    monkeypatch.setattr(cli, "_wait_for_signal", stop_at_once)
    with caplog.at_level(logging.WARNING, logger="hallq"):
        await cli._serve(settings, demo_printers=False)
    assert any("phones cannot reach" in r.getMessage() for r in caplog.records)


def test_new_token_makes_an_agent_token_line():
    import io

    from server.config_cli import new_token_main

    out = io.StringIO()
    assert new_token_main(["--device", "kiosk-3", "--agent"], out=out) == 0
    lines = out.getvalue().splitlines()
    assert "agent of kiosk-3" in lines[0] and lines[-1].startswith('agent_token_hash = "sha256$')
