"""Browser identities: one source for a provider's TLS target, ``user-agent`` and client hints.

A bot check compares the browser the TLS/HTTP2 fingerprint says (curl_cffi's ``impersonate``
target) with the ``user-agent`` and ``sec-ch-ua*`` headers; they must name the same Chrome.
Each provider has one :class:`BrowserIdentity` (its ``identity`` class attribute) and builds all
three from it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BrowserIdentity"]

_PLATFORMS = {
    "Windows": "Windows NT 10.0; Win64; x64",
    "Linux": "X11; Linux x86_64",
    "macOS": "Macintosh; Intel Mac OS X 10_15_7",
}


@dataclass(frozen=True)
class BrowserIdentity:
    """A desktop Chrome: its major version, the platform it claims, the curl_cffi target.

    Attributes:
        major: Chrome's major version (``131``).
        platform: ``"Windows"``, ``"Linux"`` or ``"macOS"``.
    """

    major: int
    platform: str = "Windows"

    def __post_init__(self) -> None:
        if self.platform not in _PLATFORMS:
            raise ValueError(
                f"platform must be one of {', '.join(_PLATFORMS)}, got {self.platform!r}"
            )

    @property
    def impersonate(self) -> str:
        """The curl_cffi ``impersonate`` target (``"chrome131"``)."""
        return f"chrome{self.major}"

    @property
    def user_agent(self) -> str:
        """The ``user-agent`` header of this Chrome."""
        return (
            f"Mozilla/5.0 ({_PLATFORMS[self.platform]}) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{self.major}.0.0.0 Safari/537.36"
        )

    def client_hints(self) -> dict[str, str]:
        """The ``sec-ch-ua``, ``sec-ch-ua-mobile`` and ``sec-ch-ua-platform`` headers."""
        brands = (
            f'"Google Chrome";v="{self.major}", "Chromium";v="{self.major}", "Not_A Brand";v="24"'
        )
        return {
            "sec-ch-ua": brands,
            "sec-ch-ua-mobile": "?0",
            "sec-ch-ua-platform": f'"{self.platform}"',
        }

    def headers(self, user_agent: str | None = None) -> dict[str, str]:
        """``user-agent`` (default :attr:`user_agent`) and the client hints."""
        return {"user-agent": user_agent or self.user_agent, **self.client_hints()}
