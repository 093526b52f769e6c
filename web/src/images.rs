//! Images pasted or dropped into a section's editor: each image file is
//! uploaded (`POST …/images`) and the Markdown the server answers is put
//! where the caret is, through the editor's ordinary input path, so it
//! reaches everyone like typed text. What is not an image file (text,
//! links) is left to the textarea as usual. The server checks the bytes;
//! this only picks files whose browser type says image.

use crate::api::{self, ApiError};
use crate::i18n::Key;
use crate::sync::Client;
use wasm_bindgen::JsCast;
use web_sys::{DataTransfer, File, HtmlTextAreaElement};

/// The image files `transfer` carries (a paste or a drop).
pub fn image_files(transfer: Option<DataTransfer>) -> Vec<File> {
    let Some(files) = transfer.and_then(|t| t.files()) else {
        return Vec::new();
    };
    (0..files.length())
        .filter_map(|i| files.item(i))
        .filter(|f| f.type_().starts_with("image/"))
        .collect()
}

/// The image's text: its file name without the extension (a screenshot
/// pasted from the clipboard is just "image").
fn alt_text(file: &File) -> String {
    let name = file.name();
    let stem = name
        .rsplit_once('.')
        .map_or(name.as_str(), |(stem, _)| stem);
    stem.replace(['_', '-'], " ").trim().to_owned()
}

/// What to tell the writer when an upload was refused.
fn refusal(error: &ApiError) -> Key {
    match error {
        ApiError::Status(413, _) => Key::ImageTooLarge,
        ApiError::Status(415, _) => Key::ImageNotAccepted,
        ApiError::Status(409, _) => Key::TooManyImages,
        ApiError::Status(403, _) => Key::ImagesNotAllowedNow,
        _ => Key::ImageUploadFailed,
    }
}

/// Puts `text` at the textarea's selection (replacing it), caret after it,
/// then hands the change to the editor as if it were typed.
fn insert(client: &Client, section: &str, textarea: &HtmlTextAreaElement, text: &str) {
    let value = textarea.value();
    let start = textarea.selection_start().ok().flatten().unwrap_or(0);
    let end = textarea.selection_end().ok().flatten().unwrap_or(start);
    // A paragraph of its own (a blank line before it), so it shows as a
    // block and not inside the sentence before it.
    let before: Vec<u16> = value.encode_utf16().take(start as usize).collect();
    let newline = u16::from(b'\n');
    let lead = match before.as_slice() {
        [] | [.., 10, 10] => "",
        [.., last] if *last == newline => "\n",
        _ => "\n\n",
    };
    let block = format!("{lead}{text}\n");
    let _ = textarea.set_range_text_with_start_and_end_and_mode(&block, start, end, "end");
    client.on_input(section);
}

/// Uploads `files` one by one and inserts each answer; `status` shows the
/// upload going on, then nothing or why one was refused.
pub fn upload_and_insert(
    client: Client,
    section: String,
    token: String,
    textarea: web_sys::EventTarget,
    files: Vec<File>,
    status: leptos::prelude::RwSignal<Option<Key>>,
) {
    use leptos::prelude::Set;
    let Ok(textarea) = textarea.dyn_into::<HtmlTextAreaElement>() else {
        return;
    };
    status.set(Some(Key::ImageUploading));
    leptos::task::spawn_local(async move {
        let mut outcome = None;
        for file in files {
            match api::upload_image(client.pm_id(), &token, &file, &alt_text(&file)).await {
                Ok(image) => insert(&client, &section, &textarea, &image.markdown),
                Err(error) => outcome = Some(refusal(&error)),
            }
        }
        status.set(outcome);
    });
}
