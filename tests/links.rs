//! The documentation must stand on its own inside the repository: every
//! relative link and image in README.md, CONTRIBUTING.md and docs/ names a
//! file of the repository (and an anchor, a heading of that file), no link
//! climbs out of the repository, and every page that cites [MS-PNRP]
//! defines it with its public address.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const MS_PNRP: &str =
    "[MS-PNRP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-pnrp/";

/// README.md, CONTRIBUTING.md and every Markdown file under docs/, as paths
/// relative to the repository root, in a stable order.
fn pages() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path.strip_prefix(ROOT).unwrap().to_path_buf());
            }
        }
    }
    let mut pages = vec![PathBuf::from("README.md"), PathBuf::from("CONTRIBUTING.md")];
    walk(&Path::new(ROOT).join("docs"), &mut pages);
    pages.sort();
    pages
}

fn read(page: &Path) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(page))
        .unwrap_or_else(|e| panic!("{}: {e}", page.display()))
}

/// The lines of a page outside fenced code blocks, with inline code spans
/// blanked out, so that code examples are not read as links or headings.
fn prose(text: &str) -> Vec<(usize, String)> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut out = String::new();
        let mut in_code = false;
        for c in line.chars() {
            if c == '`' {
                in_code = !in_code;
                out.push(' ');
            } else {
                out.push(if in_code { ' ' } else { c });
            }
        }
        lines.push((i + 1, out));
    }
    lines
}

/// Link targets of one line: inline links and images `[text](target)` and
/// reference definitions `[label]: target`.
fn targets(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(rest) = line.trim_start().strip_prefix('[') {
        if let Some((_, target)) = rest.split_once("]: ") {
            found.push(target.trim().to_string());
            return found;
        }
    }
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let end = after.find(')').unwrap_or(after.len());
        // A title after the address: [text](path "title").
        let target = after[..end].split_whitespace().next().unwrap_or("");
        found.push(target.to_string());
        rest = &after[end..];
    }
    found
}

/// GitHub's anchor for a heading: lower case; letters, digits, `-` and `_`
/// kept, spaces made hyphens, everything else dropped; link text stands for
/// a link.
fn slug(heading: &str) -> String {
    let mut text = String::new();
    let mut rest = heading;
    while let Some(open) = rest.find('[') {
        match rest[open..].find("](").map(|m| open + m) {
            Some(mid) => {
                let close = rest[mid..].find(')').map_or(rest.len(), |c| mid + c + 1);
                text.push_str(&rest[..open]);
                text.push_str(&rest[open + 1..mid]);
                rest = &rest[close..];
            }
            None => break,
        }
    }
    text.push_str(rest);
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a Markdown file's headings, numbered `-1`, `-2` … when a
/// heading repeats, as GitHub does. Read from the raw text, where inline
/// code is still part of the heading.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut anchors = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if fenced || !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = slug(&line[hashes..]);
        let mut anchor = base.clone();
        let mut n = 0;
        while !anchors.insert(anchor.clone()) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
    }
    anchors
}

/// `base/relative` with `.` and `..` resolved lexically; `None` when it
/// climbs above the repository root.
fn resolve(base: &Path, relative: &str) -> Option<PathBuf> {
    let joined = base.join(relative);
    let mut parts: Vec<Component> = Vec::new();
    for part in joined.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.iter().collect())
}

/// What is wrong with one link of `page`, if anything.
fn check_link(page: &Path, target: &str) -> Option<String> {
    let external = ["http://", "https://", "mailto:"];
    if external.iter().any(|s| target.starts_with(s)) {
        return None;
    }
    if target.starts_with('/') {
        return Some("absolute path: write it relative to the page".into());
    }
    let (path, anchor) = match target.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (target, None),
    };
    let file = if path.is_empty() {
        page.to_path_buf()
    } else {
        match resolve(page.parent().unwrap(), path) {
            Some(f) => f,
            None => return Some("leaves the repository".into()),
        }
    };
    let full = Path::new(ROOT).join(&file);
    if !full.exists() {
        return Some(format!("{} does not exist", file.display()));
    }
    let anchor = anchor?;
    if full.extension().is_none_or(|e| e != "md") {
        return Some(format!("anchor #{anchor} into a file that is not Markdown"));
    }
    let text = std::fs::read_to_string(&full).unwrap();
    (!anchors(&text).contains(anchor))
        .then(|| format!("{} has no heading with anchor #{anchor}", file.display()))
}

#[test]
fn every_relative_link_resolves_inside_the_repository() {
    let mut broken = Vec::new();
    for page in pages() {
        for (line, text) in prose(&read(&page)) {
            for target in targets(&text) {
                if let Some(problem) = check_link(&page, &target) {
                    broken.push(format!("{}:{line}: ({target}) {problem}", page.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn every_page_that_cites_ms_pnrp_defines_it() {
    for page in pages() {
        let text = read(&page);
        let cites = prose(&text)
            .iter()
            .any(|(_, l)| l.contains("[MS-PNRP]") && !l.starts_with("[MS-PNRP]:"));
        if cites {
            assert!(
                text.lines().any(|l| l == MS_PNRP),
                "{} cites [MS-PNRP] without the line `{MS_PNRP}`",
                page.display()
            );
        }
    }
}

#[test]
fn readme_fits_in_three_hundred_lines() {
    let lines = read(Path::new("README.md")).lines().count();
    assert!(
        lines <= 300,
        "README.md has {lines} lines; move detail to docs/"
    );
}

/// The checker itself: slugs as GitHub makes them, links found outside
/// code only, and paths that climb out of the repository refused.
#[test]
fn the_checker_reads_links_and_headings_as_github_does() {
    assert_eq!(
        slug(" Measuring a run: `--stats`"),
        "measuring-a-run---stats"
    );
    assert_eq!(
        slug(" Cache levels against log10(registrations)"),
        "cache-levels-against-log10registrations"
    );
    assert_eq!(slug(" See [the model](model.md) §4"), "see-the-model-4");
    let twice = anchors("# A\n## A\n```\n# B\n```\n");
    assert_eq!(twice, BTreeSet::from(["a".to_string(), "a-1".to_string()]));
    assert_eq!(
        targets("![c](img/c.png) and [d](d.md#x \"t\")"),
        ["img/c.png", "d.md#x"]
    );
    assert_eq!(targets("[MS-PNRP]: https://x/"), ["https://x/"]);
    let code = prose("`[a](b)`\n```\n[c](d)\n```\n");
    assert!(code.iter().all(|(_, l)| targets(l).is_empty()));
    let readme = Path::new("README.md");
    assert_eq!(
        check_link(readme, "../shared/pnrp-model.md").as_deref(),
        Some("leaves the repository")
    );
    assert!(check_link(readme, "docs/nope.md").is_some());
    assert!(check_link(readme, "docs/model.md#no-such-heading").is_some());
    assert_eq!(check_link(readme, "docs/model.md#conformance"), None);
}
