//! Writing a fixed file: atomically, in place, keeping its permissions.

use std::io::Write;
use std::path::Path;

/// Replace the contents of `path` with `bytes`: write a temporary file in
/// the same directory, flush it to disk, give it the original's permissions,
/// then rename it over the original. A crash (or SIGKILL) leaves either the
/// old or the new file, never a mix or an empty file. A symlink is written through: its target is
/// replaced and the link stays a link.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace(path, bytes, None)
}

/// [`atomic_write`], given the metadata of the regular file (not a link)
/// just read from `path` when the caller has it: saves looking it up again.
pub fn replace(
    path: &Path,
    bytes: &[u8],
    original: Option<&std::fs::Metadata>,
) -> std::io::Result<()> {
    let (target, meta) = match original {
        Some(m) => (path.to_path_buf(), m.clone()),
        None => {
            let target = if path.is_symlink() {
                std::fs::canonicalize(path)?
            } else {
                path.to_path_buf()
            };
            let meta = std::fs::metadata(&target)?;
            (target, meta)
        }
    };
    if meta.permissions().readonly() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "the file is read-only",
        ));
    }
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".nixfix-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_data()?;
    tmp.as_file().set_permissions(meta.permissions())?;
    tmp.persist(&target).map_err(|e| e.error)?;
    // The directory is not synced: a crash may lose the rename and leave the
    // old file, which is one of the two allowed outcomes; syncing the data
    // before the rename is what rules out a new name with missing data.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_keeps_mode() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("nixpacks.toml");
        std::fs::write(&p, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        atomic_write(&p, b"new").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o640
            );
        }
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_symlinks() {
        let d = tempfile::tempdir().unwrap();
        let real = d.path().join("real.toml");
        let link = d.path().join("nixpacks.toml");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        atomic_write(&link, b"new").unwrap();
        assert!(link.is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
    }
}
