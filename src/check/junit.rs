//! The JUnit XML report, the format CI systems (GitLab, Jenkins, GitHub
//! test reporters) display: one `<testsuite>` per scenario file, one
//! `<testcase>` per check, with a `<failure>` for a failed or unset check, an
//! `<error>` for a check whose runs failed, and `<skipped>` for a file with
//! nothing to check.

use super::{Counts, Report, Verdict};
use std::fmt::Write as _;

/// The report as a JUnit XML document.
pub fn to_xml(report: &Report) -> String {
    let total = report.counts();
    let secs: f64 = report.scenarios.iter().map(|s| s.run_secs).sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"pnrpsim check\" {} time=\"{secs:.3}\">",
        counts_attributes(&total)
    );
    for s in &report.scenarios {
        let counts = Counts::of(&s.rows);
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" {} time=\"{:.3}\">",
            escape(&s.file),
            counts_attributes(&counts),
            s.run_secs
        );
        for row in &s.rows {
            let _ = write!(
                xml,
                "    <testcase classname=\"{}\" name=\"{}\"",
                escape(&s.name),
                escape(&row.check)
            );
            let element = match row.verdict {
                Verdict::Pass => None,
                Verdict::Fail | Verdict::Unset => Some("failure"),
                Verdict::Error => Some("error"),
                Verdict::Skipped => Some("skipped"),
            };
            match element {
                None => xml.push_str("/>\n"),
                Some(element) => {
                    let message = row.detail.clone().unwrap_or_else(|| row.check.clone());
                    let _ = writeln!(
                        xml,
                        ">\n      <{element} type=\"{}\" message=\"{}\"/>\n    </testcase>",
                        row.verdict.label().to_lowercase(),
                        escape(&message)
                    );
                }
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

fn counts_attributes(c: &Counts) -> String {
    format!(
        "tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\"",
        c.total, c.failed, c.errors, c.skipped
    )
}

/// Escapes text for an attribute value. Characters XML 1.0 cannot carry at
/// all (control characters other than tab and newlines) become U+FFFD, and
/// newlines become character references so they survive attribute
/// normalisation.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\n\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;&#10;\u{FFFD}"
        );
    }
}
