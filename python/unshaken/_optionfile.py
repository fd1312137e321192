"""``read_default_file`` / ``read_default_group``: MySQL option files.

The C client reads these files itself; our core has no such step, so the
Python layer reads them and turns the settings it understands into connect()
keyword arguments. As in the C client, explicit arguments win over the file;
the ``ssl`` dict key by key (see ``_optionfile_tls``). Group names compare
case-insensitively, as in libmysqlclient.
"""

import glob
import os

from . import _optionfile_tls

# Groups every client reads, then the one the caller names.
_CLIENT_GROUPS = ("client", "client-server", "client-mariadb")

_DEFAULT_FILES = ("/etc/my.cnf", "/etc/mysql/my.cnf", "~/.my.cnf")

# option name (dashes) -> (connect() keyword, type)
_OPTIONS = {
    "host": ("host", str),
    "user": ("user", str),
    "password": ("password", str),
    "database": ("database", str),
    "port": ("port", int),
    "socket": ("unix_socket", str),
    "default-character-set": ("charset", str),
    "connect-timeout": ("connect_timeout", int),
    "timeout": ("connect_timeout", int),
    "init-command": ("init_command", str),
    "max-allowed-packet": ("max_allowed_packet", str),  # "16M": parsed by connect()
}

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "s": " ", "\\": "\\", '"': '"', "'": "'"}


def read_options(read_default_file=None, read_default_group=None):
    """connect() keyword arguments from option files (empty when neither
    argument is given)."""
    if not read_default_file and not read_default_group:
        return {}
    groups = set(_CLIENT_GROUPS)
    if read_default_group:
        groups.add(read_default_group.lower())
    files = [read_default_file] if read_default_file else list(_DEFAULT_FILES)
    settings, tls = {}, {}
    for path in files:
        for source, group, key, value in _parse_file(os.path.expanduser(path), depth=0):
            if group not in groups:
                continue
            key = key.removeprefix("loose-")  # "ignore if unknown": these are known
            # Later lines override earlier ones.
            if key in _OPTIONS:
                settings[key] = value
            elif _optionfile_tls.is_tls_option(key):
                tls[key] = (value, source)
    return {**_to_kwargs(settings), **_optionfile_tls.tls_kwargs(tls)}


def merge_into(params, file_params):
    """The file's settings under connect()'s explicit arguments (which win)."""
    explicit_ssl = params.get("ssl")
    for name, value in file_params.items():
        if name == "ssl":
            params["ssl"] = _optionfile_tls.merge_ssl(explicit_ssl, value)
        elif name == "ssl_mode":
            if params.get("ssl_mode") is None and _optionfile_tls.mode_applies(
                    explicit_ssl, value):
                params["ssl_mode"] = value
        elif params.get(name) is None:
            params[name] = value
    return params


def _to_kwargs(settings):
    kwargs = {}
    for key, value in settings.items():
        name, kind = _OPTIONS[key]
        if value is not None:
            kwargs[name] = kind(value)
    return kwargs


def _parse_file(path, depth):
    """Yield (file, group, key, value) from one file, following !include(dir)."""
    if depth > 10 or not os.path.isfile(path):
        return
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    group = None
    for raw in lines:
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("!include "):
            yield from _parse_file(line[9:].strip(), depth + 1)
        elif line.startswith("!includedir "):
            for sub in sorted(glob.glob(os.path.join(line[12:].strip(), "*.cnf"))):
                yield from _parse_file(sub, depth + 1)
        elif line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip().lower()
        elif group is not None:
            key, value = parse_line(line)
            yield path, group, key, value


def parse_line(line):
    """'key = value' -> ('key', 'value'); a bare 'key' gives ('key', None).
    Underscores in the key count as dashes; the value may be quoted."""
    key, sep, value = line.partition("=")
    key = key.strip().lower().replace("_", "-")
    if not sep:
        return key, None
    return key, _unquote(value.strip())


def _unquote(value):
    if value[:1] in ("'", '"'):
        quote = value[0]
        end = value.find(quote, 1)
        return value[1:end] if end > 0 else value[1:]
    value = value.split("#", 1)[0].rstrip()  # trailing comment
    out, chars = [], iter(value)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            ch = _ESCAPES.get(nxt, "\\" + nxt)
        out.append(ch)
    return "".join(out)
