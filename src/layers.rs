//! Tests that keep the layers apart, read from the source itself: no import
//! loop among files (here and in the mock), checks import nothing from the
//! collectors or the commands, and commands do not call each other.
//!
//! A file's imports are its `crate::` and `super::` paths outside its inline
//! test module; files compiled only for tests are left out. A parent module
//! naming its own children (`mod.rs` running its checks) is structure, not
//! an import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`collect::cluster::live`) -> the module paths it imports.
type Graph = BTreeMap<String, BTreeSet<String>>;

fn module_of(rel: &str) -> Option<String> {
    let rel = rel.strip_suffix(".rs")?;
    if rel == "lib" || rel == "main" {
        return None;
    }
    let rel = rel.strip_suffix("/mod").unwrap_or(rel);
    Some(rel.replace('/', "::"))
}

fn sources(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if let Some(m) = p.strip_prefix(root).ok().and_then(|r| module_of(&r.to_string_lossy())) {
                out.insert(m, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    out
}

/// The text that is compiled outside tests: without the inline test module
/// and without comments.
fn code(text: &str) -> String {
    let cut = text.find("#[cfg(test)]\nmod tests").unwrap_or(text.len());
    text[..cut].lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Modules declared `#[cfg(test)] mod x;` (and everything below them).
fn test_only(files: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (m, text) in files {
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for w in lines.windows(2) {
            if w[0] == "#[cfg(test)]"
                && let Some(name) = w[1].trim_start_matches("pub(crate) ").strip_prefix("mod ")
                && let Some(name) = name.strip_suffix(';')
            {
                // `mod x;` in module m declares m::x.
                out.insert(join(m, name));
            }
        }
    }
    let roots: Vec<String> = out.iter().cloned().collect();
    for m in files.keys() {
        if roots.iter().any(|r| m.starts_with(&format!("{r}::"))) {
            out.insert(m.clone());
        }
    }
    out
}

fn parent_of(m: &str) -> String {
    m.rsplit_once("::").map(|(p, _)| p.to_string()).unwrap_or_default()
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() { b.to_string() } else { format!("{a}::{b}") }
}

/// Every path the code names through `crate::`, `super::` or `self::`,
/// absolute, with `{...}` groups expanded (one level deep).
fn paths(module: &str, code: &str) -> Vec<String> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let starts = code.match_indices("crate::").chain(code.match_indices("super::")).chain(code.match_indices("self::"));
    for (start, _) in starts {
        if code[..start].ends_with(|c: char| ident(c) || c == ':') {
            continue;
        }
        let rest = &code[start..];
        let mut base: Option<String> = None;
        let mut i = 0;
        let mut group = None;
        loop {
            let end = rest[i..].find(|c: char| !ident(c)).map_or(rest.len(), |n| i + n);
            let seg = &rest[i..end];
            base = Some(match (base, seg) {
                (None, "crate") => String::new(),
                (None, "self") => module.to_string(),
                (None, "super") => parent_of(module),
                (Some(b), "super") => parent_of(&b),
                (Some(b), s) => join(&b, s),
                (None, s) => s.to_string(),
            });
            if rest[end..].starts_with("::{") {
                group = Some(end + 3);
                break;
            }
            if !rest[end..].starts_with("::") || !rest[end + 2..].starts_with(ident) {
                break;
            }
            i = end + 2;
        }
        let prefix = base.unwrap_or_default();
        match group {
            None => out.push(prefix),
            Some(g) => {
                let end = rest[g..].find('}').map_or(rest.len(), |n| g + n);
                for item in rest[g..end].split(',') {
                    let item = item.split(" as ").next().unwrap_or("").trim();
                    if item.contains('{') {
                        continue;
                    }
                    match item.trim_start_matches("self").trim_start_matches("::") {
                        "" => out.push(prefix.clone()),
                        item => out.push(join(&prefix, item)),
                    }
                }
            }
        }
    }
    out
}

fn graph(root: &Path) -> Graph {
    let files = sources(root);
    let skip = test_only(&files);
    let mut g = Graph::new();
    for (m, text) in files.iter().filter(|(m, _)| !skip.contains(*m)) {
        let mut deps = BTreeSet::new();
        for p in paths(m, &code(text)) {
            // The longest prefix that is a module file.
            let mut cur = p.as_str();
            let target = loop {
                if files.contains_key(cur) {
                    break Some(cur.to_string());
                }
                match cur.rsplit_once("::") {
                    Some((a, _)) => cur = a,
                    None => break None,
                }
            };
            if let Some(t) = target.filter(|t| t != m && !skip.contains(t) && !t.starts_with(&format!("{m}::"))) {
                deps.insert(t);
            }
        }
        g.insert(m.clone(), deps);
    }
    g
}

/// One cycle, if any: the modules in order, the first repeated at the end.
fn cycle(g: &Graph) -> Option<Vec<String>> {
    fn visit(n: &str, g: &Graph, stack: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == n) {
            let mut c = stack[i..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.to_string());
        for d in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, g, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    g.keys().find_map(|n| visit(n, g, &mut Vec::new(), &mut done))
}

fn root(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn no_import_loop_among_files() {
    for dir in ["src", "mocks/src"] {
        let g = graph(&root(dir));
        assert!(g.len() > 10, "{dir}: {} modules read", g.len());
        if let Some(c) = cycle(&g) {
            panic!("import loop in {dir}: {}", c.join(" -> "));
        }
    }
}

/// The test sees real loops: a made-up one is found.
#[test]
fn a_loop_is_found() {
    let mut g = graph(&root("src"));
    g.entry("findings".into()).or_default().insert("render::table".into());
    let c = cycle(&g).expect("render::table imports findings");
    assert!(c.contains(&"findings".to_string()) && c.contains(&"render::table".to_string()), "{c:?}");
    // And the parser reads grouped, nested and relative imports.
    let deps = &graph(&root("src"))["checks::public_ip"];
    for want in ["checks::context", "checks::usage", "findings", "checks"] {
        assert!(deps.contains(want), "checks::public_ip -> {want}: {deps:?}");
    }
}

/// Checks read a snapshot and nothing else.
#[test]
fn checks_import_nothing_from_collectors_or_commands() {
    let g = graph(&root("src"));
    for (m, deps) in g.iter().filter(|(m, _)| m.starts_with("checks")) {
        for d in deps {
            assert!(!d.starts_with("collect") && !d.starts_with("commands"), "{m} imports {d}");
        }
    }
}

/// A command is resolve settings, collect or load, check, emit: the
/// shared steps live in helpers and collectors, never in another command.
#[test]
fn commands_do_not_call_each_other() {
    const HELPERS: [&str; 2] = ["commands::output", "commands::settings"];
    let g = graph(&root("src"));
    let is_command = |m: &str| m.starts_with("commands::") && !HELPERS.contains(&m);
    let commands: Vec<&String> = g.keys().filter(|m| is_command(m)).collect();
    assert!(commands.len() >= 5, "{commands:?}");
    for m in commands {
        for d in &g[m] {
            assert!(!is_command(d), "{m} uses {d}");
        }
    }
}
