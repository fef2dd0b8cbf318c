"""Provider base types under g4f's names (``BaseProvider``, ``BaseRetryProvider``, ...)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar, Generic, TypeVar, cast
from urllib.parse import urljoin, urlsplit

from fastg4f.typing import AsyncResult, CreateResult, Messages

__all__ = [
    "BaseProvider",
    "BaseRetryProvider",
    "ProviderType",
    "Streaming",
    "classproperty",
    "url_endpoint",
]

T = TypeVar("T")


class classproperty(Generic[T]):
    """A read-only property computed from the class (``Provider.params``)."""

    def __init__(self, fget: Callable[[Any], T]) -> None:
        self.fget = fget
        self.__doc__ = fget.__doc__

    def __get__(self, obj: object, owner: type | None = None) -> T:
        return self.fget(owner if owner is not None else type(obj))


def join_url(base: str | None, path: str, *, owner: str = "provider") -> str:
    """Joins ``path`` under ``base`` **keeping base's path** (unlike ``urllib.parse.urljoin``).

    ``join_url("http://127.0.0.1:8080/chatgpt", "backend-api/x")`` is
    ``"http://127.0.0.1:8080/chatgpt/backend-api/x"``; slashes at the seam are normalized, an
    empty ``path`` gives ``base`` unchanged.

    Raises:
        ValueError: ``base`` is unset, not an ``http(s)://`` URL, or has a query or fragment (which
            a path could not follow); ``path`` is an absolute URL (it would escape ``base``).
    """
    if not base:
        raise ValueError(f"{owner}.url is not set; set it to the site's base URL first")
    parts = urlsplit(base)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"{owner}.url must be an http:// or https:// URL, got {base!r}")
    if parts.query or parts.fragment:
        raise ValueError(
            f"{owner}.url must not have a query or fragment, got {base!r}; "
            "put only the scheme, host and path prefix there"
        )
    if "://" in path or path.startswith("//"):
        raise ValueError(
            f"endpoint path {path!r} is an absolute URL; give a path relative to {owner}.url"
        )
    if not path:
        return base
    return f"{base.rstrip('/')}/{path.lstrip('/')}"


class _UrlEndpoint:
    """Descriptor behind :func:`url_endpoint`: computed from ``url`` on every access."""

    def __init__(self, path: str, relative: bool) -> None:
        self.path = path
        self.relative = relative
        self.name = "endpoint"

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: object, owner: type | None = None) -> str:
        cls = owner if owner is not None else type(obj)
        url = getattr(cls, "url", None)
        if self.relative:
            return urljoin(join_url(url, "", owner=cls.__name__), self.path)
        return join_url(url, self.path, owner=cls.__name__)

    def __repr__(self) -> str:
        return f"url_endpoint({self.path!r}{', relative=True' if self.relative else ''})"


def url_endpoint(path: str, *, relative: bool = False) -> str:
    """A class attribute that is ``url`` joined with ``path``, recomputed on every access.

    ``api_endpoint = url_endpoint("wp-admin/admin-ajax.php")`` follows ``url`` when ``url`` is
    reassigned on the class or overridden in a subclass (a mirror, a local emulator under a path
    prefix). To type checkers the attribute is a ``str``; see :func:`join_url` for the rules.

    With ``relative=True``, ``path`` is resolved the way a browser resolves a link on the page
    ``url``: it replaces ``url``'s last path segment (``url_endpoint("api/text", relative=True)``
    under ``https://chat-gpt.org/chat`` is ``https://chat-gpt.org/api/text``).
    """
    return cast(str, _UrlEndpoint(path, relative))


class BaseProvider(ABC):
    """Base of every provider; providers are used through classmethods and never instantiated.

    Attributes:
        url: The site's base URL, path included. Every request is derived from it, so pointing
            it at a mirror or an emulator (``http://127.0.0.1:8080/chatgpt``) moves the provider.
        label: Display name (defaults to the class name in :meth:`get_dict` consumers).
        working: Whether the provider is believed to work; routing skips it otherwise.
        needs_auth: Whether cookies or credentials are required.
        supports_stream: Whether it can yield text incrementally.
        supports_system_message: Whether system messages are honoured.
        supports_message_history: Whether earlier turns are sent.
        supports_gpt_35_turbo: g4f compatibility flag.
        supports_gpt_4: g4f compatibility flag.
        api_endpoint: The main API URL where the provider has one (often a :func:`url_endpoint`).
    """

    url: ClassVar[str | None] = None
    label: ClassVar[str | None] = None
    working: ClassVar[bool] = False
    needs_auth: ClassVar[bool] = False
    supports_stream: ClassVar[bool] = False
    supports_system_message: ClassVar[bool] = False
    supports_message_history: ClassVar[bool] = False
    supports_gpt_35_turbo: ClassVar[bool] = False
    supports_gpt_4: ClassVar[bool] = False
    api_endpoint: ClassVar[str | None] = None

    @classmethod
    @abstractmethod
    def create_completion(
        cls, model: str, messages: Messages, stream: bool, **kwargs: Any
    ) -> CreateResult:
        """Yields the answer's text (deltas when streaming, else the whole answer)."""
        raise NotImplementedError

    @classmethod
    @abstractmethod
    async def create_async(cls, model: str, messages: Messages, **kwargs: Any) -> str:
        """Returns the whole answer."""
        raise NotImplementedError

    @classmethod
    def create_function(cls, *args: Any, **kwargs: Any) -> CreateResult:
        """Alias of :meth:`create_completion` (g4f's name for the sync call style)."""
        return cls.create_completion(*args, **kwargs)

    @classmethod
    def async_create_function(
        cls, *args: Any, **kwargs: Any
    ) -> AsyncResult | Coroutine[Any, Any, str]:
        """Alias of the class's native async call style (``create_async`` here)."""
        return cls.create_async(*args, **kwargs)

    @classmethod
    def get_create_function(cls) -> Callable[..., CreateResult]:
        """Returns :meth:`create_completion` (older g4f API)."""
        return cls.create_completion

    @classmethod
    def get_async_create_function(cls) -> Callable[..., Any]:
        """Returns the native async call style (older g4f API)."""
        return cls.create_async

    @classmethod
    def get_dict(cls) -> dict[str, str | None]:
        """Returns ``{"name": <class name>, "url": url, "label": label}``."""
        return {"name": cls.__name__, "url": cls.url, "label": cls.label}

    @classmethod
    def get_parent(cls) -> str:
        """Returns the ``parent`` attribute if the class has one, else its name (as g4f)."""
        return str(getattr(cls, "parent", cls.__name__))

    @classmethod
    def url_join(cls, path: str = "") -> str:
        """Joins ``path`` under :attr:`url`, keeping ``url``'s own path (see :func:`join_url`).

        Raises:
            ValueError: ``url`` is unset or malformed, or ``path`` is an absolute URL.
        """
        return join_url(cls.url, path, owner=cls.__name__)


class BaseRetryProvider(BaseProvider):
    """Base of providers that try other providers in turn (g4f's name).

    Attributes:
        providers: The providers to try.
        shuffle: Whether to try them in random order.
        last_provider: The provider that answered last.
    """

    __name__: str = "RetryProvider"
    supports_stream: ClassVar[bool] = True
    providers: list[type[BaseProvider]]
    shuffle: bool
    last_provider: type[BaseProvider] | None = None


ProviderType = type[BaseProvider] | BaseRetryProvider
"""A provider class or a retry-provider instance (g4f's name)."""


class Streaming:
    """A text chunk wrapper (g4f's name); ``str()`` gives the text."""

    def __init__(self, data: str) -> None:
        self.data = data

    def __str__(self) -> str:
        return self.data
