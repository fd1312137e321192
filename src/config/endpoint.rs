//! Where to connect: host and port, or a Unix socket, as libmysqlclient decides it.

use crate::io::Endpoint;

/// Debian's (and MariaDB's) default server socket; MYSQL_UNIX_PORT overrides it.
pub const DEFAULT_SOCKET: &str = "/run/mysqld/mysqld.sock";

/// A non-empty `unix_socket` wins; no host, "" or "localhost" means the local
/// socket (MYSQL_UNIX_PORT, as `env` reads it, else [`DEFAULT_SOCKET`]); any other
/// host is TCP, "127.0.0.1" included.
pub fn endpoint(
    host: Option<String>,
    port: u16,
    unix_socket: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Endpoint {
    let local = || {
        let path = env("MYSQL_UNIX_PORT").unwrap_or_else(|| DEFAULT_SOCKET.into());
        Endpoint::Unix(path.into())
    };
    match (host, unix_socket) {
        (_, Some(path)) if !path.is_empty() => Endpoint::Unix(path.into()),
        (None, _) => local(),
        (Some(h), _) if h.is_empty() || h == "localhost" => local(),
        (Some(host), _) => Endpoint::Tcp { host, port },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }
    fn env_socket(name: &str) -> Option<String> {
        (name == "MYSQL_UNIX_PORT").then(|| "/tmp/env.sock".to_string())
    }
    fn unix(path: &str) -> Endpoint {
        Endpoint::Unix(path.into())
    }

    #[test]
    fn a_host_is_tcp_on_its_port() {
        let e = endpoint(Some("127.0.0.1".into()), 3307, None, &env_socket);
        assert_eq!(
            e,
            Endpoint::Tcp {
                host: "127.0.0.1".into(),
                port: 3307
            }
        );
    }

    #[test]
    fn no_host_or_localhost_is_the_local_socket() {
        for host in [None, Some(""), Some("localhost")] {
            let host = host.map(String::from);
            assert_eq!(
                endpoint(host.clone(), 3306, None, &no_env),
                unix(DEFAULT_SOCKET)
            );
            assert_eq!(
                endpoint(host, 3306, None, &env_socket),
                unix("/tmp/env.sock")
            );
        }
    }

    #[test]
    fn unix_socket_wins_unless_empty() {
        let host = Some("db.example".to_string());
        let s = Some("/tmp/given.sock".to_string());
        assert_eq!(
            endpoint(host.clone(), 3306, s, &env_socket),
            unix("/tmp/given.sock")
        );
        assert_eq!(
            endpoint(None, 3306, Some("/x".into()), &env_socket),
            unix("/x")
        );
        assert!(matches!(
            endpoint(host, 3306, Some(String::new()), &env_socket),
            Endpoint::Tcp { .. }
        ));
        assert_eq!(
            endpoint(None, 3306, Some(String::new()), &env_socket),
            unix("/tmp/env.sock")
        );
    }
}
