"""The TLS options of MySQL option files -> connect()'s ``ssl`` / ``ssl_mode``.

Read as the mysql/mariadb client reads them: ``ssl-ca``, ``ssl-capath``, ``ssl-cert``,
``ssl-key`` and ``ssl-cipher`` become keys of the ``ssl`` dict (``tls-ciphersuites``,
MySQL's list for TLS 1.3, joins ``cipher``: only the suites named in either are
offered); ``ssl-mode`` is ``ssl_mode``; ``ssl-verify-server-cert`` (a boolean) means
VERIFY_IDENTITY; the boolean ``ssl`` asks for TLS and ``skip-ssl`` (``ssl=0``) turns it
off. Any other ``ssl*``/``tls*`` option (``ssl-crl``, ``ssl-passphrase``, ...) raises
NotSupportedError naming the option and the file: a file that asks for a protection
we cannot give must not connect without it.
"""

from ._exceptions import NotSupportedError

# option name -> key of connect()'s ssl dict
_DICT_KEYS = {
    "ssl-ca": "ca", "ssl-capath": "capath", "ssl-cert": "cert", "ssl-key": "key",
    "ssl-cipher": "cipher",
}
_BOOLEANS = ("ssl", "ssl-verify-server-cert")
# rustls speaks exactly these; a tls-version list that allows both is honoured.
_OUR_VERSIONS = {"TLSV1.2", "TLSV1.3"}
_TRUE, _FALSE = ("1", "on", "true", "yes"), ("0", "off", "false", "no")


def is_tls_option(key):
    """Whether an option (dashes, lower case, ``loose-`` removed) is about TLS."""
    name = _strip_bool_prefix(key)[1]
    return name.startswith(("ssl", "tls"))


def tls_kwargs(entries):
    """``entries``: option name -> (value, file), the last occurrence of each.
    Returns connect() keywords (``ssl``, ``ssl_mode``) or raises NotSupportedError."""
    ssl, flags, mode, suites = {}, {}, None, []
    for key, (value, source) in entries.items():
        prefix, name = _strip_bool_prefix(key)
        if prefix and name not in _BOOLEANS:
            _refuse(key, source, "is not a boolean option")
        if name in _DICT_KEYS:
            if value:
                ssl[_DICT_KEYS[name]] = value
        elif name in _BOOLEANS:
            flags[name] = _boolean(prefix, value, key, source)
        elif name == "tls-ciphersuites":
            if value:
                suites.append(value)
        elif name == "ssl-mode":
            mode = _mode_name(value, key, source)
        elif name == "tls-version":
            allowed = {v.strip().upper() for v in (value or "").split(",")}
            if not _OUR_VERSIONS <= allowed:
                _refuse(key, source, "cannot be honoured: the driver always offers "
                        "TLSv1.2 and TLSv1.3")
        else:
            _refuse(key, source, "is not supported")
    if suites:
        ssl["cipher"] = ":".join(filter(None, [ssl.get("cipher"), *suites]))
    if flags.get("ssl-verify-server-cert"):
        mode = "VERIFY_IDENTITY"  # the strongest mode, whatever ssl-mode says
    elif mode is None and flags.get("ssl") is False:
        mode = "DISABLED"
    kwargs = {}
    if ssl:
        kwargs["ssl"] = ssl
    elif flags.get("ssl"):
        kwargs["ssl"] = True
    if mode is not None:
        kwargs["ssl_mode"] = mode
    return kwargs


def merge_ssl(explicit, from_file):
    """connect()'s ``ssl`` over the file's: key by key, connect()'s keys winning
    (as the command line overrides a file option by option). ``ssl=True`` adds
    nothing to the file's keys; ``ssl=False`` (or ``{}``) drops them."""
    if explicit is None or explicit is True:
        return from_file if isinstance(from_file, dict) else (explicit or from_file)
    if hasattr(explicit, "items") and explicit and isinstance(from_file, dict):
        return {**from_file, **{k: v for k, v in explicit.items() if v}}
    return explicit


def mode_applies(explicit_ssl, mode):
    """Whether the file's ssl_mode applies when connect() names none. A connect()
    ``ssl`` already means at least REQUIRED (VERIFY_CA with a CA): the file may only
    strengthen that, so ``skip-ssl`` or ``ssl-mode=REQUIRED`` there cannot turn off
    TLS or verification the code asked for."""
    return not explicit_ssl or mode in ("VERIFY_CA", "VERIFY_IDENTITY")


def _mode_name(value, key, source):
    """MySQL's spelling of a mode the core knows (mode_applies compares them)."""
    from ._native import ssl_mode_name  # loaded when needed, as _mysql.py does

    try:
        return ssl_mode_name(value or "")
    except NotSupportedError:
        return _refuse(key, source, f"has an unknown value {value!r}")


def _strip_bool_prefix(key):
    for prefix in ("skip-", "disable-", "enable-"):
        if key.startswith(prefix):
            return prefix, key[len(prefix):]
    return "", key


def _boolean(prefix, value, key, source):
    if prefix in ("skip-", "disable-"):
        if value is not None:
            _refuse(key, source, "takes no value")
        return False
    if value is None or value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    return _refuse(key, source, f"has a value {value!r} that is not a boolean")


def _refuse(key, source, why):
    raise NotSupportedError(f"option file {source}: TLS option {key!r} {why}")
