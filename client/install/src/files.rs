//! The file operations the installer's programs share: reading a file that may be absent,
//! replacing one so no reader ever sees half of it, and keeping tokens and credentials where
//! only their owner can reach them.
//!
//! A private directory ([`create_private_dir`]) is one other users can neither write to nor
//! (when we made it) read. Both clients keep their tokens and credentials in one: ccwb its
//! configuration and `tokens/` folder, credential-process its cache folder. On Unix:
//!
//! - a directory we create, and each missing parent we create on the way, gets mode 0700 and
//!   never more, whatever the umask (a umask of 000 would otherwise make it world-writable);
//! - an existing directory others can write to (group or world write bit, as an earlier
//!   version left it under umask 000 or 002) loses every group and other permission, to 0700,
//!   and the caller is told ([`Tightened`]) so that it can say so: whoever can write to the
//!   directory can swap the files in it;
//! - an existing directory others can only read and search (0755, as an earlier version left it
//!   under the usual umask 022) is left as it is: the files in it are 0600, so others see only
//!   their names, and the folder may be one the user chose (`CCWB_CONFIG_DIR`);
//! - a shared directory (sticky bit, like `/tmp`) is left as it is too: others cannot remove or
//!   rename files there that are not theirs, and taking it away from them (as root could) would
//!   break everyone else's use of it;
//! - permissions are never loosened.
//!
//! Private files ([`write_private`]) are 0600, written atomically. On Windows the folders
//! inherit the user profile's access list, which is already private.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The file's text, `None` when it does not exist.
pub fn read_optional(path: &Path) -> std::io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes `text` through a temp file in the same folder and a rename, so Claude Code (or an AWS
/// SDK) never reads half a file. A symbolic link (a dotfiles repository, say) stays a link and
/// its target is replaced; the file's permissions are kept, and a new file is never group- or
/// world-writable.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    replace(path, text, None)
}

/// Writes `text`, the old content of `original`, as `backup` (atomically, as
/// [`write_atomic`]) with `original`'s permissions: the backup of a private file is as private
/// as the file was.
pub fn write_backup(original: &Path, backup: &Path, text: &str) -> std::io::Result<()> {
    replace(backup, text, Some(original))
}

/// [`write_atomic`], the permissions taken from `like` when given, else from `path` itself.
fn replace(path: &Path, text: &str, like: Option<&Path>) -> std::io::Result<()> {
    let target = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => std::fs::canonicalize(path)?,
        _ => path.to_path_buf(),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = target.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        // The permissions are set before the text is written: a private file's text is never
        // readable by others, not even for a moment.
        match std::fs::metadata(like.unwrap_or(&target)) {
            Ok(meta) => std::fs::set_permissions(&tmp, meta.permissions())?,
            // A new file names commands the developer runs (settings hold helper commands):
            // never group- or world-writable, whatever the umask.
            #[cfg(unix)]
            Err(_) => {
                use std::os::unix::fs::PermissionsExt;
                let mode = file.metadata()?.permissions().mode() & 0o644;
                std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode))?;
            }
            #[cfg(not(unix))]
            Err(_) => {}
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// An existing directory that others could write to, made private by [`create_private_dir`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tightened {
    /// The directory.
    pub dir: PathBuf,
    /// Its permission bits before (such as `0o777`).
    pub from: u32,
    /// Its permission bits now (`0o700` for a directory the owner could use).
    pub to: u32,
}

impl std::fmt::Display for Tightened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} could be written to by other users (mode {:04o}), who could replace the sign-in kept there: it is now {:04o}",
            self.dir.display(),
            self.from,
            self.to
        )
    }
}

/// Makes `dir` a private directory (see the module's rules): creates it and its missing
/// parents with mode 0700, or takes group and other access away from an existing one that
/// others can write to, returning what was changed. An error names the directory.
pub fn create_private_dir(dir: &Path) -> std::io::Result<Option<Tightened>> {
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => tighten(dir, &meta),
        Ok(_) => Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{} exists and is not a directory", dir.display()),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(dir)?;
            // The umask can only have taken bits away; a directory someone else created at the
            // same moment is checked like any existing one.
            let meta = std::fs::metadata(dir)?;
            tighten(dir, &meta)
        }
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
fn tighten(dir: &Path, meta: &std::fs::Metadata) -> std::io::Result<Option<Tightened>> {
    use std::os::unix::fs::PermissionsExt;
    let from = meta.permissions().mode() & 0o7777;
    let others_may_write = from & 0o022 != 0;
    let shared = from & 0o1000 != 0;
    if !others_may_write || shared {
        return Ok(None);
    }
    let to = from & !0o077;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(to)).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "{} can be written to by other users (mode {from:04o}) and cannot be made private: {e}",
                dir.display()
            ),
        )
    })?;
    Ok(Some(Tightened {
        dir: dir.to_path_buf(),
        from,
        to,
    }))
}

#[cfg(not(unix))]
fn tighten(_dir: &Path, _meta: &std::fs::Metadata) -> std::io::Result<Option<Tightened>> {
    Ok(None)
}

/// Writes `dir/name` with mode 0600 (whatever the umask) in the private directory `dir`
/// ([`create_private_dir`], whose report it returns), atomically: readers see the old or the
/// new file, never half of one.
pub fn write_private(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<Option<Tightened>> {
    let tightened = create_private_dir(dir)?;
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = options.open(&tmp).and_then(|mut file| {
        // The mode above applies to a new file, less the umask; a temp file left by a crashed
        // run keeps its own. Either way the file becomes exactly 0600.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, dir.join(name))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map(|()| tightened)
}

/// Opens (creating it 0600 if need be) `dir/name` for writing without truncating it, in the
/// private directory `dir`: for lock files.
pub fn open_private(dir: &Path, name: &str) -> std::io::Result<(std::fs::File, Option<Tightened>)> {
    let tightened = create_private_dir(dir)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    Ok((options.open(dir.join(name))?, tightened))
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_stays_a_link_and_modes_are_kept() {
        let dir = std::env::temp_dir().join(format!("ccwb-install-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("real.json");
        std::fs::write(&target, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
            let link = dir.join("link.json");
            std::os::unix::fs::symlink(&target, &link).unwrap();
            write_atomic(&link, "new").unwrap();
            assert!(
                std::fs::symlink_metadata(&link)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
            let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let backup = dir.join("real.json.backup");
            write_backup(&target, &backup, "old").unwrap();
            let mode = std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "a private file's backup is private");
            assert_eq!(std::fs::read_to_string(&backup).unwrap(), "old");
        }
        assert_eq!(read_optional(&dir.join("absent")).unwrap(), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn private_dirs_are_made_0700_writable_ones_tightened_readable_ones_left() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        let set = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
        };
        let root =
            std::env::temp_dir().join(format!("ccwb-install-private-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);

        let nested = root.join("a").join("b");
        assert_eq!(create_private_dir(&nested).unwrap(), None);
        for dir in [root.join("a"), nested.clone()] {
            assert_eq!(mode(&dir) & 0o077, 0, "{}", dir.display());
        }

        for (before, after) in [
            (0o777, 0o700),
            (0o775, 0o700),
            (0o733, 0o700),
            (0o2777, 0o2700),
        ] {
            set(&nested, before);
            let tightened = create_private_dir(&nested).unwrap().expect("tightened");
            assert_eq!((tightened.from, tightened.to), (before, after));
            assert_eq!(mode(&nested), after);
            assert!(
                tightened.to_string().contains(&format!("{before:04o}")),
                "{tightened}"
            );
        }
        for left in [0o755, 0o1777] {
            set(&nested, left);
            assert_eq!(create_private_dir(&nested).unwrap(), None);
            assert_eq!(mode(&nested), left);
        }

        let file = root.join("file");
        std::fs::write(&file, "").unwrap();
        let err = create_private_dir(&file).unwrap_err();
        assert!(err.to_string().contains("not a directory"), "{err}");
        assert!(
            err.to_string().contains(&file.display().to_string()),
            "{err}"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_0600_even_over_a_stale_temp_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir()
            .join(format!("ccwb-install-private-files-{}", std::process::id()))
            .join("tokens");
        let stale = dir.join(format!(".t.json.{}.tmp", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&stale, "old").unwrap();
        std::fs::set_permissions(&stale, std::fs::Permissions::from_mode(0o666)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();

        let tightened = write_private(&dir, "t.json", b"secret").unwrap();
        assert_eq!(tightened.map(|t| t.to), Some(0o700));
        let path = dir.join("t.json");
        assert_eq!(std::fs::read(&path).unwrap(), b"secret");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(!stale.exists());

        let (_lock, tightened) = open_private(&dir, "t.lock").unwrap();
        assert_eq!(tightened, None);
        let mode = std::fs::metadata(dir.join("t.lock"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode & 0o077, 0);
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }
}
