"""No SQL injection through query arguments, in any client character set the server
offers and in both quoting modes (backslash escapes and NO_BACKSLASH_ESCAPES).

The property: every value, however hostile, `SELECT %s`'d comes back byte for byte
and nothing stacked runs. In sjis/cp932, gbk and big5 a backslash (0x5C) or a
backtick (0x60) can be the second byte of a character; an escaper that works byte by
byte lets an argument close its own quotes there. Fixed seed: failures reproduce.
"""

import array
import random
import types

import pytest
import unshaken
import unshaken.testing
from unshaken.connections import UnencodableError
from unshaken.converters import conversions

pytestmark = pytest.mark.unshaken_only

# Every multibyte character set of MariaDB 10.11 that can be a client charset (checked
# against the server below), and two single-byte ones.
MULTIBYTE = [
    "big5", "cp932", "eucjpms", "euckr", "gb2312", "gbk", "sjis", "ujis", "utf8mb3", "utf8mb4",
]
CHARSETS = MULTIBYTE + ["latin1", "ascii"]
# Multibyte sets the server refuses as client charsets (so no statement is read in them).
NOT_CLIENT = {"ucs2", "utf16", "utf16le", "utf32"}

SERVER_STATUS_NO_BACKSLASH_ESCAPES = 0x200
PWNED = b"'; SET @pwned := CURRENT_USER(); INSERT INTO canary VALUES (2); -- "
SPECIALS = "'\\\"`\0\n\r\x1a%_"
BATCH = 200


def connect_to(connect, charset, **kw):
    conn = connect(charset=charset, use_unicode=False, **kw)
    cur = conn.cursor()
    cur.execute("CREATE TEMPORARY TABLE canary (n INT)")
    cur.execute("INSERT INTO canary VALUES (1)")
    return conn


def assert_nothing_stacked_ran(conn):
    cur = conn.cursor()
    cur.execute("SELECT @pwned, (SELECT COUNT(*) FROM canary)")
    assert cur.fetchall() == ((None, 1),)


def set_nbe(conn):
    conn.cursor().execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')")
    # The escaper reads the mode from the status flags of the server's last reply.
    assert conn._conn.server_status() & SERVER_STATUS_NO_BACKSLASH_ESCAPES


def round_trip(conn, values, expected):
    """``SELECT %s, %s, ...`` in batches: each column is exactly its expected bytes,
    and the statement has one result (nothing was stacked after it)."""
    cur = conn.cursor()
    for start in range(0, len(values), BATCH):
        chunk = values[start:start + BATCH]
        cur.execute("SELECT " + ", ".join(["%s"] * len(chunk)), chunk)
        row, = cur.fetchall()
        for got, want, value in zip(row, expected[start:start + BATCH], chunk):
            assert got == want, f"{conn.character_set_name()}: {value!r} came back as {got!r}"
        assert cur.nextset() is None


def pool(codec, rng):
    """Characters of the charset, many of them ones whose encoding has an ASCII byte
    after the first (the dangerous ones), plus the ASCII specials."""
    hot, other = [], []
    candidates = list(range(0xA0, 0x3000, 7)) + list(range(0x3000, 0xA000, 3))
    candidates += list(range(0xAC00, 0xD7A4, 11)) + list(range(0xFF00, 0xFFF0))
    for cp in candidates:
        try:
            encoded = chr(cp).encode(codec)
        except UnicodeEncodeError:
            continue
        if len(encoded) > 1:
            (hot if any(b < 0x80 for b in encoded[1:]) else other).append(chr(cp))
    rng.shuffle(other)
    return hot, other[:2000] or ["é"]


def values_for(charset, codec, rng):
    """(str values, bytes values): random text of the charset, random bytes valid in
    it, and hostile bytes around every possible lead byte."""
    texts, blobs = [], []
    hot, other = pool(codec, rng)
    if True:
        for _ in range(150):
            n = rng.randrange(13)
            text = "".join(
                rng.choice(rng.choice([hot or other, other, SPECIALS, "ab \u00e9"]))
                for _ in range(n)
            )
            try:
                text.encode(codec)
            except UnicodeEncodeError:
                continue  # é is not in every charset
            texts.append(text)
            blobs.append(text.encode(codec))
        for ch in hot[:60]:
            texts.append(ch + "' UNION SELECT CONCAT(user(),0x20,@@version) -- ")
            texts.append(ch + PWNED.decode())
    for lead in range(0x80, 0x100):
        b = bytes([lead])
        blobs += [b, b + b"\\'" + PWNED, b + PWNED, b + b"\\", b + b"`'" + PWNED, b * 3 + b"'\\"]
        blobs += [b + bytes([c]) + b"'" for c in b"\0\n\r\x1a\"%_"]
    for _ in range(100):
        blobs.append(bytes(rng.choice(b"\\'\"`\0\n\r\x1a\x81\x95\xa1\xbf\xe0\xfc\xfeA~")
                           for _ in range(rng.randrange(1, 9))))
    return texts, blobs


def test_every_multibyte_client_charset_of_the_server_is_covered(conn):
    cur = conn.cursor()
    cur.execute("SELECT CHARACTER_SET_NAME FROM information_schema.CHARACTER_SETS WHERE MAXLEN > 1")
    offered = {name for name, in cur.fetchall()}
    assert offered - NOT_CLIENT == set(MULTIBYTE)
    for name in NOT_CLIENT:
        with pytest.raises(unshaken.DatabaseError) as e:
            cur.execute(f"SET NAMES {name}")
        assert e.value.args[0] == 1231


@pytest.mark.parametrize("charset", CHARSETS)
def test_every_value_comes_back_exactly(connect, charset):
    rng = random.Random(f"unshaken-injection-{charset}")
    plain = connect_to(connect, charset)
    prefixed = connect_to(connect, charset, binary_prefix=True)
    codec = plain.encoding
    texts, blobs = values_for(charset, codec, rng)
    assert len(texts) + len(blobs) > 800
    for nbe in (False, True):
        if nbe:
            set_nbe(plain)
            set_nbe(prefixed)
        round_trip(plain, texts, [t.encode(codec) for t in texts])
        round_trip(plain, blobs, blobs)
        round_trip(prefixed, blobs, blobs)
        # The same values through the other encoders that quote text.
        arrays = [array.array("B", b) for b in blobs[:300]]
        round_trip(plain, arrays, blobs[:300])
        sets = [{t} for t in texts if "," not in t]
        round_trip(plain, sets, [next(iter(v)).encode(codec) for v in sets])
    for conn in (plain, prefixed):
        assert_nothing_stacked_ran(conn)


# -- the attacks of the report, one by one -----------------------------------------


@pytest.mark.parametrize("nbe", [False, True])
def test_sjis_table_union(connect, nbe):
    conn = connect(charset="sjis")
    if nbe:
        set_nbe(conn)
    attack = "表' UNION SELECT CONCAT(user(),0x20,@@version) -- "
    cur = conn.cursor()
    cur.execute("SELECT %s", (attack,))
    assert cur.fetchall() == ((attack,),)
    cur.execute("SELECT %s", (attack.encode("shift_jis"),))
    assert cur.fetchall() == ((attack,),)


@pytest.mark.parametrize("binary_prefix", [False, True])
@pytest.mark.parametrize("nbe", [False, True])
def test_gbk_bf27_bytes(connect, binary_prefix, nbe):
    conn = connect_to(connect, "gbk", binary_prefix=binary_prefix)
    if nbe:
        set_nbe(conn)
    cur = conn.cursor()
    for attack in (b"\xbf' UNION SELECT user() -- ", b"\xbf\x5c' UNION SELECT user() -- ",
                   b"\xbf" + PWNED):
        cur.execute("SELECT %s", (attack,))
        assert cur.fetchall() == ((attack,),)
        assert cur.nextset() is None
    assert_nothing_stacked_ran(conn)


def test_set_pwned_does_not_run(connect):
    conn = connect_to(connect, "sjis")
    cur = conn.cursor()
    for value in ("表" + PWNED.decode(), b"\x95\x5c" + PWNED, b"\x95" + PWNED):
        cur.execute("SELECT %s", (value,))
        assert cur.nextset() is None
    cur.execute("SELECT %s, %s", ("表", PWNED))
    assert_nothing_stacked_ran(conn)


def test_callproc_name_with_a_gbk_backtick_trail_byte(connect):
    conn = connect_to(connect, "gbk")
    cur = conn.cursor()
    name = b"p\x81`q"  # 81 60 is one gbk character: its 60 is not a backtick
    cur.execute(b"DROP PROCEDURE IF EXISTS `" + name + b"`")
    cur.execute(b"CREATE PROCEDURE `" + name + b"`(x INT) SELECT x + 1")
    try:
        cur.callproc(name, (41,))
        assert cur.fetchall() == ((42,),)
        while cur.nextset():
            pass
        # Byte-wise doubling would have closed the identifier after 81 60.
        with pytest.raises(unshaken.OperationalError) as e:
            cur.callproc(b"\x81`; SET @pwned := CURRENT_USER(); -- ")
        # No such procedure / not a valid routine name: the name stayed a name.
        assert e.value.args[0] in (1305, 1458)
        # A lone lead byte would pair with the closing backtick: refused.
        with pytest.raises(unshaken.ProgrammingError):
            cur.callproc(b"p\x81")
        assert_nothing_stacked_ran(conn)
    finally:
        cur.execute(b"DROP PROCEDURE `" + name + b"`")


@pytest.mark.parametrize("charset", ["utf8mb4", "sjis"])
def test_array_and_set_under_no_backslash_escapes(connect, charset):
    conn = connect_to(connect, charset)
    set_nbe(conn)
    attack = "\\' UNION SELECT CONCAT(user(),0x20,@@version) -- "
    cur = conn.cursor()
    cur.execute("SELECT %s, %s", (array.array("B", attack.encode()), {attack}))
    assert cur.fetchall() == ((attack.encode(), attack.encode()),)
    # The path Django's quote_value takes, with either mapping.
    for mapping in (conn.encoders, conversions):
        assert conn.escape({attack}, mapping) == b"'\\'' UNION SELECT CONCAT(user(),0x20,@@version) -- '"
        assert conn.escape(array.array("B", b"\\'"), mapping) == b"'\\'''"
    assert_nothing_stacked_ran(conn)


def test_django_quote_value_under_no_backslash_escapes(connect):
    from django.db.backends.mysql import schema
    conn = connect()
    set_nbe(conn)
    # Django's own DatabaseSchemaEditor.quote_value over this connection.
    wrapper = types.SimpleNamespace(connection=conn, ensure_connection=lambda: None)
    editor = types.SimpleNamespace(connection=wrapper)
    quote = schema.DatabaseSchemaEditor.quote_value
    attack = "\\' UNION SELECT 1 -- "
    for value in ({attack}, array.array("B", attack.encode()), attack):
        quoted = quote(editor, value)
        quoted = quoted.encode() if isinstance(quoted, str) else quoted
        cur = conn.cursor()
        cur.execute(b"SELECT " + quoted)
        assert cur.fetchall() == ((attack,),)


# -- the escaper follows the session's character set --------------------------------


@pytest.mark.parametrize("switch", [
    "set_character_set", "SET NAMES gbk", "SET /* x */ character set gbk",
    "SET @@session.`Character_Set_Client` = gbk", "SELECT 1; SET NAMES gbk",
    "EXECUTE IMMEDIATE CONCAT('SET NA', 'MES gbk')",
])
def test_escaper_follows_a_charset_switch(connect, switch):
    # _binary: the value is not converted to character_set_connection (some of these
    # switches leave that as it was); the lexer still reads it in the client charset.
    conn = connect_to(connect, "utf8mb4", binary_prefix=True)
    cur = conn.cursor()
    if switch == "set_character_set":
        conn.set_character_set("gbk")
    else:
        cur.execute(switch)
        while cur.nextset():
            pass
    cur.execute("SELECT @@character_set_client")
    assert cur.fetchall() == ((b"gbk",),)
    attack = b"\xbf\x5c' UNION SELECT user() -- "
    cur.execute("SELECT %s", (attack,))
    assert cur.fetchall() == ((attack,),)
    assert conn.escape_string(b"\xbf\x5c'") == b"\xbf\x5c\\'"


@pytest.mark.parametrize("binary_prefix", [False, True])
def test_arguments_after_a_set_names_in_the_same_statement(connect, binary_prefix):
    # The server reads the SELECT in gbk although the escaper ran for utf8mb4: the
    # literals must read the same in both (non-ASCII ones go in hex).
    conn = connect_to(connect, "utf8mb4", binary_prefix=binary_prefix)
    cur = conn.cursor()
    attack = b"\xbf' UNION SELECT user() -- "
    text = "\u00e9\u8868' OR 1 -- "
    cur.execute("SET NAMES gbk; SELECT %s, %s, %s", (attack, text, "plain'"))
    assert cur.nextset()
    row, = cur.fetchall()
    assert row == (attack, text.encode("gbk"), b"plain'")
    assert cur.nextset() is None
    # Escaped for utf8mb4 and read in gbk this was: SELECT '\xbf\x5c' UNION SELECT user()
    cur.execute("SET NAMES gbk; SELECT %s", (attack,))
    assert cur.nextset()
    assert cur.fetchall() == ((attack,),)
    assert_nothing_stacked_ran(conn)


def test_reset_connection_goes_back_to_the_login_charset(connect):
    conn = connect_to(connect, "gbk")
    cur = conn.cursor()
    cur.execute("SET NAMES utf8mb4")
    assert conn.escape_string(b"\xbf\x5c") == b"\xbf\\\\"
    conn.reset_connection()  # back to the login's gbk
    assert conn.escape_string(b"\xbf\x5c") == b"\xbf\x5c"


def test_change_user_goes_back_to_the_login_charset(connect, server_kwargs):
    conn = connect_to(connect, "sjis")
    conn.cursor().execute("SET NAMES utf8mb4")
    assert conn.escape_string(b"\x95\x5c") == b"\x95\\\\"
    conn.change_user(server_kwargs.get("user", "root"), server_kwargs.get("password", ""))
    assert conn.escape_string(b"\x95\x5c") == b"\x95\x5c"
    cur = conn.cursor()
    cur.execute("SELECT @@character_set_client")
    assert cur.fetchall() == ((b"sjis",),)


def test_the_charset_is_asked_for_only_after_a_statement_that_may_change_it(connect):
    conn = connect(charset="gbk")
    cur = conn.cursor()

    def queries_for(*statements):
        before = conn.stats()["queries"]
        for sql in statements:
            cur.execute(sql, ("x",))
        return conn.stats()["queries"] - before

    assert queries_for("SELECT %s", "SELECT %s AS usernames", "SELECT %s AS varchars") == 3
    cur.execute("SET NAMES gbk")
    assert queries_for("SELECT %s", "SELECT %s") == 3  # one SELECT @@character_set_client


class Verbatim:
    """A value whose encoder writes its text into the statement as is."""

    def __init__(self, sql):
        self.sql = sql


@pytest.mark.parametrize("switch", ["1; SET NAMES gbk", "1; SET character_set_client = gbk"])
def test_a_users_literal_is_scanned_for_a_charset_switch(connect, switch):
    # The core skips the scan of a statement it bound with its own literals only: a
    # user's encoder may write anything, here a statement that switches the charset.
    conn = connect_to(connect, "utf8mb4", binary_prefix=True)
    conn.encoders[Verbatim] = lambda value, encoders: value.sql.encode()
    cur = conn.cursor()
    cur.execute("SELECT %s", (Verbatim(switch),))
    while cur.nextset():
        pass
    attack = b"\xbf\x5c' UNION SELECT user() -- "
    cur.execute("SELECT %s", (attack,))
    assert cur.fetchall() == ((attack,),)
    assert_nothing_stacked_ran(conn)


def test_charset_changed_while_results_are_pending_is_refused(connect):
    conn = connect(charset="utf8mb4")
    cur = conn.cursor(unshaken.cursors.SSCursor)
    cur.execute("SET NAMES sjis; SELECT 1")
    # The escaper cannot ask the server with results unread: no literal is guessed.
    with pytest.raises(unshaken.ProgrammingError) as e:
        conn.literal(b"\x95\x5c'")
    assert e.value.args[0] == 2014
    while cur.nextset():
        cur.fetchall()
    assert conn.literal(b"\x95\x5c'") == b"'\x95\x5c\\''"


# -- undecodable input ------------------------------------------------------------


@pytest.mark.parametrize("charset, text", [
    ("gbk", "\U0001F600"), ("sjis", "\u00e9"), ("latin1", "\u4e00"), ("utf8mb4", "\ud800"),
])
def test_text_the_charset_cannot_hold_is_a_clean_error(connect, charset, text):
    conn = connect(charset=charset)
    cur = conn.cursor()
    for args in ((text,), ([text],), ({text},)):
        with pytest.raises(UnencodableError) as e:
            cur.execute("SELECT %s", args)
        assert isinstance(e.value, unshaken.DataError)
        assert isinstance(e.value, UnicodeEncodeError)  # what mysqlclient raises
    with pytest.raises(unshaken.DataError):
        conn.escape_string(text)
    cur.execute("SELECT 1")
    assert cur.fetchall() == ((1,),)


# -- sql_mode changed inside the statement, data that looks like a keyword ------------


PAYLOAD_NBE = "\\' UNION SELECT CONCAT(0x70776e65643a,user()) -- "


@pytest.mark.parametrize("start_nbe", [False, True])
def test_sql_mode_changed_before_the_argument_in_the_same_statement(connect, start_nbe):
    """``SET sql_mode=...; SELECT %s``: the server reads the argument in the new mode,
    whatever the escaper assumed; the argument is sent in hex and comes back exactly."""
    conn = connect_to(connect, "utf8mb4")
    if start_nbe:
        set_nbe(conn)
    new_mode = "''" if start_nbe else "'NO_BACKSLASH_ESCAPES'"
    cur = conn.cursor()
    cur.execute(f"SET SESSION sql_mode={new_mode}; SELECT %s", (PAYLOAD_NBE,))
    assert cur.nextset()
    assert cur.fetchall() == ((PAYLOAD_NBE.encode(),),)
    assert not cur.nextset()
    assert_nothing_stacked_ran(conn)


def test_data_that_looks_like_a_charset_keyword_asks_nothing(connect):
    """Whole tokens only: 'Charles', 'charge', 'namespace' never make the escaper ask
    the server for its charset (a round trip that resets ROW_COUNT() and friends)."""
    conn = connect(charset="gbk")
    cur = conn.cursor()
    before = conn.stats()["queries"]
    for value in ("Charles", "charge", "namespace", "executed"):
        cur.execute("SELECT %s AS charged", (value,))
    assert conn.stats()["queries"] - before == 4


@pytest.fixture(scope="module", params=["gbk", "latin1"])
def server_keeps_its_charset(request):
    """A server that ignores the handshake's character set and keeps its own default
    (``skip-character-set-client-handshake``): the client's literals are read in the
    server's charset, not the one the client asked for."""
    charset = request.param
    with unshaken.testing.TemporaryServer(
        ["--skip-character-set-client-handshake", f"--character-set-server={charset}"]
    ) as server:
        yield server, charset


def test_a_server_that_keeps_its_own_charset_is_asked(server_keeps_its_charset):
    server, server_charset = server_keeps_its_charset
    asked = "utf8mb4" if server_charset == "gbk" else "gbk"
    conn = connect_to(server.connect, asked)
    # An odd number of bytes before a lead byte and a quote: a gbk reader pairs
    # "\xbf\x5c" where a utf8mb4 escaper put the backslash, and the other way round.
    hostile = [b"\xe4\xb8\xad\xc2\xbf'" + PWNED, b"\xbf\\'" + PWNED, b"\xbf'" + PWNED]
    round_trip(conn, hostile, hostile)
    assert_nothing_stacked_ran(conn)
    # The setup holds (asked last: the question itself tells the escaper the charset).
    cur = conn.cursor()
    cur.execute("SELECT @@character_set_client")
    assert cur.fetchall() == ((server_charset.encode(),),)


@pytest.mark.parametrize("charset, asks", [("utf8mb4", 0), ("latin1", 0), ("gbk", 1)])
def test_the_login_charset_is_asked_only_when_a_mismatch_would_matter(connect, charset, asks):
    # The suite's server defaults to an ASCII-safe charset other than gbk. No
    # autocommit set-up, so the only statement at login is the question.
    conn = connect(charset=charset, autocommit=None)
    assert conn.stats()["queries"] == asks  # at login, not before a later literal
    conn.cursor().execute("SELECT %s", ("x",))
    assert conn.stats()["queries"] == asks + 1
