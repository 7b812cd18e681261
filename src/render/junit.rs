//! The report as JUnit XML for CI pipelines: one test suite per check kind
//! the command covers, one failing test case per finding, a passing case
//! for a kind with no findings, and skipped cases for suppressed findings
//! and withheld verdicts.

use crate::report::Report;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

type W<'a> = Writer<&'a mut dyn std::io::Write>;

fn open(w: &mut W<'_>, name: &str, attrs: &[(&str, String)]) -> std::io::Result<()> {
    let mut e = BytesStart::new(name);
    for (k, v) in attrs {
        e.push_attribute((*k, v.as_str()));
    }
    w.write_event(Event::Start(e))
}

fn close(w: &mut W<'_>, name: &str) -> std::io::Result<()> {
    w.write_event(Event::End(BytesEnd::new(name)))
}

fn text(w: &mut W<'_>, t: &str) -> std::io::Result<()> {
    w.write_event(Event::Text(BytesText::new(t)))
}

pub fn render(r: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let kinds = crate::checks::kinds(r.command);
    let failures = r.findings.len();
    let tests: usize = kinds
        .iter()
        .map(|k| {
            let n = r.findings.iter().filter(|f| f.kind == *k).count()
                + r.suppressed.iter().filter(|s| s.finding.kind == *k).count();
            n.max(1)
        })
        .sum();
    open(
        &mut w,
        "testsuites",
        &[("name", format!("azaudit {}", r.command)), ("tests", tests.to_string()), ("failures", failures.to_string())],
    )?;
    for kind in kinds {
        let found: Vec<_> = r.findings.iter().filter(|f| f.kind == kind).collect();
        let sup: Vec<_> = r.suppressed.iter().filter(|s| s.finding.kind == kind).collect();
        let withheld: Vec<_> = r.withheld.iter().filter(|w| w.kinds.contains(&kind)).collect();
        let n = (found.len() + sup.len()).max(1);
        let skipped = sup.len() + usize::from(found.is_empty() && sup.is_empty() && !withheld.is_empty());
        open(
            &mut w,
            "testsuite",
            &[
                ("name", kind.as_str().to_string()),
                ("tests", n.to_string()),
                ("failures", found.len().to_string()),
                ("skipped", skipped.to_string()),
                ("timestamp", r.generated_at.strftime("%Y-%m-%dT%H:%M:%S").to_string()),
            ],
        )?;
        let class = format!("azaudit.{}.{}", r.command, kind.as_str());
        for f in &found {
            open(&mut w, "testcase", &[("classname", class.clone()), ("name", f.name.clone())])?;
            open(&mut w, "failure", &[("type", f.severity.as_str().to_string()), ("message", f.reason.clone())])?;
            text(
                &mut w,
                &format!("{}\n{}", f.resource_id, serde_json::to_string_pretty(&f.evidence).unwrap_or_default()),
            )?;
            close(&mut w, "failure")?;
            close(&mut w, "testcase")?;
        }
        for s in &sup {
            open(&mut w, "testcase", &[("classname", class.clone()), ("name", s.finding.name.clone())])?;
            let e = BytesStart::new("skipped")
                .with_attributes([("message", format!("suppressed ({}): {}", s.rule, s.reason).as_str())]);
            w.write_event(Event::Empty(e))?;
            close(&mut w, "testcase")?;
        }
        if found.is_empty() && sup.is_empty() {
            open(&mut w, "testcase", &[("classname", class.clone()), ("name", "no findings".to_string())])?;
            if let Some(wh) = withheld.first() {
                let e = BytesStart::new("skipped")
                    .with_attributes([("message", format!("withheld: {}", wh.reason).as_str())]);
                w.write_event(Event::Empty(e))?;
            }
            close(&mut w, "testcase")?;
        }
        close(&mut w, "testsuite")?;
    }
    close(&mut w, "testsuites")
}
