//! The `document` wasm bundle: the postmortem page `/p/{id}` (editor,
//! presence, meeting UI); loaded by `document.html`. It calls only
//! [`casebook_web::start_document`], so the linker leaves out the other bundle's pages.

use wasm_bindgen::prelude::*;

/// Entry point, run by `init()` in the HTML page.
#[wasm_bindgen(start)]
pub fn start() {
    casebook_web::start_document();
}
