# Debian packages the project needs, sourced by .ci/run and ./dev.
#   ensure_packages storm   what `./dev storm` needs (a server, the build, mysqlclient's)
#   ensure_packages test    everything the test suite needs (adds TLS, HAProxy, Galera)
# Installs what is missing with apt-get (as root, or through sudo); without either it
# names the missing packages and the command that installs them, and fails.

have_server() {
    command -v mariadbd >/dev/null || command -v mysqld >/dev/null ||
        [ -x /usr/sbin/mariadbd ] || [ -x /usr/sbin/mysqld ] || [ -x /usr/libexec/mysqld ]
}

ensure_packages() {
    local need=()
    command -v pkg-config >/dev/null || need+=(pkg-config)
    dpkg -s libmariadb-dev >/dev/null 2>&1 || need+=(libmariadb-dev)  # mysqlclient, to compare
    python3 -c 'import ensurepip' 2>/dev/null || need+=(python3-venv)
    have_server || need+=(mariadb-server)
    if [ "$1" = test ]; then
        # Galera's mysqldump state transfer script (mariadbd alone is mariadb-server-core).
        command -v wsrep_sst_mysqldump >/dev/null || need+=(mariadb-server)
        command -v mariadb >/dev/null || command -v mysql >/dev/null || need+=(mariadb-client)
        command -v openssl >/dev/null || need+=(openssl)  # certificates for the TLS tests
        command -v haproxy >/dev/null || need+=(haproxy)  # the pool's proxy tests
        [ -e /usr/lib/libgalera_smm.so ] || [ -e /usr/lib/galera/libgalera_smm.so ] ||
            need+=(galera-4)  # the Galera cluster tests
    fi
    if [ "${#need[@]}" -gt 0 ]; then
        local sudo=()
        if [ "$(id -u)" -ne 0 ]; then
            if ! command -v sudo >/dev/null; then
                echo "missing Debian packages: ${need[*]}" >&2
                echo "install them as root: apt-get install ${need[*]}" >&2
                return 1
            fi
            sudo=(sudo)
        fi
        "${sudo[@]}" apt-get update -qq || return 1
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${need[@]}" || return 1
    fi
    have_server
}

# Rust is not taken from apt (too old for the crate's rust-version).
ensure_cargo() {
    command -v cargo >/dev/null && return 0
    echo "cargo not found: install a Rust toolchain >= 1.80 (rustup's installer, or your" \
        "distribution's rustc/cargo if new enough), then run this again" >&2
    return 1
}
