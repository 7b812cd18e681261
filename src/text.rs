//! Small text helpers for one-line messages.

/// Collapse all whitespace (newlines included) into single spaces, so an
/// upstream multi-line error reads as one line.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
