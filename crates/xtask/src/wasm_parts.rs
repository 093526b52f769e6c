//! Where a web bundle's bytes go: the raw size of a wasm module's function
//! bodies summed by the crate their symbol starts with, and its data
//! segments (read-only data). `build-web` prints it for each bundle's main
//! module, the first download, as the split left it with its name section:
//! wasm-bindgen later drops the names and a little glue, not code.
//!
//! Raw bytes, not gzipped: a part's share of the raw code is a fair guide
//! to its share of the gzipped module, which compresses evenly (about 0.37
//! of its size, `docs/performance-2026-12-07-bundle.md`).

use std::collections::HashMap;

use anyhow::{Context, Result};
use wasmparser::{KnownCustom, Name, Parser, Payload, TypeRef};

/// Raw bytes of a module, by part.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parts {
    /// Function bodies by the crate of their symbol, heaviest first.
    pub code: Vec<(String, usize)>,
    /// Data segments: strings, tables, vtables, panic locations.
    pub data: usize,
    /// The whole module without its custom sections (names, producers).
    pub total: usize,
}

/// Function bodies whose symbol is not a mangled Rust path: the
/// allocator, compiler intrinsics, wasm-bindgen's exports.
pub const UNMANGLED: &str = "(not a Rust path: allocator, intrinsics, glue)";

/// Splits `wasm` into [`Parts`], naming functions by its name section
/// (a module without one has all its code under [`UNMANGLED`]).
pub fn of(wasm: &[u8]) -> Result<Parts> {
    let mut imported = 0u32;
    let mut bodies = Vec::new();
    let mut names = HashMap::new();
    let mut parts = Parts::default();
    let mut custom = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.context("the module could not be read")? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if matches!(import?.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => bodies.push(span(body.range())),
            Payload::DataSection(reader) => {
                for data in reader {
                    parts.data += data?.data.len();
                }
            }
            Payload::CustomSection(section) => {
                custom += span(section.range());
                if let KnownCustom::Name(reader) = section.as_known() {
                    for name in reader {
                        if let Name::Function(map) = name? {
                            for naming in map {
                                let naming = naming?;
                                names.insert(naming.index, naming.name);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    parts.total = wasm.len().saturating_sub(custom);
    let mut by_crate: HashMap<String, usize> = HashMap::new();
    for (i, size) in bodies.into_iter().enumerate() {
        let index = imported + u32::try_from(i).context("too many functions")?;
        let part = names
            .get(&index)
            .and_then(|name| crate_of(name))
            .unwrap_or(UNMANGLED);
        *by_crate.entry(part.to_string()).or_default() += size;
    }
    parts.code = by_crate.into_iter().collect();
    parts
        .code
        .sort_by(|(a, x), (b, y)| y.cmp(x).then_with(|| a.cmp(b)));
    Ok(parts)
}

/// The length of a range of the module's bytes.
fn span<T: TryInto<usize>>(range: std::ops::Range<T>) -> usize {
    let (start, end) = (range.start.try_into(), range.end.try_into());
    match (start, end) {
        (Ok(start), Ok(end)) => end.saturating_sub(start),
        _ => 0,
    }
}

/// The crate a legacy-mangled Rust symbol (`_ZN…E`) starts with: its first
/// path segment; for an impl (`<alloc::vec::Vec<T> as …>::…`, `<&T as …>`)
/// the crate of the type, or of the trait when the type is no path (a
/// generic parameter, a primitive: `<T as core::convert::Into<U>>` is
/// `core`). Generic code instantiated for a crate's types counts under the
/// crate that defines the generic (`core::ptr::drop_in_place<…>` is
/// `core`), as twiggy counts it.
pub fn crate_of(symbol: &str) -> Option<&str> {
    let rest = symbol.strip_prefix("_ZN")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let len: usize = rest.get(..digits)?.parse().ok()?;
    let segment = rest.get(digits..digits.checked_add(len)?)?;
    let Some(mut impl_of) = segment
        .strip_prefix("_$LT$")
        .or(segment.strip_prefix("$LT$"))
    else {
        return leading_ident(segment);
    };
    // `&T`, `*const T`, `[T]`, `(A, B)`, `&mut T`, `dyn T`: look through.
    while let Some(inner) = [
        "$RF$",
        "$BP$",
        "$u5b$",
        "$LP$",
        "mut$u20$",
        "const$u20$",
        "dyn$u20$",
    ]
    .iter()
    .find_map(|p| impl_of.strip_prefix(p))
    {
        impl_of = inner;
    }
    let ident = leading_ident(impl_of)?;
    let after = &impl_of[ident.len()..];
    if after.starts_with("..") {
        return Some(ident);
    }
    // Not a path: the trait's crate.
    after
        .split_once("$u20$as$u20$")
        .and_then(|(_, tr)| leading_ident(tr))
        .or(Some(ident))
}

/// The identifier `text` starts with, if any.
fn leading_ident(text: &str) -> Option<&str> {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    Some(&text[..end]).filter(|name| !name.is_empty())
}

/// One line per part, the heaviest `top` crates and the rest summed, for
/// `build-web`'s output.
pub fn describe(parts: &Parts, top: usize) -> Vec<String> {
    let code: usize = parts.code.iter().map(|(_, size)| size).sum();
    let share = |size: usize| size * 100 / parts.total.max(1);
    let mut lines = vec![format!(
        "{} KB without names: code {} KB ({} %), data {} KB ({} %), the rest (types, imports, exports, tables) {} KB",
        parts.total / 1000,
        code / 1000,
        share(code),
        parts.data / 1000,
        share(parts.data),
        parts.total.saturating_sub(code + parts.data) / 1000,
    )];
    for (name, size) in parts.code.iter().take(top) {
        lines.push(format!(
            "  {:>4} KB {:>3} %  {name}",
            size / 1000,
            share(*size)
        ));
    }
    let rest: usize = parts.code.iter().skip(top).map(|(_, size)| size).sum();
    if rest > 0 {
        let crates = parts.code.len().saturating_sub(top);
        lines.push(format!(
            "  {:>4} KB {:>3} %  {crates} more crates",
            rest / 1000,
            share(rest)
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crate_of_a_symbol_is_its_first_segment_or_the_type_of_an_impl() {
        assert_eq!(
            crate_of("_ZN10leptos_dom7helpers6window17h6cdf7a6ad8d9d4b5E"),
            Some("leptos_dom")
        );
        assert_eq!(
            crate_of("_ZN4core3ptr107drop_in_place$LT$core..result..Result$LT$leptos_dom..helpers..TimeoutHandle$GT$$GT$17ha859f77d0b357561E"),
            Some("core")
        );
        assert_eq!(
            crate_of("_ZN72_$LT$alloc..vec..Vec$LT$T$GT$$u20$as$u20$core..clone..Clone$GT$5clone17h0123456789abcdefE"),
            Some("alloc")
        );
        assert_eq!(
            crate_of(
                "_ZN50_$LT$T$u20$as$u20$core..convert..Into$LT$U$GT$$GT$4into17h0123456789abcdefE"
            ),
            Some("core")
        );
        assert_eq!(
            crate_of("_ZN63_$LT$$RF$T$u20$as$u20$serde..ser..Serialize$GT$9serialize17h0123456789abcdefE"),
            Some("serde")
        );
        assert_eq!(
            crate_of("_ZN55_$LT$$RF$yrs..doc..Doc$u20$as$u20$core..fmt..Debug$GT$3fmt17h0123456789abcdefE"),
            Some("yrs")
        );
        assert_eq!(crate_of("__rust_alloc"), None);
        assert_eq!(crate_of("memcpy"), None);
        assert_eq!(crate_of("_ZN99short"), None, "a length past the end");
        assert_eq!(crate_of("_ZNx"), None);
    }

    /// A module of four functions (one imported, so the name section's
    /// indices are offset by it), a data segment and a name section.
    fn module() -> Vec<u8> {
        use wasm_encoder::{
            CodeSection, DataSection, EntityType, Function, FunctionSection, ImportSection,
            Instruction, MemorySection, MemoryType, Module, NameMap, NameSection, TypeSection,
        };
        let mut module = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([], []);
        module.section(&types);
        let mut imports = ImportSection::new();
        imports.import("env", "f", EntityType::Function(0));
        module.section(&imports);
        let mut functions = FunctionSection::new();
        for _ in 0..3 {
            functions.function(0);
        }
        module.section(&functions);
        let mut memory = MemorySection::new();
        memory.memory(MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        module.section(&memory);
        let mut code = CodeSection::new();
        for nops in [40, 10, 5] {
            let mut f = Function::new([]);
            for _ in 0..nops {
                f.instruction(&Instruction::Nop);
            }
            f.instruction(&Instruction::End);
            code.function(&f);
        }
        module.section(&code);
        let mut data = DataSection::new();
        data.active(0, &wasm_encoder::ConstExpr::i32_const(0), vec![7u8; 100]);
        module.section(&data);
        let mut names = NameMap::new();
        names.append(0, "_ZN4core3fmt5write17h0000000000000000E");
        names.append(1, "_ZN6leptos5mount17h0000000000000000E");
        names.append(2, "_ZN6leptos4view17h0000000000000000E");
        names.append(3, "memcpy");
        let mut section = NameSection::new();
        section.functions(&names);
        module.section(&section);
        module.finish()
    }

    #[test]
    fn code_is_summed_by_crate_with_imports_offsetting_the_names() {
        let wasm = module();
        let parts = of(&wasm).unwrap();
        // Each body (without its size): the locals count, the nops, `end`.
        // Index 0 is the import, named `core::…`: no body of it counts.
        assert_eq!(
            parts.code,
            vec![("leptos".to_string(), 42 + 12), (UNMANGLED.to_string(), 7)]
        );
        assert_eq!(parts.data, 100);
        assert!(parts.total < wasm.len(), "the names are not counted");
        let lines = describe(&parts, 1);
        assert!(lines[1].contains("leptos"), "{lines:?}");
        assert!(lines[2].contains("1 more crates"), "{lines:?}");
    }
}
