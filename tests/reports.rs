//! Reports people look at: the HTML page (self-contained, escaped, and
//! rendered in a real headless Chromium), and CSV that round-trips through
//! Python's `csv` module.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Hostile text in a cloud tag: it must stay text in the HTML page.
const HOSTILE_HTML: &str = "</td><img src=x onerror=\"document.title='pwned'\"><script>window.pwned=1</script>";
/// Hostile text in a Service tag: it must not become a spreadsheet formula.
const HOSTILE_FORMULA: &str = "=HYPERLINK(\"http://evil.example\",\"x\")";

fn hostile(text: String) -> String {
    let html = serde_json::to_string(HOSTILE_HTML).unwrap();
    let formula = serde_json::to_string(&format!("{HOSTILE_FORMULA}/old-api")).unwrap();
    assert!(text.contains("\"data-old-db-0\"") && text.contains("\"shop/old-api\""), "the demo changed");
    text.replace("\"data-old-db-0\"", &html).replace("\"shop/old-api\"", &formula)
}

/// The text between `open` and the next `close` after it.
fn between<'a>(s: &'a str, open: &str, close: &str) -> &'a str {
    let start = s.find(open).unwrap_or_else(|| panic!("no {open}")) + open.len();
    let end = s[start..].find(close).unwrap_or_else(|| panic!("no {close} after {open}")) + start;
    &s[start..end]
}

/// The demo's report as HTML: one file that fetches nothing, whose policy
/// lets only its own style and script run, with the numbers the JSON has.
#[test]
fn the_html_report_is_self_contained_and_says_what_the_json_says() {
    let dir = tempfile::tempdir().unwrap();
    let snap = edited_demo_snapshot(dir.path(), |t| t);
    let html = demo_check_from(dir.path(), &snap, "html");
    let json: Value = serde_json::from_str(&demo_check_from(dir.path(), &snap, "json")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"), "{}", &html[..80]);
    assert!(html.trim_end().ends_with("</html>"));

    // Nothing from anywhere: no addresses, imports or external references.
    // (Addresses as text, such as the cluster's API server, are fine.)
    for banned in ["src=", "href=", "srcset", "url(", "@import", "action=", "<link", "<iframe", "<object", "<embed"] {
        assert!(!html.contains(banned), "the page references something outside itself: {banned}");
    }
    // Exactly one style and one script, and the policy names their hashes.
    assert_eq!(html.matches("<style>").count(), 1);
    assert_eq!(html.matches("<script>").count(), 1);
    let policy = between(&html, "http-equiv=\"Content-Security-Policy\" content=\"", "\"");
    assert!(policy.starts_with("default-src 'none';"), "{policy}");
    assert!(
        policy.contains(&format!(
            "style-src {};",
            azaudit::render::html::csp_hash(between(&html, "<style>", "</style>"))
        )),
        "{policy}"
    );
    assert!(
        policy.contains(&format!(
            "script-src {};",
            azaudit::render::html::csp_hash(between(&html, "<script>", "</script>"))
        )),
        "{policy}"
    );

    // The cards say what the JSON's summary says.
    let s = &json["summary"];
    let card = |id: &str| between(&html, &format!("id=\"{id}\">"), "<").to_string();
    assert_eq!(card("count-findings"), s["findings"].to_string());
    for sev in ["critical", "warning", "info"] {
        assert_eq!(card(&format!("count-{sev}")), s["by_severity"][sev].as_u64().unwrap_or(0).to_string(), "{sev}");
    }
    assert_eq!(card("count-suppressed"), s["suppressed"].to_string());
    assert!(s["suppressed"].as_u64().unwrap() > 0, "the demo suppresses one finding");
    let waste = s["monthly_waste_usd"].as_f64().unwrap();
    assert!(waste > 0.0);
    assert_eq!(card("waste"), format!("${waste:.2}"));

    // Every finding is a row, grouped under its kind, and every kind has a
    // section; suppressed, withheld and notes have theirs.
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(html.matches("<tr data-severity=").count(), findings.len());
    for f in findings {
        let id = f["resource_id"].as_str().unwrap();
        assert!(html.contains(id), "no row for {id}");
    }
    for (kind, n) in s["by_kind"].as_object().unwrap() {
        assert!(html.contains(&format!("<section class=\"kind\" data-kind=\"{kind}\"")), "{kind}");
        assert_eq!(
            html.matches(&format!("<tr data-severity=\"critical\" data-kind=\"{kind}\"")).count()
                + html.matches(&format!("<tr data-severity=\"warning\" data-kind=\"{kind}\"")).count()
                + html.matches(&format!("<tr data-severity=\"info\" data-kind=\"{kind}\"")).count(),
            n.as_u64().unwrap() as usize
        );
    }
    for h in ["suppressed-h", "withheld-h", "notes-h", "charts-h", "measurements-h", "credentials-h"] {
        assert!(html.contains(&format!("id=\"{h}\"")), "no section {h}");
    }
    // The three charts, with the thresholds the run used.
    for chart in ["chart-waste", "chart-quota", "chart-credentials"] {
        assert!(html.contains(&format!("<svg id=\"{chart}\"")), "no {chart}");
    }
    assert!(html.contains("warn 80%") && html.contains("critical 95%"));
    assert!(html.contains(">7 d<") && html.contains(">30 d<"));
    assert_eq!(json["thresholds"]["quota_warn_pct"], 80.0);
    assert_eq!(json["thresholds"]["sp_critical_days"], 7);
    // Complete: no banner.
    assert_eq!(json["complete"], true);
    assert!(!html.contains("role=\"alert\""));
}

/// An incomplete run says so at the top, with what is missing and withheld.
#[test]
fn an_incomplete_html_report_has_a_banner_naming_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let snap = edited_demo_snapshot(dir.path(), |t| t);
    let r = azaudit_env(
        &[("AZAUDIT_NOW", azaudit::commands::demo::NOW)],
        &["orphans", "--from", snap.to_str().unwrap(), "--fail-on", "never", "-o", "html"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains("role=\"alert\""));
    // A Service list cut short: the verdicts that need it are withheld.
    let mut doc: Value = read_json(&snap);
    let lists = doc["cluster"]["lists"].as_array_mut().expect("cluster lists");
    let services = lists.iter_mut().find(|l| l["kind"] == "services").expect("a services list");
    services["complete"] = Value::Bool(false);
    services["error"] = Value::String("HTTP 500 <from the API server>".into());
    let cut = dir.path().join("cut.json");
    std::fs::write(&cut, serde_json::to_vec(&doc).unwrap()).unwrap();
    let r = azaudit_env(
        &[("AZAUDIT_NOW", azaudit::commands::demo::NOW)],
        &["orphans", "--from", cut.to_str().unwrap(), "--fail-on", "never", "-o", "html"],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    let banner = between(&r.stdout, "role=\"alert\"", "</section>");
    assert!(banner.contains("This run was incomplete"), "{banner}");
    assert!(banner.contains("<h3>Missing</h3>") && banner.contains("HTTP 500 &lt;from the API server&gt;"), "{banner}");
    assert!(banner.contains("<h3>Withheld verdicts</h3>") && banner.contains("public-ip-orphaned"), "{banner}");
    assert!(r.stdout.contains("<span class=\"bad\">incomplete</span>"));
}

/// A tag value with markup stays text in the page, and one that starts
/// with `=` stays text in a spreadsheet.
#[test]
fn hostile_tag_values_never_become_markup_or_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let snap = edited_demo_snapshot(dir.path(), hostile);
    let html = demo_check_from(dir.path(), &snap, "html");
    assert!(!html.contains(HOSTILE_HTML), "the tag value was written raw");
    assert!(!html.contains("<img"), "markup from a tag became an element");
    assert_eq!(html.matches("<script").count(), 1, "only the page's own script");
    assert!(html.contains("&lt;/td&gt;&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;"));
    // The disk is still reported, under its hostile claim.
    let json: Value = serde_json::from_str(&demo_check_from(dir.path(), &snap, "json")).unwrap();
    let disk = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["evidence"]["claim"].as_str().is_some_and(|c| c.contains("onerror")))
        .expect("the disk with the hostile claim is reported");
    assert_eq!(disk["kind"], "disk-orphaned");

    let csv = demo_check_from(dir.path(), &snap, "csv");
    let Some(rows) =
        python_csv(dir.path(), &csv).expect_or_skip("hostile_tag_values_never_become_markup_or_formulas (CSV)")
    else {
        return;
    };
    let service = col("service");
    let hit = rows.iter().find(|r| r[service].contains("HYPERLINK")).expect("the IP with the hostile Service tag");
    assert!(hit[service].starts_with("'="), "a formula cell was not neutralised: {:?}", hit[service]);
    for r in &rows {
        for cell in r {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "cell {cell:?} starts a formula");
        }
    }
}

fn col(name: &str) -> usize {
    azaudit::render::csv::COLUMNS.iter().position(|c| *c == name).unwrap()
}

trait OrSkip<T> {
    fn expect_or_skip(self, test: &str) -> Option<T>;
}

impl<T> OrSkip<T> for Result<T, String> {
    /// `Err` means the tool is missing: say so and skip that part.
    fn expect_or_skip(self, test: &str) -> Option<T> {
        match self {
            Ok(v) => Some(v),
            Err(why) => {
                skip(test, &why);
                None
            }
        }
    }
}

/// Parse CSV with Python's `csv` module; rows as lists of cells (header
/// included). `Err` when Python 3 is not installed.
fn python_csv(dir: &Path, text: &str) -> Result<Vec<Vec<String>>, String> {
    if Command::new("python3").arg("--version").output().is_err() {
        return Err("python3 is not installed".into());
    }
    let file = dir.join("report.csv");
    std::fs::write(&file, text).unwrap();
    let out = Command::new("python3")
        .args([
            "-c",
            "import csv, json, sys\nwith open(sys.argv[1], newline='', encoding='utf-8-sig') as f:\n    print(json.dumps(list(csv.reader(f, strict=True))))",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "python's csv module refused the file: {}", String::from_utf8_lossy(&out.stderr));
    Ok(serde_json::from_slice(&out.stdout).unwrap())
}

/// The demo's CSV, read back by Python's `csv` module, is the JSON's
/// findings: same order, same values, every column in place.
#[test]
fn csv_round_trips_through_python() {
    let dir = tempfile::tempdir().unwrap();
    let snap = edited_demo_snapshot(dir.path(), |t| t);
    let csv = demo_check_from(dir.path(), &snap, "csv");
    let json: Value = serde_json::from_str(&demo_check_from(dir.path(), &snap, "json")).unwrap();
    let Some(rows) = python_csv(dir.path(), &csv).expect_or_skip("csv_round_trips_through_python") else {
        return;
    };
    assert_eq!(rows[0], azaudit::render::csv::COLUMNS.to_vec());
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(rows.len() - 1, findings.len());
    // RFC 4180: every record ends with CRLF.
    assert!(csv.ends_with("\r\n"));
    assert!(csv.starts_with('\u{feff}'), "a UTF-8 byte-order mark first, for spreadsheets");
    assert_eq!(csv.matches("\r\n").count(), rows.len(), "one CRLF per record (no line breaks in the demo's cells)");
    let text = |v: &Value| v.as_str().map(str::to_string).unwrap_or_default();
    let mut quoted = 0;
    for (row, f) in rows[1..].iter().zip(findings) {
        assert_eq!(row.len(), 11);
        assert_eq!(row[col("kind")], text(&f["kind"]));
        assert_eq!(row[col("severity")], text(&f["severity"]));
        assert_eq!(row[col("subscription")], text(&f["subscription"]));
        assert_eq!(row[col("resource_group")], text(&f["resource_group"]));
        assert_eq!(row[col("name")], text(&f["name"]));
        assert_eq!(row[col("resource_id")], text(&f["resource_id"]));
        assert_eq!(row[col("service")], text(&f["service"]));
        assert_eq!(row[col("cluster")], text(&f["cluster"]));
        assert_eq!(row[col("reason")], text(&f["reason"]));
        let cost = f["cost"]["monthly_usd"].as_f64().map(|c| format!("{c:.2}")).unwrap_or_default();
        assert_eq!(row[col("monthly_cost_usd")], cost);
        if row[col("reason")].contains([',', '"']) {
            quoted += 1;
        }
    }
    assert!(quoted > 0, "the demo has reasons with commas and quotes, which must survive");
}

/// Where Chromium is, if it is.
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        let ok = Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success());
        ok.then(|| PathBuf::from(name))
    })
}

/// Run headless Chromium on `page` with `args`; (stdout, console lines).
fn headless(browser: &Path, profile: &Path, args: &[&str], page: &str) -> (String, Vec<String>) {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(page)
        .output()
        .expect("chromium runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed ({}): {err}", out.status);
    // Console messages (and policy refusals, which are console messages).
    let console = err.lines().filter(|l| l.contains(":CONSOLE")).map(str::to_string).collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

/// The demo's HTML report in real headless Chromium: no console message at
/// all (no script error, no refused fetch), the script ran, the numbers are
/// in the rendered page, the fragment filters rows, and the screenshot is
/// not blank.
#[test]
fn the_html_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        skip(
            "the_html_report_renders_in_headless_chromium",
            "chromium is not installed (Debian package chromium; .ci/run installs it)",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let snap = edited_demo_snapshot(dir.path(), hostile);
    let page = dir.path().join("report.html");
    std::fs::write(&page, demo_check_from(dir.path(), &snap, "html")).unwrap();
    let json: Value = serde_json::from_str(&demo_check_from(dir.path(), &snap, "json")).unwrap();
    let url = format!("file://{}", page.display());
    let profile = dir.path().join("profile");

    let (dom, console) = headless(&browser, &profile, &["--dump-dom"], &url);
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert!(dom.contains("data-ready=\"1\""), "the page's script did not finish");
    assert!(!dom.contains("<img") && !dom.contains("pwned</title>"), "a hostile tag became markup");
    let total = json["summary"]["findings"].as_u64().unwrap();
    assert!(dom.contains(&format!("id=\"count-findings\">{total}<")));
    assert!(dom.contains(&format!("{total} of {total} shown")), "the filter line");
    let waste = json["summary"]["monthly_waste_usd"].as_f64().unwrap();
    assert!(dom.contains(&format!("id=\"waste\">${waste:.2}<")));
    // The filters are shown once the script runs.
    assert!(!dom.contains("class=\"filters\" role=\"search\" aria-label=\"Filter findings\" hidden"));

    // A fragment filters: only critical rows stay.
    let critical = json["summary"]["by_severity"]["critical"].as_u64().unwrap();
    assert!(critical > 0 && critical < total);
    let (dom, console) = headless(&browser, &profile, &["--dump-dom"], &format!("{url}#severity=critical"));
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert!(dom.contains(&format!("data-count=\"{critical}\"")), "{critical} critical rows shown");
    let visible = dom.matches("<tr data-severity=\"critical\"").count();
    let hidden_other = dom.matches("data-severity=\"warning\"").count() + dom.matches("data-severity=\"info\"").count();
    assert_eq!(visible as u64, critical);
    assert_eq!(dom.matches(" hidden=\"\"><td>").count(), hidden_other, "every non-critical row is hidden");
    assert!(
        dom.contains(&format!("Filtered (severity critical): {critical} of {total} findings shown.")),
        "the filter says so outside the form, for print"
    );
    // A malformed escape in the fragment is read as text, not a script error.
    let (dom, console) = headless(&browser, &profile, &["--dump-dom"], &format!("{url}#q=100%"));
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert!(dom.contains("data-ready=\"1\""), "the page's script did not finish");
    // A text search and a kind.
    let (dom, _) = headless(&browser, &profile, &["--dump-dom"], &format!("{url}#kind=disk-orphaned&q=onerror"));
    assert!(dom.contains("data-count=\"1\""), "one disk has the hostile claim");

    // The screenshot is a page, not a blank.
    let shot = dir.path().join("shot.png");
    let (_, console) =
        headless(&browser, &profile, &["--window-size=1280,1800", &format!("--screenshot={}", shot.display())], &url);
    assert!(console.is_empty(), "console messages: {console:#?}");
    let (width, height, ink, colours) = png_ink(&shot);
    assert_eq!((width, height), (1280, 1800));
    assert!(ink > 0.05, "only {:.1}% of the screenshot is not background", ink * 100.0);
    assert!(colours > 50, "only {colours} colours: no charts or badges drawn");
}

/// A PNG's size, the share of pixels that are not white, and how many
/// distinct colours it has.
fn png_ink(path: &Path) -> (u32, u32, f64, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let ink = pixels.iter().filter(|p| p[..3.min(channels)].iter().any(|c| *c < 240)).count();
    let colours: std::collections::HashSet<&[u8]> = pixels.iter().copied().collect();
    (info.width, info.height, ink as f64 / pixels.len() as f64, colours.len())
}

/// `azaudit demo -o html` and `-o csv`, as the README shows them.
#[test]
fn the_demo_writes_html_and_csv() {
    let json = azaudit_env(&[], &["demo", "check", "-o", "json", "-q"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let json: Value = serde_json::from_str(&json.stdout).unwrap();
    let total = json["summary"]["findings"].as_u64().unwrap();

    let html = azaudit_env(&[], &["demo", "-o", "html", "-q"]);
    html.assert_no_panic();
    assert_eq!(html.code, 0, "{}", html.stderr);
    assert!(html.stdout.starts_with("<!DOCTYPE html>"));
    assert!(html.stdout.contains(&format!("id=\"count-findings\">{total}<")));

    let csv = azaudit_env(&[], &["demo", "-o", "csv", "-q"]);
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    let body = csv.stdout.strip_prefix('\u{feff}').expect("a UTF-8 byte-order mark first, for spreadsheets");
    let mut lines = body.split("\r\n");
    assert_eq!(lines.next(), Some(azaudit::render::csv::COLUMNS.join(",").as_str()));
    assert!(csv.stdout.ends_with("\r\n"));
}
