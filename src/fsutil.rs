//! File output: atomic writes (a temporary file in the target's directory,
//! then rename), so a reader never sees half a file.
//!
//! - `-` means stdout; a closed pipe is not an error.
//! - A symlink is followed: its target is replaced, in the target's
//!   directory, and the link stays a link.
//! - A character device or FIFO (`/dev/stdout`, a named pipe) is written
//!   directly: it cannot be replaced, and must not be.
//! - Reports ([`Access::Shared`]) are created with the umask's mode (0644
//!   normally) so a node_exporter can read them; an existing file keeps its
//!   mode. State files and snapshots ([`Access::Private`]) are 0600.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Who may read the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A report: the umask decides for a new file; an existing one keeps
    /// its mode.
    Shared,
    /// State and snapshots: owner only (0600), always.
    Private,
}

pub fn write_output(path: &Path, bytes: &[u8], access: Access) -> Result<(), String> {
    write_with(path, access, |w| {
        w.write_all(bytes)?;
        w.write_all(b"\n")
    })
}

/// The most a small input file (azure.json, suppressions) may hold.
pub const SMALL_INPUT_MAX: u64 = 1 << 20;

/// Read a text file of at most `max` bytes; a larger one (or a device that
/// never ends) is one clear error naming the file and the limit, read no
/// further than the limit.
pub fn read_capped(path: &Path, max: u64, what: &str) -> Result<String, String> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    f.take(max + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "{what} {} is larger than {} KiB, the most azaudit reads for it",
            path.display(),
            max / 1024
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("{what} {} is not UTF-8 text", path.display()))
}

/// Whether the error is a closed pipe, also when serde_json wrapped it.
fn is_broken_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
        || e.get_ref().and_then(|i| i.downcast_ref::<serde_json::Error>()).and_then(|j| j.io_error_kind())
            == Some(std::io::ErrorKind::BrokenPipe)
}

/// The document (which ends itself) and a flush.
fn finish<W: Write>(w: &mut W, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    write(w)?;
    w.flush()
}

/// Where a write to `path` lands: symlinks followed (a dangling one to the
/// file it names).
fn resolve(path: &Path) -> Result<PathBuf, String> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target =
                    std::fs::read_link(&p).map_err(|e| format!("cannot read the link {}: {e}", p.display()))?;
                p = match p.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(format!("{}: too many levels of symbolic links", path.display()))
}

/// The buffer every report and file is written through: large enough that
/// a 50 MB report is a few hundred writes, not thousands.
pub const WRITE_BUFFER: usize = 64 * 1024;

/// Like [`write_output`], streaming: `write` writes into a buffered writer,
/// so a large document is never held in memory twice. `write` writes the
/// whole document, its last line end included.
pub fn write_with(
    path: &Path,
    access: Access,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    if path.as_os_str() == "-" {
        let mut out = std::io::BufWriter::with_capacity(WRITE_BUFFER, std::io::stdout().lock());
        return match finish(&mut out, write) {
            // A closed pipe (`| head`) is the reader's choice, not an error.
            Err(e) if is_broken_pipe(&e) => Ok(()),
            r => r.map_err(|e| format!("cannot write to stdout: {e}")),
        };
    }
    let target = resolve(path)?;
    let existing = std::fs::metadata(&target).ok();
    if let Some(m) = &existing {
        use std::os::unix::fs::FileTypeExt;
        let t = m.file_type();
        if t.is_char_device() || t.is_fifo() || t.is_socket() {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            let mut w = std::io::BufWriter::with_capacity(WRITE_BUFFER, f);
            return match finish(&mut w, write) {
                Err(e) if is_broken_pipe(&e) => Ok(()),
                r => r.map_err(|e| format!("cannot write {}: {e}", path.display())),
            };
        }
        if t.is_dir() {
            return Err(format!("cannot write {}: it is a directory", path.display()));
        }
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    use std::os::unix::fs::PermissionsExt;
    // A new report gets 0666 less the umask (the kernel applies it at
    // creation); private files get 0600.
    let create_mode = match access {
        Access::Shared => 0o666,
        Access::Private => 0o600,
    };
    let tmp = tempfile::Builder::new()
        .prefix(".azaudit-")
        .permissions(std::fs::Permissions::from_mode(create_mode))
        .tempfile_in(&dir)
        .map_err(|e| format!("cannot create a temporary file in {}: {e}", dir.display()))?;
    // An existing report keeps its mode exactly.
    if let (Access::Shared, Some(m)) = (access, &existing) {
        let mode = m.permissions().mode() & 0o7777;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| format!("cannot keep the mode of {}: {e}", path.display()))?;
    }
    let mut w = std::io::BufWriter::with_capacity(WRITE_BUFFER, tmp);
    finish(&mut w, write).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let tmp = w.into_inner().map_err(|e| format!("cannot write {}: {}", path.display(), e.error()))?;
    tmp.as_file().sync_all().map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tmp.persist(&target).map_err(|e| format!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}
