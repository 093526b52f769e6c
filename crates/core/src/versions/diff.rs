//! A readable word-level diff of two texts, for people comparing versions of
//! a postmortem.
//!
//! Text is cut into tokens by Unicode word boundaries (UAX #29, through
//! `unicode-segmentation`): an English word, a run of spaces, a punctuation
//! mark, a run of katakana, one kanji or one hiragana each (Japanese puts no
//! spaces between words, so a changed word shows as its changed characters),
//! and an emoji with its modifiers and joiners as one token. The texts are
//! first compared line by line; the lines that changed are then compared
//! token by token, so a long section costs what its changed lines cost.
//!
//! The pieces always give both texts back exactly: the `Same` and `Removed`
//! pieces in order are the old text, the `Same` and `Added` pieces the new.
//!
//! The comparison itself is `similar`'s Myers diff over token slices.

use serde::{Deserialize, Serialize};
use similar::{capture_diff_slices, Algorithm, DiffOp};
use unicode_segmentation::UnicodeSegmentation;

/// Whether a piece of text is in both versions, only the new or only the old.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PieceKind {
    Same,
    Added,
    Removed,
}

/// A run of text that is in both versions, or was added or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiffPiece {
    pub kind: PieceKind,
    pub text: String,
}

/// Changed lines whose tokens, old and new together, number more than this
/// are shown as removed and added whole: Myers costs (n + m) × d, and a
/// block this large that changed is a rewrite, read best as a whole.
const MAX_TOKENS_PER_HUNK: usize = 6_000;

/// What changed from `old` to `new`, as runs of same, removed and added text
/// (removed before added where both are at one place).
pub fn diff_words(old: &str, new: &str) -> Vec<DiffPiece> {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let mut pieces = Pieces::default();
    let (mut old_hunk, mut new_hunk) = (String::new(), String::new());
    for op in capture_diff_slices(Algorithm::Myers, &old_lines, &new_lines) {
        match op {
            DiffOp::Equal { old_index, len, .. } => {
                diff_hunk(&mut pieces, &old_hunk, &new_hunk);
                old_hunk.clear();
                new_hunk.clear();
                pieces.push(
                    PieceKind::Same,
                    &old_lines[old_index..old_index + len].concat(),
                );
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => old_hunk.push_str(&old_lines[old_index..old_index + old_len].concat()),
            DiffOp::Insert {
                new_index, new_len, ..
            } => new_hunk.push_str(&new_lines[new_index..new_index + new_len].concat()),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                old_hunk.push_str(&old_lines[old_index..old_index + old_len].concat());
                new_hunk.push_str(&new_lines[new_index..new_index + new_len].concat());
            }
        }
    }
    diff_hunk(&mut pieces, &old_hunk, &new_hunk);
    pieces.0
}

/// Compares changed lines token by token.
fn diff_hunk(pieces: &mut Pieces, old: &str, new: &str) {
    if old.is_empty() || new.is_empty() {
        pieces.push(PieceKind::Removed, old);
        pieces.push(PieceKind::Added, new);
        return;
    }
    let old_tokens: Vec<&str> = old.split_word_bounds().collect();
    let new_tokens: Vec<&str> = new.split_word_bounds().collect();
    if old_tokens.len() + new_tokens.len() > MAX_TOKENS_PER_HUNK {
        pieces.push(PieceKind::Removed, old);
        pieces.push(PieceKind::Added, new);
        return;
    }
    let ops = capture_diff_slices(Algorithm::Myers, &old_tokens, &new_tokens);
    let (mut removed, mut added) = (String::new(), String::new());
    for (i, op) in ops.iter().enumerate() {
        let old_text = old_tokens[op.old_range()].concat();
        let new_text = new_tokens[op.new_range()].concat();
        let between_changes = i > 0 && i + 1 < ops.len();
        match op {
            // White space alone between two changes reads as part of one
            // change: "[-could not-]{+were unable to+}", not
            // "[-could-]{+were+} [-not-]{+unable to+}".
            DiffOp::Equal { .. } if !(between_changes && old_text.trim().is_empty()) => {
                pieces.push(PieceKind::Removed, &std::mem::take(&mut removed));
                pieces.push(PieceKind::Added, &std::mem::take(&mut added));
                pieces.push(PieceKind::Same, &old_text);
            }
            _ => {
                removed.push_str(&old_text);
                added.push_str(&new_text);
            }
        }
    }
    pieces.push(PieceKind::Removed, &removed);
    pieces.push(PieceKind::Added, &added);
}

/// Pieces being built: empty text is dropped and a piece of the kind of the
/// last one extends it.
#[derive(Default)]
struct Pieces(Vec<DiffPiece>);

impl Pieces {
    fn push(&mut self, kind: PieceKind, text: &str) {
        if text.is_empty() {
            return;
        }
        match self.0.last_mut() {
            Some(last) if last.kind == kind => last.text.push_str(text),
            _ => self.0.push(DiffPiece {
                kind,
                text: text.to_owned(),
            }),
        }
    }
}

/// The characters added and removed, not counting white space: a measure
/// of change that reads the same in English and Japanese.
pub fn changed_chars(pieces: &[DiffPiece]) -> (u32, u32) {
    let count = |kind: PieceKind| {
        pieces
            .iter()
            .filter(|p| p.kind == kind)
            .flat_map(|p| p.text.chars())
            .filter(|c| !c.is_whitespace())
            .count() as u32
    };
    (count(PieceKind::Added), count(PieceKind::Removed))
}

/// The old text back from a diff (its same and removed pieces).
pub fn old_text(pieces: &[DiffPiece]) -> String {
    text_of(pieces, PieceKind::Removed)
}

/// The new text back from a diff (its same and added pieces).
pub fn new_text(pieces: &[DiffPiece]) -> String {
    text_of(pieces, PieceKind::Added)
}

fn text_of(pieces: &[DiffPiece], changed: PieceKind) -> String {
    pieces
        .iter()
        .filter(|p| p.kind == PieceKind::Same || p.kind == changed)
        .map(|p| p.text.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The diff as a compact string: `[-removed-]`, `{+added+}`.
    fn shown(old: &str, new: &str) -> String {
        let pieces = diff_words(old, new);
        assert_eq!(old_text(&pieces), old, "old text round-trips");
        assert_eq!(new_text(&pieces), new, "new text round-trips");
        pieces
            .iter()
            .map(|p| match p.kind {
                PieceKind::Same => p.text.clone(),
                PieceKind::Removed => format!("[-{}-]", p.text),
                PieceKind::Added => format!("{{+{}+}}", p.text),
            })
            .collect()
    }

    #[test]
    fn an_english_word_changes_as_a_word() {
        assert_eq!(
            shown(
                "The primary database failed over.",
                "The primary MySQL database failed over twice."
            ),
            "The primary {+MySQL +}database failed over{+ twice+}."
        );
        assert_eq!(
            shown("We restarted the pods.", "We drained the pods."),
            "We [-restarted-]{+drained+} the pods."
        );
    }

    #[test]
    fn words_changed_around_a_space_read_as_one_change() {
        assert_eq!(
            shown("customers could not pay.", "customers were unable to pay."),
            "customers [-could not-]{+were unable to+} pay."
        );
    }

    #[test]
    fn japanese_without_spaces_changes_by_its_characters() {
        assert_eq!(
            shown(
                "データベースが停止した。",
                "プライマリのデータベースが三分間停止した。"
            ),
            "{+プライマリの+}データベースが{+三分間+}停止した。"
        );
        // A katakana word is one token: a changed word is replaced whole.
        assert_eq!(
            shown("キャッシュを消した。", "バッファを消した。"),
            "[-キャッシュ-]{+バッファ+}を消した。"
        );
    }

    #[test]
    fn an_emoji_with_joiners_and_modifiers_stays_whole() {
        let pieces = diff_words("Thanks 👩‍💻 team", "Thanks 👍🏽 team");
        assert_eq!(
            pieces
                .iter()
                .filter(|p| p.kind != PieceKind::Same)
                .map(|p| p.text.as_str())
                .collect::<Vec<_>>(),
            vec!["👩‍💻", "👍🏽"]
        );
        assert_eq!(shown("🔥🔥", "🔥🚒🔥"), "🔥{+🚒+}🔥");
    }

    #[test]
    fn only_changed_lines_are_compared_by_word() {
        let old = "# Timeline\n10:00 alert\n10:05 page\n10:30 fixed\n";
        let new = "# Timeline\n10:00 alert\n10:07 page\n10:30 fixed\nnew line\n";
        assert_eq!(
            shown(old, new),
            "# Timeline\n10:00 alert\n10:[-05-]{+07+} page\n10:30 fixed\n{+new line\n+}"
        );
    }

    #[test]
    fn empty_sides_and_equal_texts() {
        assert_eq!(shown("", ""), "");
        assert_eq!(shown("", "new"), "{+new+}");
        assert_eq!(shown("old", ""), "[-old-]");
        assert_eq!(shown("same\n", "same\n"), "same\n");
        assert!(diff_words("a b", "a b")
            .iter()
            .all(|p| p.kind == PieceKind::Same));
    }

    #[test]
    fn a_rewrite_past_the_token_limit_is_removed_and_added_whole() {
        let old = "word ".repeat(MAX_TOKENS_PER_HUNK);
        let new = "term ".repeat(MAX_TOKENS_PER_HUNK);
        let pieces = diff_words(&old, &new);
        assert_eq!(pieces.len(), 2);
        assert_eq!((old_text(&pieces), new_text(&pieces)), (old, new));
    }

    #[test]
    fn mixed_texts_round_trip_exactly() {
        let cases = [
            ("a\r\nb\r\n", "a\r\nc\r\n"),
            (
                "原因は設定ミス。\n対策: 🚀 deploy",
                "原因は設定の誤り。\n対策:🚀 deploys",
            ),
            ("e\u{301}té", "ete\u{301}"),
            ("  spaced   out  ", " spaced out "),
            ("no newline", "no newline\n"),
        ];
        for (old, new) in cases {
            shown(old, new);
            shown(new, old);
        }
    }

    #[test]
    fn changed_characters_leave_white_space_out() {
        let pieces = diff_words("停止した", "三分間 停止した");
        assert_eq!(changed_chars(&pieces), (3, 0));
    }
}
