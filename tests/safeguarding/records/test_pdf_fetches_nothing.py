"""Making a PDF fetches nothing: the URL fetcher serves only the files bundled with the
template and refuses every other address without opening it, and what staff wrote is text,
never markup."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import weasyprint

from safeguarding.records.pdf import ASSETS, BundledAssetsOnly, FetchRefused, write_pdf
from tests.safeguarding.records.helpers import days_ago, export, pdf_text
from tests.sessions import signed_in

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@pytest.fixture
def listener() -> Iterator[dict]:
    """A web server on loopback that counts what is asked of it."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_address[1]}", "asked": asked}
    server.shutdown()
    server.server_close()


def _hostile(url: str) -> str:
    return f"""<html><head>
      <link rel="stylesheet" href="{url}/linked.css">
      <style>
        @import url("{url}/imported.css");
        @font-face {{ font-family: Remote; src: url("{url}/font.woff2"); }}
        body {{ background: url("{url}/background.png"); font-family: Remote; }}
      </style></head>
      <body><p>Hello</p><img src="{url}/image.png"><img src="file:///etc/hostname">
      <img src="data:image/png;base64,iVBORw0KGgo="></body></html>"""


def test_the_test_server_is_reached_by_weasyprints_own_fetcher(listener):
    """The control: without Haven's fetcher, the same HTML fetches from the network."""
    weasyprint.HTML(string=_hostile(listener["url"])).write_pdf()
    assert "/image.png" in listener["asked"]


def test_html_that_names_addresses_fetches_none_of_them(listener):
    fetcher = BundledAssetsOnly()
    pdf = write_pdf(_hostile(listener["url"]), fetcher)
    assert pdf.startswith(b"%PDF") and "Hello" in pdf_text(pdf)
    assert listener["asked"] == []
    refused = set(fetcher.refused)
    named = ("linked.css", "imported.css", "font.woff2", "background.png", "image.png")
    assert {f"{listener['url']}/{name}" for name in named} <= refused
    assert "file:///etc/hostname" in refused
    assert any(url.startswith("data:") for url in refused)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.png",
        "https://example.invalid/x.css",
        "ftp://example.invalid/x.css",
        "data:text/css,body{}",
        "file:///etc/passwd",
        "file://example.invalid" + str(ASSETS / "chronology.css"),
        (ASSETS / "../../../../pdf.py").as_uri(),
        (ASSETS / ".." / "export.html").as_uri(),
        (ASSETS / "chronology.html").as_uri(),  # a template, not an asset
        (ASSETS / "missing.css").as_uri(),
        "chronology.css",  # not an address at all
    ],
)
def test_the_fetcher_refuses_anything_but_a_bundled_asset(url):
    fetcher = BundledAssetsOnly()
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_serves_the_bundled_stylesheet():
    response = BundledAssetsOnly().fetch((ASSETS / "chronology.css").as_uri())
    assert response.content_type == "text/css"
    assert b"@page" in response.read()


def test_an_export_uses_the_fetcher_and_markup_in_a_record_stays_text(
    abbey, case, listener, monkeypatch
):
    from safeguarding.concerns.models import Category, Incident, IncidentCategory

    url = listener["url"]
    written = f'<img src="{url}/tracker.png"> <style>body{{background:url({url}/b.png)}}</style>'
    with abbey:
        # Written straight to the table: recording refuses markup, but text that came in
        # before that rule, or by another road, must be as harmless.
        incident = Incident.objects.create(
            pupil=case["amara"], text=written, occurred_at=days_ago(1), recorded_by=case["dsl"]
        )
        IncidentCategory.objects.create(
            incident=incident, category=Category.objects.get(name="Behaviour")
        )
    asked: list[str] = []
    fetch = BundledAssetsOnly.fetch

    def spy(self, address, headers=None):
        asked.append(address)
        return fetch(self, address, headers)

    monkeypatch.setattr(BundledAssetsOnly, "fetch", spy)
    response = export(signed_in(abbey, case["dsl"]), case["amara"].pk)
    assert response.status_code == 200
    assert asked == [(ASSETS / "chronology.css").as_uri()]
    assert listener["asked"] == []
    # As written, character for character (wherever the line wrapped).
    assert written.replace(" ", "") in pdf_text(response.content).replace(" ", "")
