"""The directory and files of the SQLite database: private to their owner, never a planted link.

The database holds the sandbox's signing keys, every tenant's client secret and the tokens it
issued, so no other local user may read it, and nobody may steer it elsewhere. Rules:

* The sandbox's own directory (named ``.vendor-sandbox``, the default ``./.vendor-sandbox/``) is
  created 0700. An existing one must be a real directory (a symbolic link is refused, whoever made
  it: the sandbox never makes one), owned by the user running the sandbox and writable by nobody
  else; one that others may only read (0755, as older versions made it) is tightened to 0700 and
  the user is told once, so an upgrade keeps its state.
* A directory the user chose (``--database sqlite:///somewhere/else.db``) belongs to the user:
  created 0700 when missing, never chmod-ed when it exists. It may be a link the user or root
  made, must be owned by the user or root, and if others may write to it, it must be sticky (like
  ``/tmp``), so nobody else can replace the files in it.
* The database file and everything SQLite and the sandbox put next to it (``-wal``, ``-shm``,
  ``-journal``, ``.lock``) are 0600, whatever the umask: the database and lock files are created
  0600 before SQLite opens them, and SQLite gives its companions the database file's mode.
  Existing ones are tightened; a link or a file owned by someone else is refused.

The checks go by path (SQLite opens by path), so they trust the directory above the state
directory: someone who may rename entries there could still swap it after the check.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: The name of the sandbox's own state directory (the default is ``./.vendor-sandbox/``).
OWN_DIRECTORY_NAME = ".vendor-sandbox"
DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
#: What may sit next to the database file: SQLite's write-ahead log, shared memory and rollback
#: journal, and the writers' ``flock`` file (:mod:`sandbox.core.store`).
COMPANION_SUFFIXES = ("", "-wal", "-shm", "-journal", ".lock")
#: Files the sandbox creates itself (empty), so they never exist with the umask's mode.
CREATED_SUFFIXES = ("", ".lock")


class UnsafeStateDirectory(Exception):
    """The database's location cannot be used safely (or at all); the message says what is wrong and what to do."""


def secure(database: Path) -> list[str]:
    """Make ``database``'s directory and files private (creating them if missing).

    Returns notes for the user on what was tightened (empty when nothing was); raises
    :class:`UnsafeStateDirectory` when the location cannot be trusted.
    """
    try:
        return _secure(database)
    except UnsafeStateDirectory:
        raise
    except OSError as error:  # e.g. a directory the user may not write to
        where = _shown(Path(error.filename)) if error.filename else _shown(database)
        raise UnsafeStateDirectory(
            f"cannot prepare {where} ({error.strerror or error}); choose a location you can write to with --database"
        ) from None


def _secure(database: Path) -> list[str]:
    directory = database.parent
    own = directory.name == OWN_DIRECTORY_NAME
    tightened: list[str] = []
    info = os.lstat(directory) if _create_directory(directory) else _check_directory(directory, own)
    if own and stat.S_IMODE(info.st_mode) != DIRECTORY_MODE:
        os.chmod(directory, DIRECTORY_MODE)
        tightened.append(f"{_shown(directory)} {stat.S_IMODE(info.st_mode):04o} -> {DIRECTORY_MODE:04o}")
    for suffix in COMPANION_SUFFIXES:
        path = Path(f"{database}{suffix}")
        if suffix in CREATED_SUFFIXES and _create_file(path):
            continue
        tightened += _check_file(path)
    if not tightened:
        return []
    return [
        "note: tightened permissions, since the database holds signing keys and client secrets: " + ", ".join(tightened)
    ]


def _shown(path: Path) -> str:
    return os.path.abspath(path)


def _create_directory(directory: Path) -> bool:
    """Create ``directory`` 0700 (its missing parents with the usual modes); False if it existed."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(directory, DIRECTORY_MODE)
    except FileExistsError:
        return False
    os.chmod(directory, DIRECTORY_MODE)  # the umask may have taken bits away; give exactly 0700
    return True


def _check_directory(directory: Path, own: bool) -> os.stat_result:
    shown = _shown(directory)
    me = os.geteuid()
    info = os.lstat(directory)
    if stat.S_ISLNK(info.st_mode):
        if own:
            raise UnsafeStateDirectory(
                f"{shown} is a symbolic link (to {os.readlink(directory)}); the sandbox keeps its secrets only "
                "in a real directory: remove the link, or choose a location with --database"
            )
        if info.st_uid not in (me, 0):
            raise UnsafeStateDirectory(
                f"{shown} is a symbolic link made by another user (uid {info.st_uid}); "
                "remove it, or choose another location with --database"
            )
        try:
            info = os.stat(directory)
        except FileNotFoundError:
            raise UnsafeStateDirectory(
                f"{shown} is a symbolic link to a place that does not exist; remove it, or choose another --database"
            ) from None
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeStateDirectory(f"{shown} is not a directory; move it away, or choose another --database")
    if info.st_uid != me and (own or info.st_uid != 0):
        raise UnsafeStateDirectory(
            f"{shown} belongs to another user (uid {info.st_uid}), who could read or replace the sandbox's "
            "secrets: remove it, or choose a location you own with --database"
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o022 and (own or not mode & stat.S_ISVTX):
        raise UnsafeStateDirectory(
            f"{shown} is writable by other users (mode {mode:04o}), who could have replaced what it holds: "
            f"check its content, then `chmod 700 {shown}`, or remove it"
        )
    return info


def _create_file(path: Path) -> bool:
    """Create ``path`` empty and exactly 0600, never through a link; False if it existed."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)
    return True


def _check_file(path: Path) -> list[str]:
    """Refuse a link or someone else's file at ``path``; tighten ours to 0600. What was tightened."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return []
    shown = _shown(path)
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeStateDirectory(
            f"{shown} is a symbolic link; the sandbox does not follow links for its database files: remove it"
        )
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeStateDirectory(f"{shown} is not a regular file; move it away, or choose another --database")
    if info.st_uid != os.geteuid():
        raise UnsafeStateDirectory(
            f"{shown} belongs to another user (uid {info.st_uid}); check it and remove it, "
            "or choose another location with --database"
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & ~FILE_MODE:
        os.chmod(path, mode & FILE_MODE)
        return [f"{path.name} {mode:04o} -> {mode & FILE_MODE:04o}"]
    return []


def secure_own_directory(directory: Path) -> list[str]:
    """The sandbox's own state directory (``./.vendor-sandbox``) for files other than the database (the
    TLS certificate authority): created 0700, or checked and tightened as :func:`secure` does for the
    database's. Returns what was tightened; raises :class:`UnsafeStateDirectory`."""
    try:
        info = os.lstat(directory) if _create_directory(directory) else _check_directory(directory, own=True)
        if stat.S_IMODE(info.st_mode) != DIRECTORY_MODE:
            os.chmod(directory, DIRECTORY_MODE)
            return [f"{_shown(directory)} {stat.S_IMODE(info.st_mode):04o} -> {DIRECTORY_MODE:04o}"]
        return []
    except OSError as error:
        raise UnsafeStateDirectory(f"cannot prepare {_shown(directory)} ({error.strerror or error})") from None


def secure_own_file(path: Path) -> list[str]:
    """An existing file of the state directory: refused when a link or someone else's, tightened to 0600."""
    return _check_file(path)
