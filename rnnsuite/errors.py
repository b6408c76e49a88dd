"""Errors a user can fix: the CLI prints their message in one line and exits 2."""


class UserError(Exception):
    """Bad input from the user (an argument, a file, a plugin): one line, exit code 2."""

    exit_code = 2


class DataError(UserError):
    """A data file or source is missing, corrupt or of the wrong shape."""
