//! `performance.mark`s at the few moments a cold navigation to the
//! postmortem page is made of, so that `tests/js/bench-navigation.mjs` can
//! say where its time goes (download and compile are the browser's own
//! Resource Timing; these are what only the page knows). Each is set once
//! per page load, and the socket's three again at each reconnect (the
//! bench reads the first of each); they are named `casebook:*` and carry
//! nothing about the document.

/// The wasm module is instantiated and the page's code runs.
pub const MAIN: &str = "casebook:main";
/// The page's first render is in the DOM (the editor, not yet synced).
pub const MOUNTED: &str = "casebook:mounted";
/// The document's socket is being opened (early, beside the first
/// requests, for a returning visitor; else with the editor).
pub const SOCKET_OPENING: &str = "casebook:socket-opening";
/// The postmortem's answer (title, role) is in the page.
pub const POSTMORTEM: &str = "casebook:postmortem";
/// The document's replica is made (kept edits restored), before the
/// editor's render.
pub const REPLICA: &str = "casebook:replica";
/// The editor (outline, sections, case panel) is in the DOM.
pub const EDITOR_RENDERED: &str = "casebook:editor-rendered";
/// The document's socket is open (the handshake sent).
pub const SOCKET_OPEN: &str = "casebook:socket-open";
/// The server's first sync answer is applied to the replica.
pub const SYNCED: &str = "casebook:synced";

/// Records `name` on the page's performance timeline (nothing natively).
pub fn mark(name: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = name;
}
