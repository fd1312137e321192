from unshaken.constants import CLIENT, CR, ER, FIELD_TYPE, FLAG


def _names(module):
    return {k: v for k, v in vars(module).items() if k.isupper()}


def test_er_sample():
    assert ER.DUP_ENTRY == 1062
    assert ER.PARSE_ERROR == 1064
    assert ER.NO_SUCH_TABLE == 1146
    assert ER.LOCK_DEADLOCK == 1213
    assert ER.LOCK_WAIT_TIMEOUT == 1205
    assert ER.WARN_DATA_TRUNCATED == 1265
    assert ER.NO_REFERENCED_ROW_2 == 1452
    assert ER.ERROR_FIRST == 1000
    assert ER.ERROR_LAST == 1973
    assert len(_names(ER)) == 790


def test_cr_sample():
    assert CR.SERVER_GONE_ERROR == 2006
    assert CR.SERVER_LOST == 2013
    assert CR.COMMANDS_OUT_OF_SYNC == 2014
    assert CR.CONN_HOST_ERROR == 2003
    assert CR.MIN_ERROR == CR.ERROR_FIRST == CR.UNKNOWN_ERROR == 2000
    assert len(_names(CR)) == 69


def test_client_flags():
    assert CLIENT.FOUND_ROWS == 2
    assert CLIENT.TRANSACTIONS == 8192
    assert CLIENT.MULTI_STATEMENTS == 65536
    assert CLIENT.MULTI_RESULTS == 131072
    assert len(_names(CLIENT)) == 18


def test_field_types():
    assert (FIELD_TYPE.DECIMAL, FIELD_TYPE.TINY, FIELD_TYPE.VARCHAR, FIELD_TYPE.BIT) == (0, 1, 15, 16)
    assert (FIELD_TYPE.JSON, FIELD_TYPE.NEWDECIMAL, FIELD_TYPE.GEOMETRY) == (245, 246, 255)
    assert FIELD_TYPE.CHAR == FIELD_TYPE.TINY
    assert FIELD_TYPE.INTERVAL == FIELD_TYPE.ENUM
    assert not hasattr(FIELD_TYPE, "NEWDATE")


def test_flags():
    assert FLAG.BINARY == 128
    assert FLAG.NUM == FLAG.GROUP == 32768
    assert FLAG.UNIQUE == 65536
