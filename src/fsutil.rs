//! File output: atomic writes (temporary file in the same directory, then
//! rename), so a reader never sees half a file; `-` means stdout.

use std::io::Write;
use std::path::Path;

pub fn write_output(path: &Path, bytes: &[u8]) -> Result<(), String> {
    write_with(path, |w| w.write_all(bytes))
}

/// Like [`write_output`], streaming: `write` writes into a buffered writer,
/// so a large document is never held in memory twice.
/// Whether the error is a closed pipe, also when serde_json wrapped it.
fn is_broken_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
        || e.get_ref().and_then(|i| i.downcast_ref::<serde_json::Error>()).and_then(|j| j.io_error_kind())
            == Some(std::io::ErrorKind::BrokenPipe)
}

pub fn write_with(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), String> {
    if path.as_os_str() == "-" {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        return match write(&mut out).and_then(|_| out.write_all(b"\n")).and_then(|_| out.flush()) {
            // A closed pipe (`| head`) is the reader's choice, not an error.
            Err(e) if is_broken_pipe(&e) => Ok(()),
            r => r.map_err(|e| format!("cannot write to stdout: {e}")),
        };
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("cannot create a temporary file in {}: {e}", dir.display()))?;
    let mut w = std::io::BufWriter::new(tmp);
    write(&mut w)
        .and_then(|_| w.write_all(b"\n"))
        .and_then(|_| w.flush())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let tmp = w.into_inner().map_err(|e| format!("cannot write {}: {}", path.display(), e.error()))?;
    tmp.as_file().sync_all().map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tmp.persist(path).map_err(|e| format!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}
