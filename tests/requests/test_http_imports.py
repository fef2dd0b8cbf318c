"""Import cost and transport choice, checked in fresh interpreters."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_does_not_load_a_transport() -> None:
    out = _run(
        """
        import sys
        import fastg4f, fastg4f.requests, fastg4f.cookies
        from fastg4f.requests import StreamSession, raise_for_status
        loaded = sorted({m.split(".")[0] for m in sys.modules} & {"curl_cffi", "httpx"})
        print(",".join(loaded) or "none")
        fastg4f.requests.Session(backend="httpx").close()
        print("httpx" in sys.modules, "curl_cffi" in sys.modules)
        fastg4f.requests.Session().close()
        print("curl_cffi" in sys.modules)
        """
    )
    assert out.splitlines() == ["none", "True False", "True"]


def test_falls_back_to_httpx_without_curl_cffi() -> None:
    out = _run(
        """
        import sys
        sys.modules["curl_cffi"] = None  # what an absent package looks like to import
        from fastg4f.requests import Session, StreamSession
        from fastg4f.errors import MissingRequirementsError
        s = Session()
        print(s.backend)
        s.close()
        print(StreamSession().backend)
        try:
            Session(backend="curl_cffi")
        except MissingRequirementsError as exc:
            print("missing:", "pip install curl_cffi" in str(exc))
        """
    )
    assert out.splitlines() == ["httpx", "httpx", "missing: True"]
