//! Dependencies between the crate's top-level modules point one way: a
//! module may use the modules of lower layers, never one of its own layer's
//! peers or of a higher layer. This test reads every `src/**/*.rs`, finds the
//! `crate::<module>` paths in its code (not its comments), and fails naming
//! file, line and edge for each one that points sideways or up.
//!
//! [`LAYERS`] is the one table of the rule; `src/lib.rs` documents it.

use std::path::{Path, PathBuf};

/// The layers from the bottom up; modules on one line are peers and may not
/// use one another.
const LAYERS: &[&[&str]] = &[
    &["engine"],
    &["protocol"],
    &["network", "workload"],
    &["metrics"],
    &["scenario"],
    &["sim"],
    &["guard"],
    &["estimate"],
    &["outputs"],
    &["sweep"],
    &["plot"],
    &["design", "size", "check"],
    &["page"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// One use of another top-level module.
#[derive(Debug, PartialEq)]
struct Edge {
    line: usize,
    to: String,
}

/// The source with comments blanked out (newlines kept, so line numbers
/// stay true), and string and char literals blanked so that text such as
/// `"crate::x"` in a message is not read as a path.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let blank = |c: u8| if c == b'\n' { b'\n' } else { b' ' };
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                out.push(b' ');
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    out.extend(b"  ");
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    out.extend(b"  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if b[i] == b'"' || (b[i] == b'r' && raw_string_start(&b[i..]).is_some()) {
            let hashes = if b[i] == b'r' {
                raw_string_start(&b[i..]).unwrap()
            } else {
                usize::MAX
            };
            let start = i;
            i += if hashes == usize::MAX { 1 } else { hashes + 2 };
            out.extend(std::iter::repeat_n(b' ', i - start));
            while i < b.len() {
                if hashes == usize::MAX && b[i] == b'\\' {
                    out.push(b' ');
                    out.push(blank(*b.get(i + 1).unwrap_or(&b' ')));
                    i += 2;
                    continue;
                }
                let closes = b[i] == b'"'
                    && (hashes == usize::MAX
                        || b[i + 1..]
                            .iter()
                            .take(hashes)
                            .filter(|&&c| c == b'#')
                            .count()
                            == hashes);
                if closes {
                    let n = if hashes == usize::MAX { 1 } else { hashes + 1 };
                    out.extend(std::iter::repeat_n(b' ', n));
                    i += n;
                    break;
                }
                out.push(blank(b[i]));
                i += 1;
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("blanking keeps UTF-8 boundaries")
}

/// `Some(number of #)` if `b` starts a raw string literal `r#*"`.
fn raw_string_start(b: &[u8]) -> Option<usize> {
    let hashes = b[1..].iter().take_while(|&&c| c == b'#').count();
    (b.get(1 + hashes) == Some(&b'"')).then_some(hashes)
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Every top-level module named by a `crate::` path in `code`, including
/// each branch of a `crate::{a::X, b}` group.
fn crate_paths(code: &str) -> Vec<Edge> {
    let b = code.as_bytes();
    let line_at = |i: usize| 1 + b[..i].iter().filter(|&&c| c == b'\n').count();
    let ident_at = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let s = i;
        while i < b.len() && is_ident(b[i]) {
            i += 1;
        }
        (code[s..i].to_owned(), s)
    };
    let mut edges = Vec::new();
    let mut from = 0;
    while let Some(k) = code[from..].find("crate::") {
        let at = from + k;
        from = at + 7;
        if at > 0 && (is_ident(b[at - 1]) || b[at - 1] == b'$') {
            continue;
        }
        let mut i = from;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) == Some(&b'{') {
            // A group: the first segment of each comma-separated branch at
            // depth one.
            let mut depth = 0;
            let mut expect_branch = true;
            while i < b.len() {
                match b[i] {
                    b'{' => {
                        depth += 1;
                        if depth == 1 {
                            expect_branch = true;
                        }
                    }
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    b',' if depth == 1 => expect_branch = true,
                    c if expect_branch && depth == 1 && is_ident(c) => {
                        let (name, s) = ident_at(i);
                        edges.push(Edge {
                            line: line_at(s),
                            to: name,
                        });
                        expect_branch = false;
                    }
                    _ => {}
                }
                i += 1;
            }
        } else {
            let (name, s) = ident_at(i);
            edges.push(Edge {
                line: line_at(s),
                to: name,
            });
        }
    }
    edges
}

/// The top-level module a source file belongs to: `src/x.rs` and
/// `src/x/**` are `x`; `lib.rs` and `main.rs` are the crate root (`None`).
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Every sideways or upward edge under `src`, as `file:line: from -> to`.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut bad = Vec::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let Some(from) = module_of(rel) else {
            continue;
        };
        let Some(from_layer) = layer_of(&from) else {
            bad.push(format!(
                "src/{}: module `{from}` is in no layer",
                rel.display()
            ));
            continue;
        };
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        for e in crate_paths(&code) {
            if e.to == from {
                continue;
            }
            let up = match layer_of(&e.to) {
                Some(l) => l >= from_layer,
                // Not a module (`crate::SomeItem` re-exported by lib.rs):
                // the root is below every layer only if it re-exports
                // nothing, so such paths are refused too.
                None => true,
            };
            if up {
                bad.push(format!(
                    "src/{}:{}: {from} -> {}",
                    rel.display(),
                    e.line,
                    e.to
                ));
            }
        }
    }
    bad
}

#[test]
fn dependencies_point_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let bad = violations(&src);
    assert!(
        bad.is_empty(),
        "{} import(s) point sideways or up the layers (see LAYERS in tests/layering.rs):\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// Every top-level module of `lib.rs` is in the table, and every module of
/// the table exists, so that a new module cannot slip past the rule.
#[test]
fn the_table_names_every_module() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let mut declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    let mut tabled: Vec<&str> = LAYERS.iter().flat_map(|l| l.iter().copied()).collect();
    declared.sort();
    tabled.sort();
    assert_eq!(declared, tabled);
}

/// The lib.rs doc lists the layers in the table's order, so the two cannot
/// drift apart.
#[test]
fn lib_rs_documents_the_table() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let doc: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//! - "))
        .collect();
    let documented: Vec<Vec<String>> = doc
        .iter()
        .map(|l| {
            let head = l.split(':').next().unwrap_or("");
            head.split(',')
                .map(|m| {
                    m.trim()
                        .trim_matches(|c| c == '[' || c == ']' || c == '`')
                        .to_owned()
                })
                .collect()
        })
        .collect();
    let table: Vec<Vec<String>> = LAYERS
        .iter()
        .map(|l| l.iter().map(|m| (*m).to_owned()).collect())
        .collect();
    assert_eq!(documented, table, "src/lib.rs layer list vs LAYERS");
}

#[test]
fn the_parser_finds_paths_in_code_only() {
    let code = code_only(
        "use crate::a::B; // crate::c\n\
         /* crate::d */ let s = \"crate::e\"; let r = r#\"crate::f\"#;\n\
         use crate::{g::H, i, j::{k, l}};\n\
         fn f() { crate::m::n(); $crate::o; my_crate::p; }\n",
    );
    let found: Vec<(usize, String)> = crate_paths(&code)
        .into_iter()
        .map(|e| (e.line, e.to))
        .collect();
    let expected = [(1, "a"), (3, "g"), (3, "i"), (3, "j"), (4, "m")];
    assert_eq!(found, expected.map(|(l, m)| (l, m.to_owned())));
}

#[test]
fn an_upward_edge_is_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("scenario")).unwrap();
    std::fs::write(
        dir.path().join("scenario/model.rs"),
        "use crate::engine::X;\n\nuse crate::sweep::SweepSpec;\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("engine.rs"), "use crate::engine::Y;\n").unwrap();
    std::fs::write(dir.path().join("network.rs"), "use crate::workload::Z;\n").unwrap();
    assert_eq!(
        violations(dir.path()),
        vec![
            "src/network.rs:1: network -> workload",
            "src/scenario/model.rs:3: scenario -> sweep",
        ]
    );
}
