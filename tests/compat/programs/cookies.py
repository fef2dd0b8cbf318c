"""g4f's cookie helpers: a cookies directory, reading it, and setting cookies by hand."""

from g4f.cookies import (
    get_cookies,
    get_cookies_dir,
    read_cookie_files,
    set_cookies,
    set_cookies_dir,
)


def main(directory):
    set_cookies_dir(directory)
    read_cookie_files(get_cookies_dir())
    from_files = get_cookies("chat.example.com")
    set_cookies(".example.org", {"session": "by-hand"})
    return {"dir": get_cookies_dir(), "files": from_files, "by_hand": get_cookies("example.org")}
