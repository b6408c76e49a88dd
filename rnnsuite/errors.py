"""Errors a user can fix: the CLI prints their message in one line and exits 2."""


class UserError(Exception):
    """Bad input from the user (an argument, a file, a plugin): one line, exit code 2."""

    exit_code = 2


class DataError(UserError):
    """A data file or source is missing, corrupt or of the wrong shape."""


def one_line(exc: BaseException) -> str:
    """An exception as one line: a user error's own message, otherwise prefixed with its type."""
    text = " ".join(str(exc).split())
    if isinstance(exc, UserError):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
