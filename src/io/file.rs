//! Reading local files: one for the server (LOAD DATA LOCAL INFILE), and the small
//! files an option names (a server's public key).

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::fcntl::OFlag;

pub struct LocalFile {
    file: File,
}

impl LocalFile {
    /// Open `name` for reading; only a regular file is accepted. With `only_under`,
    /// the opened file's real path must lie inside that directory's real path.
    ///
    /// Every check is made on the file actually opened, never on the name before
    /// opening it, so nothing swapped in between (a symlink, a renamed directory) can
    /// slip through: O_NONBLOCK makes opening a FIFO return at once (it is then
    /// refused by fstat instead of blocking outside every deadline), and the real
    /// path comes from the kernel's view of the open descriptor.
    pub fn open(name: &Path, only_under: Option<&Path>) -> Result<LocalFile, String> {
        let shown = name.display();
        let dir: Option<PathBuf> = only_under
            .map(|dir| {
                std::fs::canonicalize(dir)
                    .map_err(|e| format!("local_infile_dir {}: {e}", dir.display()))
            })
            .transpose()?;
        let mut flags = OFlag::O_NONBLOCK | OFlag::O_NOCTTY; // std adds O_CLOEXEC
        if dir.is_some() {
            // Confined: a symlink as the last component is refused outright.
            flags |= OFlag::O_NOFOLLOW;
        }
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(flags.bits())
            .open(name)
            .map_err(|e| {
                if e.raw_os_error() == Some(nix::libc::ELOOP) {
                    format!("{shown} is a symbolic link (refused with local_infile_dir)")
                } else {
                    format!("cannot open {shown}: {e}")
                }
            })?;
        match file.metadata() {
            Ok(m) if m.is_file() => {}
            Ok(_) => return Err(format!("{shown} is not a regular file")),
            Err(e) => return Err(format!("cannot open {shown}: {e}")),
        }
        if let Some(dir) = dir {
            let real = opened_path(&file)
                .map_err(|e| format!("cannot tell where {shown} really is: {e}"))?;
            if !real.starts_with(&dir) {
                return Err(format!(
                    "{shown} is outside local_infile_dir {}",
                    dir.display()
                ));
            }
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

/// Where the open file really is (symlinks and `..` resolved by the kernel when it
/// was opened). A file deleted since has no such path and gets an error.
/// The whole of a small file an option names, read when the option is given so a
/// wrong path is reported at once.
pub fn read_option_file(path: &Path) -> std::io::Result<Vec<u8>> {
    std::fs::read(path)
}

fn opened_path(file: &File) -> std::io::Result<PathBuf> {
    let path = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd()))?;
    if !path.is_absolute() || file.metadata()?.nlink() == 0 {
        return Err(std::io::Error::other("the file has no path any more"));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::time::{Duration, Instant};

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("unshaken-file-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn read_all(mut f: LocalFile) -> Vec<u8> {
        let mut buf = vec![0; 100];
        let n = f.read_chunk(&mut buf).unwrap();
        buf.truncate(n);
        buf
    }

    #[test]
    fn plain_file_inside_and_outside_the_directory() {
        let root = temp_dir("plain");
        let (inside, outside) = (root.join("in"), root.join("out"));
        std::fs::create_dir_all(&inside).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(inside.join("a.csv"), b"1\n").unwrap();
        std::fs::write(outside.join("b.csv"), b"2\n").unwrap();
        let f = LocalFile::open(&inside.join("a.csv"), Some(&inside)).unwrap();
        assert_eq!(read_all(f), b"1\n");
        // `..` out of the directory is outside, though the name starts inside.
        let sneaky = inside.join("..").join("out").join("b.csv");
        let err = LocalFile::open(&sneaky, Some(&inside)).err().unwrap();
        assert!(err.contains("outside local_infile_dir"), "{err}");
        // Unconfined, anything regular may be read.
        assert_eq!(read_all(LocalFile::open(&sneaky, None).unwrap()), b"2\n");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn symlinks_out_of_the_directory_are_refused() {
        let root = temp_dir("links");
        let (inside, outside) = (root.join("in"), root.join("out"));
        std::fs::create_dir_all(&inside).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret"), b"s\n").unwrap();
        // The last component a symlink.
        symlink(outside.join("secret"), inside.join("link.csv")).unwrap();
        let err = LocalFile::open(&inside.join("link.csv"), Some(&inside))
            .err()
            .unwrap();
        assert!(err.contains("symbolic link"), "{err}");
        // A directory component a symlink: O_NOFOLLOW does not see it, the real
        // path of the opened file does.
        symlink(&outside, inside.join("sub")).unwrap();
        let err = LocalFile::open(&inside.join("sub").join("secret"), Some(&inside))
            .err()
            .unwrap();
        assert!(err.contains("outside local_infile_dir"), "{err}");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn fifo_device_and_directory_are_refused_at_once() {
        let root = temp_dir("special");
        let fifo = root.join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        for (path, under) in [
            (fifo.as_path(), None),
            (fifo.as_path(), Some(root.as_path())),
            (Path::new("/dev/zero"), None),
            (root.as_path(), None),
        ] {
            let t0 = Instant::now();
            let err = LocalFile::open(path, under).err().unwrap();
            assert!(err.contains("not a regular file"), "{path:?}: {err}");
            assert!(t0.elapsed() < Duration::from_secs(1));
        }
        std::fs::remove_dir_all(&root).unwrap();
    }
}
