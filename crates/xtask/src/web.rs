//! Builds the browser bundle (`web/`, leptos + yrs on wasm32) into
//! `web/dist`, setting up the toolchain on a fresh machine first.
//!
//! No trunk or cargo-leptos: they download binaries, which fails on closed
//! networks (see TOOLCHAIN.md). Instead: `cargo build --target
//! wasm32-unknown-unknown --profile wasm-release`, then the wasm-bindgen CLI
//! at exactly the version in Cargo.lock; with `--wasm-opt`, then Binaryen's
//! `wasm-opt -Oz` from the npm package `binaryen` pinned in
//! `tests/js/package.json` (it runs on Node; Debian's wasm-opt 108 breaks
//! these modules). Prints each bundle's size against its budget; `cargo
//! xtask test` fails past it (`check_budgets`).

use crate::cargo;
use anyhow::{bail, Context, Result};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm-release";

/// One wasm bundle and what it may weigh.
pub struct Bundle {
    /// `pkg/casebook_{name}.js` + `pkg/casebook_{name}_bg.wasm`.
    pub name: &'static str,
    /// The cdylib crate it is built from.
    pub package: &'static str,
    /// The HTML page that loads it.
    pub html: &'static str,
    /// wasm + JS gzipped, in bytes, that `cargo xtask test` refuses to go
    /// past (`check_budgets`): a ratchet at about today's size, lowered
    /// whenever the bundle shrinks, so that it never grows unnoticed.
    pub budget: u64,
    /// The size issue 15 asks for, wasm + JS gzipped (printed beside it).
    pub target: u64,
}

/// The wasm bundles. `casebook serve` sends `document.html` for `/p/{id}`
/// and `index.html` for the other pages.
pub const BUNDLES: [Bundle; 2] = [
    Bundle {
        name: "document",
        package: "casebook-web-document",
        html: "document.html",
        // 2026-12-06: 676 KB before, 721 KB with the version history view
        // and image paste/drop (issue 18) merged; see docs/performance-history.md.
        // 2026-12-06, later: 741 KB with issue 19's comment links without
        // tokens and not-applied acceptances, issue 18's suggested timer and
        // live History list, and issue 20's team field, all merged. Where the
        // bytes go: docs/performance-2026-12-06-profile.md.
        // 2026-12-07: 540 KB with the meeting UI split out into modules
        // loaded after the page (275 KB gzipped more, not counted here;
        // docs/performance-2026-12-07-bundle.md).
        // 2026-12-07, later: 411 KB with the case panel (the readiness
        // checklist) split out too (434 KB of modules after the page;
        // docs/performance-2026-12-07-navigation.md).
        // 2026-12-07, last: 333 KB with the rendered sections (Markdown)
        // split out as well (525 KB of modules after the page;
        // docs/performance-2026-12-07-bundle.md).
        // 2026-12-07, latest: 325 KB with the undo shortcuts matched in
        // ASCII (`to_ascii_lowercase`): the Unicode case tables, 13 KB raw,
        // are no longer in the first download.
        budget: 335_000,
        target: 300_000,
    },
    Bundle {
        name: "home",
        package: "casebook-web-home",
        html: "index.html",
        budget: 250_000,
        target: 250_000,
    },
];

/// Builds `web/` into `<root>/web/dist` and returns that directory: for each
/// bundle `pkg/casebook_{name}.js` + `pkg/casebook_{name}_bg.wasm` and its
/// HTML page, `style.css`, `meeting.css`, and a `.gz` and `.br` copy of each
/// but the HTML (served precompressed).
pub fn build_web(root: &Path) -> Result<PathBuf> {
    build(root, false)
}

/// `cargo xtask build-web [--wasm-opt]`. `--wasm-opt` also runs Binaryen's
/// `wasm-opt -Oz` on each bundle (see `wasm_opt`): off by default, because
/// on 2026-12-06 it took 8.5 % off the raw wasm but nothing off what is sent
/// (gzip and brotli sizes within 0.3 %), for 1.5–4 minutes per build
/// (docs/performance-history.md).
pub fn build_web_command(root: &Path, args: &[String]) -> Result<PathBuf> {
    match args {
        [] => build(root, false),
        [flag] if flag == "--wasm-opt" => build(root, true),
        _ => bail!("usage: cargo xtask build-web [--wasm-opt]"),
    }
}

fn build(root: &Path, optimise: bool) -> Result<PathBuf> {
    ensure_wasm_target()?;
    ensure_wasm_bindgen(root)?;
    println!("xtask: building the web bundles for {TARGET} ({PROFILE})");
    // One cargo run per bundle: built together, cargo would unify
    // casebook-web's features, and the `document` bundle's `split` (the
    // meeting UI's split points, exported symbols) would link the meeting UI
    // into `home` too.
    for bundle in &BUNDLES {
        cargo(
            root,
            &[
                "build",
                "--target",
                TARGET,
                "--profile",
                PROFILE,
                "-p",
                bundle.package,
            ],
        )?;
    }
    let dist = root.join("web/dist");
    let pkg = dist.join("pkg");
    fs::create_dir_all(&pkg).with_context(|| format!("could not create {}", pkg.display()))?;
    // The single bundle of earlier builds.
    for old in ["casebook_web.js", "casebook_web_bg.wasm"] {
        for suffix in ["", ".gz", ".br"] {
            let _ = fs::remove_file(pkg.join(format!("{old}{suffix}")));
        }
    }
    let mut files = vec![dist.join("style.css"), dist.join("meeting.css")];
    for file in ["style.css", "meeting.css"] {
        fs::copy(root.join("web").join(file), dist.join(file))
            .with_context(|| format!("could not copy web/{file} into {}", dist.display()))?;
    }
    for &Bundle { name, .. } in &BUNDLES {
        let wasm = root.join(format!("target/{TARGET}/{PROFILE}/casebook_{name}.wasm"));
        let bundle = pkg.join(format!("casebook_{name}_bg.wasm"));
        if !optimise && is_newer(&bundle, &wasm) {
            println!("xtask: {} is up to date", bundle.display());
        } else {
            let split = split(&wasm, &pkg, name)?;
            println!("xtask: wasm-bindgen {name} → {}", pkg.display());
            run(Command::new("wasm-bindgen")
                .args(["--target", "web", "--no-typescript"])
                .args(["--remove-name-section", "--remove-producers-section"])
                // The split modules call the functions the main one exports.
                .arg("--keep-lld-exports")
                .args(["--out-name", &format!("casebook_{name}")])
                .arg("--out-dir")
                .arg(&pkg)
                .arg(&split))?;
            let optimised = if optimise {
                wasm_opt(root, &bundle)
            } else {
                Ok(())
            };
            if let Err(e) = optimised {
                // Not left looking up to date without its optimisation.
                let _ = fs::remove_file(&bundle);
                return Err(e);
            }
        }
        files.push(bundle);
        files.push(pkg.join(format!("casebook_{name}.js")));
        files.push(pkg.join(split_link(name)));
        files.extend(split_modules(&pkg, name)?);
    }
    for file in &files {
        precompress(file)?;
    }
    // The pages last, once the files they point to are there.
    let version = publish(&dist, &files)?;
    for bundle in &BUNDLES {
        let template = root.join("web").join(bundle.html);
        let html = fs::read_to_string(&template)
            .with_context(|| format!("could not read {}", template.display()))?;
        fs::write(dist.join(bundle.html), pointing_at(&html, &version))
            .with_context(|| format!("could not write {} into {}", bundle.html, dist.display()))?;
    }
    println!("xtask: the pages load build {version} (web/dist/v/{version}/)");
    for bundle in &BUNDLES {
        let size = BundleSize::of(&pkg, bundle.name)?;
        println!(
            "xtask: web bundle {} ({}): wasm {} KB ({} KB gzipped) + JS {} KB ({} KB gzipped) = {} KB gzipped; budget {} KB ({}), target {} KB; brotli {} KB",
            bundle.name,
            bundle.html,
            size.wasm / 1000,
            size.wasm_gz / 1000,
            size.js / 1000,
            size.js_gz / 1000,
            size.gzipped() / 1000,
            bundle.budget / 1000,
            if size.gzipped() <= bundle.budget { "within" } else { "OVER" },
            bundle.target / 1000,
            size.brotli / 1000,
        );
    }
    for bundle in &BUNDLES {
        let mut later = 0;
        for module in split_modules(&pkg, bundle.name)? {
            later += sizes(&module)?.1;
        }
        if later > 0 {
            println!(
                "xtask: web bundle {}: split modules loaded after the page, {} KB gzipped (not in the budget)",
                bundle.name,
                later / 1000
            );
        }
    }
    for bundle in &BUNDLES {
        let main = with_names(root, bundle.name)?;
        let wasm = fs::read(&main).with_context(|| format!("could not read {}", main.display()))?;
        let parts = crate::wasm_parts::of(&wasm)
            .with_context(|| format!("could not read {}", main.display()))?;
        let mut lines = crate::wasm_parts::describe(&parts, 12).into_iter();
        if let Some(first) = lines.next() {
            println!(
                "xtask: web bundle {}: where the first download's wasm goes (raw): {first}",
                bundle.name
            );
        }
        for line in lines {
            println!("xtask:   {line}");
        }
    }
    println!("xtask: web bundles ready in {}", dist.display());
    Ok(dist)
}

/// The first download's module of bundle `name` as wasm-bindgen makes it
/// for `web/dist`, but with its name section kept (for
/// [`crate::wasm_parts`]), under `target/`. Takes a fraction of a second.
fn with_names(root: &Path, name: &str) -> Result<PathBuf> {
    let split = root.join(format!(
        "target/{TARGET}/{PROFILE}/casebook_{name}_split.wasm"
    ));
    let out = root.join(format!("target/{TARGET}/{PROFILE}/named"));
    run(Command::new("wasm-bindgen")
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--keep-lld-exports",
            "--no-demangle",
        ])
        .args(["--out-name", &format!("casebook_{name}")])
        .arg("--out-dir")
        .arg(&out)
        .arg(&split))?;
    Ok(out.join(format!("casebook_{name}_bg.wasm")))
}

/// Fails, naming each one, if a bundle in `<dist>/pkg` weighs more than its
/// [`Bundle::budget`] (wasm + JS gzipped). Run by `cargo xtask test` right
/// after `build_web`.
pub fn check_budgets(dist: &Path) -> Result<()> {
    let pkg = dist.join("pkg");
    let mut measured = Vec::new();
    for bundle in &BUNDLES {
        measured.push((bundle, BundleSize::of(&pkg, bundle.name)?.gzipped()));
    }
    let over = over_budget(&measured);
    if !over.is_empty() {
        bail!("web bundles over their budget: {}", over.join("; "));
    }
    Ok(())
}

/// The bundles of `measured` (bundle, gzipped bytes) heavier than their
/// budget, described for an error message.
fn over_budget(measured: &[(&Bundle, u64)]) -> Vec<String> {
    measured
        .iter()
        .filter(|(bundle, gzipped)| *gzipped > bundle.budget)
        .map(|(bundle, gzipped)| {
            format!(
                "{} is {gzipped} bytes gzipped, budget {} (lower the bundle, or raise `budget` in crates/xtask/src/web.rs with the reason in the commit)",
                bundle.name, bundle.budget
            )
        })
        .collect()
}

/// The JS module that loads `name`'s split modules (written by
/// [`split`], imported by the bundle's wasm-bindgen glue).
fn split_link(name: &str) -> String {
    format!("casebook_{name}_split.js")
}

/// The wasm modules [`split`] cut out of bundle `name`: `pkg/{name}/*.wasm`.
fn split_modules(pkg: &Path, name: &str) -> Result<Vec<PathBuf>> {
    let dir = pkg.join(name);
    let mut modules = Vec::new();
    for entry in fs::read_dir(&dir).with_context(|| format!("could not list {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wasm") {
            modules.push(path);
        }
    }
    modules.sort();
    Ok(modules)
}

/// Cuts the code behind each split point (leptos's `#[lazy]`, e.g. the
/// meeting UI in `web/src/meeting/split.rs`) out of the linked `wasm` into
/// modules of their own, `pkg/{name}/split_*.wasm` and `chunk_*.wasm`
/// (code that several split points share), loaded by
/// `pkg/casebook_{name}_split.js` when a split function is first called.
/// Returns the main module, to be given to wasm-bindgen. The same library
/// cargo-leptos runs with `--split`; it needs the relocations the linker
/// keeps with `--emit-relocs` (`.cargo/config.toml`). A bundle without split
/// points comes out whole.
fn split(wasm: &Path, pkg: &Path, name: &str) -> Result<PathBuf> {
    let input = fs::read(wasm).with_context(|| format!("could not read {}", wasm.display()))?;
    let out_dir = pkg.join(name);
    // Modules of an earlier build are not left behind.
    let _ = fs::remove_dir_all(&out_dir);
    fs::create_dir_all(&out_dir)
        .with_context(|| format!("could not create {}", out_dir.display()))?;
    let main = wasm.with_file_name(format!("casebook_{name}_split.wasm"));
    // Paths as the link module sees them: it sits in `pkg/`, beside the glue.
    let link = format!("./{}", split_link(name));
    let main_module = format!("./casebook_{name}.js");
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = &out_dir;
    options.main_out_path = &main;
    options.link_name = &link;
    options.main_module = &main_module;
    let split = wasm_split_cli_support::transform(options)
        .map_err(|e| anyhow::anyhow!("wasm-split {name}: {e}"))?;
    // The link module is written into `output_dir`; it belongs beside the
    // glue that imports it, and it fetches the modules from `{name}/`.
    let written = out_dir.join(split_link(name));
    let js = fs::read_to_string(&written)
        .with_context(|| format!("could not read {}", written.display()))?;
    let js = js.replace("new URL(\"./", &format!("new URL(\"./{name}/"));
    fs::write(pkg.join(split_link(name)), js)?;
    fs::remove_file(&written)?;
    for module in &split.split_modules {
        strip_custom_sections(module)?;
    }
    println!(
        "xtask: wasm-split {name}: {} module(s) cut out",
        split.split_modules.len()
    );
    Ok(main)
}

/// How many published builds `web/dist/v/` keeps: the new one and the two
/// before it, whose modules pages opened before a deploy still fetch.
const BUILDS_KEPT: usize = 3;

/// Publishes `files` (each under `dist/pkg/` or `dist/` itself), their
/// `.gz` and `.br` copies, under `dist/v/{version}/`, where `version` is
/// taken from their names and content; returns `version`. A build already
/// published is left as it is (and counts as the newest); the oldest are
/// removed, keeping [`BUILDS_KEPT`]. `casebook serve` sends what is there as
/// immutable, so a published build never changes: it is written under a
/// temporary name and renamed whole.
fn publish(dist: &Path, files: &[PathBuf]) -> Result<String> {
    use sha2::{Digest, Sha256};
    let pkg = dist.join("pkg");
    let mut named = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(&pkg)
            .or_else(|_| file.strip_prefix(dist))
            .with_context(|| format!("{} is not in {}", file.display(), dist.display()))?;
        named.push((relative.to_path_buf(), file));
    }
    named.sort();
    let mut hash = Sha256::new();
    for (relative, file) in &named {
        let bytes = fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
        hash.update(relative.to_string_lossy().as_bytes());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    let version: String = hash.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let builds = dist.join("v");
    let published = builds.join(&version);
    if !published.is_dir() {
        let staging = builds.join(format!(".{version}.partial"));
        let _ = fs::remove_dir_all(&staging);
        for (relative, file) in &named {
            for suffix in ["", ".gz", ".br"] {
                let mut from = file.as_os_str().to_owned();
                from.push(suffix);
                let from = PathBuf::from(from);
                if suffix.is_empty() || from.exists() {
                    let mut to = staging.join(relative).into_os_string();
                    to.push(suffix);
                    let to = PathBuf::from(to);
                    if let Some(parent) = to.parent() {
                        fs::create_dir_all(parent)
                            .with_context(|| format!("could not create {}", parent.display()))?;
                    }
                    fs::copy(&from, &to).with_context(|| {
                        format!("could not copy {} to {}", from.display(), to.display())
                    })?;
                }
            }
        }
        fs::rename(&staging, &published)
            .with_context(|| format!("could not publish {}", published.display()))?;
    }
    // Its marker's time says how new it is.
    fs::write(published.join(".published"), &version)?;
    for old in oldest_builds(&builds, BUILDS_KEPT)? {
        fs::remove_dir_all(&old).with_context(|| format!("could not remove {}", old.display()))?;
    }
    Ok(version)
}

/// The builds under `builds` beyond the `keep` newest (by their
/// `.published` marker; one without is oldest), and unfinished ones.
fn oldest_builds(builds: &Path, keep: usize) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut unfinished = Vec::new();
    for entry in
        fs::read_dir(builds).with_context(|| format!("could not list {}", builds.display()))?
    {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        if path.extension().is_some_and(|e| e == "partial") {
            unfinished.push(path);
            continue;
        }
        let at = fs::metadata(path.join(".published"))
            .and_then(|m| m.modified())
            .ok();
        found.push((at, path));
    }
    // Newest first; ties (same second) by name, for a stable order.
    found.sort_by(|a, b| b.cmp(a));
    unfinished.extend(found.into_iter().skip(keep).map(|(_, path)| path));
    Ok(unfinished)
}

/// An HTML page of `web/` pointed at published build `version`: its
/// `/pkg/…` files and the two style sheets are loaded from `/v/{version}/`.
fn pointing_at(html: &str, version: &str) -> String {
    let base = format!("/v/{version}/");
    html.replace("\"/pkg/", &format!("\"{base}"))
        .replace("\"/style.css\"", &format!("\"{base}style.css\""))
        .replace("\"/meeting.css\"", &format!("\"{base}meeting.css\""))
}

/// Drops the custom sections (function names, producers) of a split module,
/// as `wasm-bindgen --remove-name-section --remove-producers-section` does
/// for the main one: the browser needs none of them.
fn strip_custom_sections(path: &Path) -> Result<()> {
    let wasm = fs::read(path).with_context(|| format!("could not read {}", path.display()))?;
    let bad = || anyhow::anyhow!("{} is not a wasm module", path.display());
    let header = wasm.get(..8).ok_or_else(bad)?;
    let mut out = header.to_vec();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        let (size, body) = leb128(&wasm, at + 1).ok_or_else(bad)?;
        let end = body
            .checked_add(size)
            .filter(|&e| e <= wasm.len())
            .ok_or_else(bad)?;
        if id != 0 {
            out.extend_from_slice(&wasm[at..end]);
        }
        at = end;
    }
    fs::write(path, out).with_context(|| format!("could not write {}", path.display()))
}

/// An unsigned LEB128 number at `bytes[at..]`: its value and where it ends.
fn leb128(bytes: &[u8], mut at: usize) -> Option<(usize, usize)> {
    let (mut value, mut shift) = (0usize, 0u32);
    loop {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= usize::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some((value, at));
        }
        shift += 7;
    }
}

/// Binaryen's `wasm-opt`, from the npm package `binaryen` pinned in
/// `tests/js/package.json` (`npm ci` there when it is missing; not Debian's
/// wasm-opt 108, which breaks these modules), run on the wasm-bindgen output
/// in place.
fn wasm_opt(root: &Path, wasm: &Path) -> Result<()> {
    let js = root.join("tests/js");
    let tool = js.join("node_modules/binaryen/bin/wasm-opt");
    if !tool.exists() {
        println!("xtask: npm ci in tests/js (for Binaryen's wasm-opt)");
        run(Command::new("npm")
            .current_dir(&js)
            .args(["ci", "--no-audit", "--no-fund"]))
        .context("npm (Node.js) is needed for Binaryen's wasm-opt")?;
    }
    println!(
        "xtask: wasm-opt {} {}",
        WASM_OPT_ARGS.join(" "),
        wasm.display()
    );
    let before = fs::metadata(wasm)?.len();
    run(Command::new("node")
        .arg(&tool)
        .args(WASM_OPT_ARGS)
        .arg(wasm)
        .arg("-o")
        .arg(wasm))?;
    let after = fs::metadata(wasm)?.len();
    println!(
        "xtask: wasm-opt: {} KB → {} KB",
        before / 1000,
        after / 1000
    );
    Ok(())
}

/// What `wasm_opt` asks Binaryen for (its features are read from the
/// module's `target_features` section).
const WASM_OPT_ARGS: &[&str] = &["-Oz"];

/// Sizes of the bundle's wasm and JS, raw and gzipped (`gzip -9`).
pub struct BundleSize {
    pub wasm: u64,
    pub wasm_gz: u64,
    pub js: u64,
    pub js_gz: u64,
    /// wasm + JS, the `.br` files (0 where they are missing).
    pub brotli: u64,
}

impl BundleSize {
    /// Measures `pkg/casebook_{name}_bg.wasm` and `pkg/casebook_{name}.js`.
    pub fn of(pkg: &Path, name: &str) -> Result<Self> {
        let wasm_file = format!("casebook_{name}_bg.wasm");
        let js_file = format!("casebook_{name}.js");
        let (wasm, wasm_gz) = sizes(&pkg.join(&wasm_file))?;
        let (js, js_gz) = sizes(&pkg.join(&js_file))?;
        let brotli = [wasm_file, js_file]
            .iter()
            .filter_map(|f| fs::metadata(pkg.join(format!("{f}.br"))).ok())
            .map(|m| m.len())
            .sum();
        Ok(Self {
            wasm,
            wasm_gz,
            js,
            js_gz,
            brotli,
        })
    }

    pub fn gzipped(&self) -> u64 {
        self.wasm_gz + self.js_gz
    }
}

/// A file's size, raw and gzipped at the best level.
fn sizes(path: &Path) -> Result<(u64, u64)> {
    use flate2::{write::GzEncoder, Compression};
    use std::io::Write;
    let bytes = fs::read(path).with_context(|| format!("could not read {}", path.display()))?;
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(&bytes)?;
    let compressed = gz.finish()?;
    Ok((bytes.len() as u64, compressed.len() as u64))
}

/// Writes `<file>.gz` (gzip level 9) and `<file>.br` (brotli quality 11)
/// next to `file`, unless both are already newer than it. `casebook serve`
/// sends one of them (`Content-Encoding`) to a browser that accepts it.
fn precompress(file: &Path) -> Result<()> {
    use flate2::{write::GzEncoder, Compression};
    use std::io::Write;
    let with_suffix = |suffix: &str| {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    let (gz, br) = (with_suffix(".gz"), with_suffix(".br"));
    if is_newer(&gz, file) && is_newer(&br, file) {
        return Ok(());
    }
    let bytes = fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(&bytes)?;
    fs::write(&gz, encoder.finish()?)
        .with_context(|| format!("could not write {}", gz.display()))?;
    let mut compressed = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut bytes.as_slice(), &mut compressed, &params)
        .with_context(|| format!("could not compress {} with brotli", file.display()))?;
    fs::write(&br, compressed).with_context(|| format!("could not write {}", br.display()))?;
    Ok(())
}

/// `rustup target add wasm32-unknown-unknown` unless it is installed.
fn ensure_wasm_target() -> Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("rustup is needed to add the wasm32 target")?;
    if installed.lines().any(|l| l.trim() == TARGET) {
        return Ok(());
    }
    println!("xtask: rustup target add {TARGET}");
    run(Command::new("rustup").args(["target", "add", TARGET]))
}

/// Installs the wasm-bindgen CLI at the crate's version from Cargo.lock,
/// unless that exact version is already on the PATH. (No `--locked`: the
/// CLI's own lockfile wants a crate version the registry lacks.)
fn ensure_wasm_bindgen(root: &Path) -> Result<()> {
    let wanted = locked_version(root, "wasm-bindgen")?;
    let found = output(Command::new("wasm-bindgen").arg("--version")).ok();
    // `wasm-bindgen 0.2.130`
    let found = found.as_deref().and_then(|v| v.split_whitespace().nth(1));
    if found == Some(wanted.as_str()) {
        return Ok(());
    }
    match found {
        Some(v) => {
            println!("xtask: wasm-bindgen CLI is {v}, Cargo.lock wants {wanted}: installing")
        }
        None => println!("xtask: installing wasm-bindgen-cli {wanted} (about 2 minutes)"),
    }
    cargo(root, &["install", "wasm-bindgen-cli", "--version", &wanted])
}

/// The version of `package` in `<root>/Cargo.lock`.
fn locked_version(root: &Path, package: &str) -> Result<String> {
    let lock = fs::read_to_string(root.join("Cargo.lock")).context("could not read Cargo.lock")?;
    let name_line = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == name_line {
            let version = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'));
            if let Some(version) = version {
                return Ok(version.to_owned());
            }
        }
    }
    bail!("{package} is not in Cargo.lock; build casebook-web once to add it")
}

/// Whether `output` exists and is at least as new as `input`.
fn is_newer(output: &Path, input: &Path) -> bool {
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(output), modified(input)) {
        (Some(out), Some(inp)) => out >= inp,
        _ => false,
    }
}

fn run(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("could not run {:?}", command.get_program()))?;
    if !status.success() {
        bail!("{:?} failed ({status})", command.get_program());
    }
    Ok(())
}

fn output(command: &mut Command) -> Result<String> {
    let out = command
        .output()
        .with_context(|| format!("could not run {:?}", command.get_program()))?;
    if !out.status.success() {
        bail!("{:?} failed ({})", command.get_program(), out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_past_its_budget_is_named_and_one_within_is_not() {
        let [document, home] = &BUNDLES;
        let over = over_budget(&[(document, document.budget + 1), (home, home.budget)]);
        assert_eq!(over.len(), 1, "{over:?}");
        assert!(over[0].starts_with("document is "), "{over:?}");
        assert!(over_budget(&[(document, document.budget), (home, 0)]).is_empty());
    }

    #[test]
    fn the_pages_load_everything_from_the_published_build() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for bundle in &BUNDLES {
            let html = fs::read_to_string(root.join("web").join(bundle.html)).unwrap();
            let pointed = pointing_at(&html, "0123abcd");
            assert!(!pointed.contains("\"/pkg/"), "{pointed}");
            assert!(!pointed.contains("\"/style.css\""), "{pointed}");
            for file in [
                format!("/v/0123abcd/casebook_{}.js", bundle.name),
                format!("/v/0123abcd/casebook_{}_bg.wasm", bundle.name),
                "/v/0123abcd/style.css".to_owned(),
                "/v/0123abcd/meeting.css".to_owned(),
            ] {
                assert!(
                    pointed.contains(&format!("\"{file}\"")),
                    "{file} in {pointed}"
                );
            }
        }
    }

    /// A scratch `web/dist` with a page's files, as `build` leaves them
    /// before publishing; `n` changes the JS.
    fn scratch_dist(dir: &Path, n: u32) -> Vec<PathBuf> {
        let pkg = dir.join("pkg");
        fs::create_dir_all(pkg.join("document")).unwrap();
        let files = [
            (pkg.join("casebook_document.js"), format!("export {n};")),
            (pkg.join("document/split_a.wasm"), "\0asm".to_owned()),
            (dir.join("style.css"), "body {}".to_owned()),
        ];
        for (file, text) in &files {
            fs::write(file, text).unwrap();
        }
        fs::write(pkg.join("casebook_document.js.gz"), b"gz").unwrap();
        files.into_iter().map(|(file, _)| file).collect()
    }

    #[test]
    fn a_build_is_published_whole_under_its_content_and_the_three_newest_are_kept() {
        let dist = std::env::temp_dir().join(format!("casebook-publish-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dist);
        // Each build published a minute after the one before.
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let published_at = |version: &str, minute: u64| {
            let marker = dist.join("v").join(version).join(".published");
            let marker = fs::File::options().write(true).open(marker).unwrap();
            marker
                .set_modified(hour_ago + std::time::Duration::from_secs(60 * minute))
                .unwrap();
        };
        let files = scratch_dist(&dist, 0);
        let first = publish(&dist, &files).unwrap();
        published_at(&first, 0);
        let build = dist.join("v").join(&first);
        assert_eq!(
            fs::read_to_string(build.join("casebook_document.js")).unwrap(),
            "export 0;"
        );
        assert_eq!(
            fs::read(build.join("casebook_document.js.gz")).unwrap(),
            b"gz"
        );
        assert_eq!(
            fs::read_to_string(build.join("document/split_a.wasm")).unwrap(),
            "\0asm"
        );
        assert_eq!(
            fs::read_to_string(build.join("style.css")).unwrap(),
            "body {}"
        );
        assert_eq!(
            publish(&dist, &files).unwrap(),
            first,
            "the same content, the same build"
        );
        published_at(&first, 0);

        // A half-written build left by an interrupted one goes at the next.
        fs::create_dir_all(dist.join("v/.deadbeef.partial")).unwrap();
        let mut versions = vec![first];
        for n in 1..=3u32 {
            let version = publish(&dist, &scratch_dist(&dist, n)).unwrap();
            assert!(!versions.contains(&version));
            published_at(&version, u64::from(n));
            versions.push(version);
        }
        // Publishing the first again makes it the newest: the second goes.
        assert_eq!(
            publish(&dist, &scratch_dist(&dist, 0)).unwrap(),
            versions[0]
        );
        let mut left: Vec<String> = fs::read_dir(dist.join("v"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut kept = vec![
            versions[0].clone(),
            versions[2].clone(),
            versions[3].clone(),
        ];
        kept.sort();
        assert_eq!(left, kept);
        let _ = fs::remove_dir_all(&dist);
    }
}
