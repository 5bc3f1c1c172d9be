"""A chronology as PDF (WeasyPrint), rendered from HTML that can fetch nothing: the only
files it may load are the ones bundled beside its template, and no address is ever opened."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from safeguarding.records.selectors import ChronologyExport

# The chronology's template and stylesheet. Fonts come from the system (fontconfig), never
# from a URL.
ASSETS = Path(__file__).resolve().parent / "templates" / "records" / "pdf"
_BUNDLED_KINDS = {".css", ".png", ".svg", ".ttf", ".otf", ".woff", ".woff2"}


class FetchRefused(ValueError):
    """An address the PDF asked for that is not a bundled asset."""


class BundledAssetsOnly(URLFetcher):
    """Serves files from `root` and refuses every other address (http, https, ftp, data:,
    any other file) without opening it, so nothing written in a record, and nothing a
    stylesheet names, can make the server reach the network or read its own disk.
    `refused` lists what was asked for and refused."""

    def __init__(self, root: Path = ASSETS) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = root.resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        path = self._bundled(url)
        if path is None:
            self.refused.append(url)
            raise FetchRefused("Only the files bundled with the export's template are loaded.")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )

    def _bundled(self, url: str) -> Path | None:
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self.root) or path.suffix.lower() not in _BUNDLED_KINDS:
            return None
        return path if path.is_file() else None


def write_pdf(html: str, fetcher: BundledAssetsOnly | None = None) -> bytes:
    """HTML to PDF, relative addresses resolved against the bundled assets, every fetch
    through `fetcher` (a new BundledAssetsOnly unless given)."""
    document = HTML(
        string=html,
        base_url=ASSETS.as_uri() + "/",
        url_fetcher=fetcher or BundledAssetsOnly(),
    )
    return document.write_pdf()


def chronology_pdf(export: ChronologyExport, fetcher: BundledAssetsOnly | None = None) -> bytes:
    """The school's name and who generated it when on every page, "Page X of Y", the pupil,
    the filters applied, then each incident with its actions and changes under it."""
    return write_pdf(render_to_string("records/pdf/chronology.html", {"export": export}), fetcher)
