"""Serve a built site on loopback and load its pages in Debian's Chromium.

Shared by the browser tests and by :mod:`generator.bench.measure`, so the bytes
we report are the bytes the tests saw. Chromium is always the system one: there
is no network to download a browser from, and Playwright's own builds would need it.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=AutofillServerCommunication,NetworkTimeServiceQuerying,"
    "OptimizationHints,MediaRouter,Translate",
    # Without this Chromium still reaches for Google hosts in the background (autofill
    # lookups fired by Material's search form): every name but loopback fails to resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]


def chromium_available() -> bool:
    return Path(CHROMIUM).is_file()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass


@contextlib.contextmanager
def serve(site_dir: Path) -> Iterator[str]:
    """Serve ``site_dir`` on 127.0.0.1 at a free port; yields the base URL (with ``/``)."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def launch(playwright) -> Iterator[object]:
    """A persistent Chromium context with a fresh, throw-away user data dir."""
    profile = tempfile.mkdtemp(prefix="ar-chromium-")
    context = playwright.chromium.launch_persistent_context(
        profile,
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        # Headless Chromium hides scrollbars by default; a reader's browser shows them, and the
        # layout tests check that a chart too wide for its column shows one.
        ignore_default_args=["--hide-scrollbars"],
        service_workers="block",
    )
    try:
        yield context
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)
