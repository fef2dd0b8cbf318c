"""g4f's HTTP helpers: ``StreamSession`` and ``raise_for_status`` (awaited and plain)."""

import asyncio

from g4f.errors import RateLimitError, ResponseStatusError
from g4f.requests import Session, StreamSession, raise_for_status


async def fetch(base_url):
    results = {}
    async with StreamSession(impersonate="chrome", timeout=10) as session:
        async with session.get(f"{base_url}/echo?q=1") as response:
            await raise_for_status(response)
            results["echo"] = (await response.json())["query"]
        async with session.get(f"{base_url}/rate-limited") as response:
            try:
                await raise_for_status(response)
            except RateLimitError as error:
                results["async_error"] = str(error)
    return results


def main(base_url):
    results = asyncio.run(fetch(base_url))
    with Session(timeout=10) as session:
        response = session.get(f"{base_url}/status?code=418&body=teapot")
        try:
            raise_for_status(response)
        except ResponseStatusError as error:
            results["sync_error"] = str(error)
    return results
