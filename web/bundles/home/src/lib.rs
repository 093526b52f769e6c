//! The `home` wasm bundle: the admin home with import (`/`), the library
//! (`/library`) and insights (`/insights`); loaded by `index.html`. It calls only
//! [`casebook_web::start_home`], so the linker leaves out the other bundle's pages.

use wasm_bindgen::prelude::*;

/// Entry point, run by `init()` in the HTML page.
#[wasm_bindgen(start)]
pub fn start() {
    casebook_web::start_home();
}
