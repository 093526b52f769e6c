//! A comment's link: `#c-{id}` after the page's address opens the page
//! scrolled to that comment's card, highlighted, in whatever phase the
//! meeting is (the comment list is in the sidebar in every phase, and a
//! filter that hides the card gives way). Following a card's "Link" within
//! the page does the same and leaves the address ready to copy.
//!
//! The link carries no token: it is the page's address (which lost its
//! `?token=` when the page read it, see `crate::access`) and the comment's
//! fragment. Whoever opens it uses the role link this browser remembers for
//! the postmortem; someone who never opened theirs is told to, first.

use super::{attr_selector, Session};
use leptos::prelude::*;
use std::time::Duration;

const PREFIX: &str = "c-";

/// How often, and how many times, to look for a card not drawn yet (the
/// room and the list arrive after the page).
const LOOK_EVERY: Duration = Duration::from_millis(100);
const LOOKS: u32 = 50;

/// Scrolled once more this long after the card was found: the sections
/// above it may still be filling in and push it away.
const SETTLE: Duration = Duration::from_millis(700);

/// The fragment that names comment `id` (without its `#`).
pub fn fragment(id: &str) -> String {
    format!("{PREFIX}{id}")
}

/// The comment a fragment (with or without its `#`) names.
pub fn target(hash: &str) -> Option<String> {
    let id = hash
        .strip_prefix('#')
        .unwrap_or(hash)
        .strip_prefix(PREFIX)?;
    let plain = id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    (!id.is_empty() && plain).then(|| id.to_owned())
}

/// The address of comment `id`'s link: this page's path and parameters
/// without any `?token=`, and the comment's fragment.
pub fn address(id: &str) -> String {
    let location = window().location();
    format!(
        "{}{}#{}",
        location.pathname().unwrap_or_default(),
        crate::access::search_without_token(&location.search().unwrap_or_default()),
        fragment(id)
    )
}

/// Whether the page's address names a comment (`#c-{id}`).
pub fn names_a_comment() -> bool {
    current().is_some()
}

fn current() -> Option<String> {
    window()
        .location()
        .hash()
        .ok()
        .and_then(|hash| target(&hash))
}

/// Follows the page's `#c-{id}` now and whenever it changes.
pub fn follow(session: Session) {
    let wanted = RwSignal::new(current());
    let handle = window_event_listener(leptos::ev::hashchange, move |_| wanted.set(current()));
    // The listener lives as long as the page.
    std::mem::forget(handle);
    Effect::new(move |_| {
        let Some(id) = wanted.get() else {
            return;
        };
        if !session.room.with(|r| r.comment(&id).is_some()) {
            // Not in the room (yet): looked at again when the room changes.
            return;
        }
        wanted.set(None);
        session.focus.set(Some(id.clone()));
        session.linked.set(Some(id.clone()));
        let selector = format!(".comment-list {}", attr_selector("data-card", &id));
        scroll_when_drawn(selector, LOOKS);
    });
}

/// Scrolls the card matching `selector` to the middle of the window once
/// it is drawn, and again when the page has settled.
fn scroll_when_drawn(selector: String, looks_left: u32) {
    set_timeout(
        move || {
            let found = document().query_selector(&selector).ok().flatten();
            match found {
                Some(card) => {
                    center(&card);
                    set_timeout(
                        move || {
                            if let Some(card) = document().query_selector(&selector).ok().flatten()
                            {
                                center(&card);
                            }
                        },
                        SETTLE,
                    );
                }
                None if looks_left > 0 => scroll_when_drawn(selector, looks_left - 1),
                None => {}
            }
        },
        LOOK_EVERY,
    );
}

fn center(card: &web_sys::Element) {
    let options = web_sys::ScrollIntoViewOptions::new();
    options.set_block(web_sys::ScrollLogicalPosition::Center);
    card.scroll_into_view_with_scroll_into_view_options(&options);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fragment_names_one_comment() {
        assert_eq!(
            target(&format!("#{}", fragment("k3v-_9"))).as_deref(),
            Some("k3v-_9")
        );
        assert_eq!(target("c-abc").as_deref(), Some("abc"));
        assert_eq!(target("#c-"), None);
        assert_eq!(target("#comments-heading"), None);
        assert_eq!(target("#c-a\"]"), None, "no way out of the selector");
        assert_eq!(target(""), None);
    }
}
