//! Reading a local file for the server (LOAD DATA LOCAL INFILE).

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};

pub struct LocalFile {
    file: File,
}

impl LocalFile {
    /// Open `name` for reading. With `only_under`, the file's real path (symlinks and
    /// `..` resolved) must lie inside that directory's real path.
    pub fn open(name: &Path, only_under: Option<&Path>) -> Result<LocalFile, String> {
        let real = std::fs::canonicalize(name)
            .map_err(|e| format!("cannot open {}: {e}", name.display()))?;
        if let Some(dir) = only_under {
            let dir: PathBuf = std::fs::canonicalize(dir)
                .map_err(|e| format!("local_infile_dir {}: {e}", dir.display()))?;
            if !real.starts_with(&dir) {
                return Err(format!(
                    "{} is outside local_infile_dir {}",
                    name.display(),
                    dir.display()
                ));
            }
        }
        let file = File::open(&real).map_err(|e| format!("cannot open {}: {e}", name.display()))?;
        if !file.metadata().is_ok_and(|m| m.is_file()) {
            return Err(format!("{} is not a regular file", name.display()));
        }
        Ok(LocalFile { file })
    }

    /// Fill `buf` as far as the file allows; 0 at the end. EINTR is retried.
    pub fn read_chunk(&mut self, buf: &mut [u8]) -> Result<usize, String> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.file.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("reading the local file: {e}")),
            }
        }
        Ok(filled)
    }
}
