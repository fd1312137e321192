/* The C client's floor: libmariadb called from C, no Python. Same workloads and
 * tables as the Python drivers (bench/workloads.py); every value is read (its length
 * and first byte touched) so nothing is skipped that a driver must do.
 *
 *   c_client WORKLOAD SIZE TAG   (server from UNSHAKEN_BENCH_HOST/_PORT/_USER/
 *                                 _PASSWORD/_DATABASE/_SOCKET)
 * prints {"seconds": ..., "peak_rss_mb": ...}
 */
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char *env(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static void die(MYSQL *db, const char *what) {
    fprintf(stderr, "%s: %s\n", what, db ? mysql_error(db) : "out of memory");
    exit(1);
}

static MYSQL *open_db(void) {
    MYSQL *db = mysql_init(NULL);
    if (!db) die(NULL, "mysql_init");
    const char *sock = getenv("UNSHAKEN_BENCH_SOCKET");
    if (!mysql_real_connect(db, env("UNSHAKEN_BENCH_HOST", "127.0.0.1"),
                            env("UNSHAKEN_BENCH_USER", "root"),
                            env("UNSHAKEN_BENCH_PASSWORD", ""),
                            env("UNSHAKEN_BENCH_DATABASE", "test"),
                            (unsigned)atoi(env("UNSHAKEN_BENCH_PORT", "3306")),
                            sock && *sock ? sock : NULL, 0))
        die(db, "connect");
    return db;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Touch every value of every row; returns the row count. */
static long consume(MYSQL *db, MYSQL_RES *res) {
    if (!res) die(db, "result");
    unsigned n = mysql_num_fields(res);
    long rows = 0, sum = 0;
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(res))) {
        unsigned long *len = mysql_fetch_lengths(res);
        for (unsigned i = 0; i < n; i++)
            if (row[i]) sum += (long)len[i] + row[i][0];
        rows++;
    }
    mysql_free_result(res);
    return sum >= 0 ? rows : -1;
}

static void query(MYSQL *db, const char *sql) {
    if (mysql_query(db, sql)) die(db, sql);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: c_client WORKLOAD SIZE TAG\n");
        return 2;
    }
    const char *w = argv[1];
    long n = atol(argv[2]), got = 0, want = n;
    const char *tag = argv[3];
    char sql[256];
    MYSQL *db = strcmp(w, "connect") ? open_db() : NULL;
    srand(7);
    if (db && strcmp(w, "select1")) {
        /* As bench/workloads.py does: the table read once, untimed (see _warm). */
        snprintf(sql, sizeof sql, "SELECT COUNT(*), SUM(LENGTH(blobby)) FROM %s_rows", tag);
        query(db, sql);
        consume(db, mysql_store_result(db));
    }
    double t0 = now();
    if (!strcmp(w, "select1")) {
        for (long i = 0; i < n; i++) {
            query(db, "SELECT 1");
            got += consume(db, mysql_store_result(db));
        }
    } else if (!strcmp(w, "point")) {
        for (long i = 0; i < n; i++) {
            snprintf(sql, sizeof sql, "SELECT id, name, price FROM %s_rows WHERE id = %ld",
                     tag, 1 + rand() % n);
            query(db, sql);
            got += consume(db, mysql_store_result(db));
        }
    } else if (!strcmp(w, "fetchall") || !strcmp(w, "stream")) {
        snprintf(sql, sizeof sql, "SELECT * FROM %s_rows WHERE id <= %ld", tag, n);
        query(db, sql);
        got = consume(db, w[0] == 'f' ? mysql_store_result(db) : mysql_use_result(db));
    } else if (!strcmp(w, "connect")) {
        for (long i = 0; i < n; i++) {
            mysql_close(open_db());
            got++;
        }
    } else {
        fprintf(stderr, "c_client: no workload %s\n", w);
        return 2;
    }
    double seconds = now() - t0;
    if (got != want) {
        fprintf(stderr, "c_client %s: %ld rows, expected %ld\n", w, got, want);
        return 1;
    }
    if (db) mysql_close(db);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"seconds\": %.6f, \"peak_rss_mb\": %.1f}\n", seconds, ru.ru_maxrss / 1024.0);
    return 0;
}
