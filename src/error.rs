//! The error that stops a run before it could produce a report: one line on
//! stderr, exit code 2. Collectors and commands both return it.

/// One line that names the thing (file and position, ARM error code, app
/// ID, missing permission).
#[derive(Debug)]
pub struct Fatal(pub String);

impl<T: Into<String>> From<T> for Fatal {
    fn from(s: T) -> Fatal {
        Fatal(s.into())
    }
}

impl std::fmt::Display for Fatal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
