//! `_native.Connection(**options)` -> `client::ConnectArgs`: each keyword is the
//! field of the same name, unpacked as is. Every check is made by
//! `ConnectArgs::build` (src/config/); here only Python types become Rust ones.

use pyo3::conversion::FromPyObjectOwned;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyDict;

use super::errors::error;
use crate::client::{timeout_limit, ConnectArgs, SslMode};

/// Set `args.field` from the keyword of that name; None keeps the default. An
/// unknown keyword is a TypeError, as for any Python call.
macro_rules! unpack {
    ($options:expr => $args:ident { $($field:ident),* $(,)? }) => {
        for (key, value) in $options.iter() {
            let key: PyBackedStr = key.extract()?;
            match &*key {
                $(stringify!($field) => {
                    if !value.is_none() {
                        $args.$field = argument(&value, stringify!($field))?;
                    }
                })*
                other => {
                    return Err(PyTypeError::new_err(format!(
                        "'{other}' is an invalid keyword argument for Connection()"
                    )))
                }
            }
        }
    };
}

pub fn connect_args(options: Option<&Bound<'_, PyDict>>) -> PyResult<ConnectArgs> {
    let mut args = ConnectArgs::default();
    if let Some(options) = options {
        unpack!(options => args {
            host, port, unix_socket, user, password, database, charset,
            connect_timeout, read_timeout, write_timeout, client_flag, program_name,
            cancel_on_interrupt, ssl_mode, ssl_ca, ssl_capath, ssl_cert, ssl_key, ssl_cipher,
            server_public_key, server_public_key_path, allow_cleartext_password,
            get_server_public_key, auth_requires_verified_tls, local_infile, local_infile_dir,
            compress, zstd_level, max_allowed_packet,
        });
    }
    Ok(args)
}

/// A keyword's value as its field's type. A TypeError names the keyword, as pyo3's
/// own argument parsing does; other errors (OverflowError, ...) pass unchanged.
fn argument<T: for<'py> FromPyObjectOwned<'py>>(
    value: &Bound<'_, PyAny>,
    name: &str,
) -> PyResult<T> {
    let py = value.py();
    value
        .extract::<T>()
        .map_err(Into::into)
        .map_err(|e: PyErr| {
            if e.is_instance_of::<PyTypeError>(py) {
                PyTypeError::new_err(format!("argument '{name}': {}", e.value(py)))
            } else {
                e
            }
        })
}

/// What a timeout in seconds means (config/timeout.rs), for Python's own uses of
/// one (a host list's connect budget, `query_timeout`): `seconds`, or None when it
/// means no limit. A bad value raises ValueError.
#[pyfunction]
pub fn timeout_seconds(py: Python<'_>, name: &str, seconds: Option<f64>) -> PyResult<Option<f64>> {
    match timeout_limit(name, seconds) {
        Ok(limit) => Ok(limit.and(seconds)),
        Err(e) => Err(error(py, e)),
    }
}

/// MySQL's name of an ssl_mode given in any case, for the option-file reader (which
/// compares modes); an unknown one raises NotSupportedError, as connect() does.
#[pyfunction]
pub fn ssl_mode_name(py: Python<'_>, name: &str) -> PyResult<&'static str> {
    SslMode::named(name)
        .map(SslMode::name)
        .map_err(|e| error(py, e))
}
