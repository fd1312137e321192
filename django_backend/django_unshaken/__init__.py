"""Django database backend for unshaken: ``DATABASES = {"default": {"ENGINE":
"django_unshaken", ...}}``. Everything Django documents for its MySQL backend applies
(HOST as a host name or a socket path, PORT, USER, PASSWORD, NAME, OPTIONS with
``init_command``, ``sql_mode``, ``isolation_level``, ``charset``, ``read_default_file``,
``ssl``), and OPTIONS also takes unshaken's own ``connect()`` keywords
(``read_timeout``, ``write_timeout``, ``connect_timeout``, ``query_timeout``,
``cancel_on_interrupt``, ``ssl_mode``, ``compress``, ...)."""
