//! Every string the user reads, in English and Japanese.
//!
//! The language comes from `navigator.language` (`ja*` → Japanese) unless the
//! user picked one with the EN/日本語 switch, which is kept in localStorage.

use crate::storage;

/// A language the interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ja,
}

const LANG_KEY: &str = "casebook.lang";

impl Lang {
    /// The saved choice, else the browser's language.
    pub fn detect() -> Lang {
        let saved = storage::load(LANG_KEY);
        let tag = saved.or_else(|| web_sys::window().and_then(|w| w.navigator().language()));
        match tag {
            Some(tag) if tag.to_ascii_lowercase().starts_with("ja") => Lang::Ja,
            _ => Lang::En,
        }
    }

    /// Remembers an explicit choice for the next visit.
    pub fn save(self) {
        storage::save(LANG_KEY, self.code());
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }
}

/// Names of the strings; `t` gives their text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Loading,
    NeedAdminLink,
    AdminLinkRefused,
    Postmortems,
    NoPostmortems,
    ColTitle,
    ColCreated,
    ColPhase,
    Open,
    NewPostmortem,
    TitlePlaceholder,
    Create,
    RoleLinksFor,
    Copy,
    Copied,
    CopyFailed,
    RoleFacilitator,
    RoleAuthor,
    RoleParticipant,
    RoleViewer,
    RoleAdmin,
    NeedRoleLink,
    RoleLinkRefused,
    NoSuchPostmortem,
    PageNotFound,
    NetworkError,
    YourName,
    NamePrompt,
    Join,
    ChangeName,
    YourRole,
    ViewerReadOnly,
    Connecting,
    Synced,
    Offline,
    HereNow,
    You,
    Sections,
    Undo,
    Redo,
    Preview,
    EditSource,
    MoveUp,
    MoveDown,
    Rename,
    Save,
    Cancel,
    RemoveSection,
    AddSection,
    NewSectionPlaceholder,
    SectionTitleInvalid,
    SectionNotEmpty,
    ReadingHere,
    EmptySection,
}

/// The text of `key` in `lang`.
pub fn t(lang: Lang, key: Key) -> &'static str {
    use Key::*;
    use Lang::*;
    match (lang, key) {
        (En, Loading) => "Loading…",
        (Ja, Loading) => "読み込み中…",
        (En, NeedAdminLink) => "This page needs the admin link. Open the link that casebook serve printed when it started (it ends in ?token=…).",
        (Ja, NeedAdminLink) => "このページには管理者リンクが必要です。casebook serve の起動時に表示されたリンク（末尾が ?token=…）を開いてください。",
        (En, AdminLinkRefused) => "The server refused this admin link. Use the admin link the server printed at start (it changes if the data directory changes).",
        (Ja, AdminLinkRefused) => "サーバーがこの管理者リンクを拒否しました。サーバー起動時に表示された管理者リンクを使ってください（データディレクトリが変わるとリンクも変わります）。",
        (En, Postmortems) => "Postmortems",
        (Ja, Postmortems) => "ポストモーテム",
        (En, NoPostmortems) => "No postmortems yet. Create the first one below.",
        (Ja, NoPostmortems) => "まだポストモーテムはありません。下のフォームから作成してください。",
        (En, ColTitle) => "Title",
        (Ja, ColTitle) => "タイトル",
        (En, ColCreated) => "Created",
        (Ja, ColCreated) => "作成日時",
        (En, ColPhase) => "Phase",
        (Ja, ColPhase) => "フェーズ",
        (En, Open) => "Open",
        (Ja, Open) => "開く",
        (En, NewPostmortem) => "New postmortem",
        (Ja, NewPostmortem) => "新しいポストモーテム",
        (En, TitlePlaceholder) => "e.g. 2026-11-03 checkout latency",
        (Ja, TitlePlaceholder) => "例: 2026-11-03 決済の遅延",
        (En, Create) => "Create",
        (Ja, Create) => "作成",
        (En, RoleLinksFor) => "Links to hand out for",
        (Ja, RoleLinksFor) => "配布するリンク:",
        (En, Copy) => "Copy",
        (Ja, Copy) => "コピー",
        (En, Copied) => "Copied",
        (Ja, Copied) => "コピーしました",
        (En, CopyFailed) => "Select and copy by hand",
        (Ja, CopyFailed) => "手動で選択してコピーしてください",
        (En, RoleFacilitator) => "Facilitator",
        (Ja, RoleFacilitator) => "ファシリテーター",
        (En, RoleAuthor) => "Author",
        (Ja, RoleAuthor) => "執筆者",
        (En, RoleParticipant) => "Participant",
        (Ja, RoleParticipant) => "参加者",
        (En, RoleViewer) => "Viewer",
        (Ja, RoleViewer) => "閲覧者",
        (En, RoleAdmin) => "Admin",
        (Ja, RoleAdmin) => "管理者",
        (En, NeedRoleLink) => "This page needs an invite link with a token. Ask the facilitator for yours.",
        (Ja, NeedRoleLink) => "このページにはトークン付きの招待リンクが必要です。ファシリテーターに依頼してください。",
        (En, RoleLinkRefused) => "This invite link is invalid or has expired. Ask the facilitator for a new one.",
        (Ja, RoleLinkRefused) => "この招待リンクは無効か期限切れです。ファシリテーターに新しいリンクを依頼してください。",
        (En, NoSuchPostmortem) => "There is no such postmortem.",
        (Ja, NoSuchPostmortem) => "このポストモーテムは存在しません。",
        (En, PageNotFound) => "Page not found.",
        (Ja, PageNotFound) => "ページが見つかりません。",
        (En, NetworkError) => "Could not reach the server:",
        (Ja, NetworkError) => "サーバーに接続できませんでした:",
        (En, YourName) => "Your name",
        (Ja, YourName) => "表示名",
        (En, NamePrompt) => "Choose the name the others will see in the list of people here.",
        (Ja, NamePrompt) => "他の参加者に表示される名前を入力してください。",
        (En, Join) => "Join",
        (Ja, Join) => "参加",
        (En, ChangeName) => "Change name",
        (Ja, ChangeName) => "名前を変更",
        (En, YourRole) => "Your role:",
        (Ja, YourRole) => "あなたの役割:",
        (En, ViewerReadOnly) => "viewer: read-only",
        (Ja, ViewerReadOnly) => "閲覧者: 読み取り専用",
        (En, Connecting) => "syncing…",
        (Ja, Connecting) => "同期中…",
        (En, Synced) => "synced",
        (Ja, Synced) => "同期済み",
        (En, Offline) => "offline — your edits are kept",
        (Ja, Offline) => "オフライン（編集内容は保持されます）",
        (En, HereNow) => "Here now:",
        (Ja, HereNow) => "参加中:",
        (En, You) => "(you)",
        (Ja, You) => "（あなた）",
        (En, Sections) => "Sections",
        (Ja, Sections) => "目次",
        (En, Undo) => "Undo",
        (Ja, Undo) => "元に戻す",
        (En, Redo) => "Redo",
        (Ja, Redo) => "やり直す",
        (En, Preview) => "Preview",
        (Ja, Preview) => "プレビュー",
        (En, EditSource) => "Edit",
        (Ja, EditSource) => "編集",
        (En, MoveUp) => "Move up",
        (Ja, MoveUp) => "上へ移動",
        (En, MoveDown) => "Move down",
        (Ja, MoveDown) => "下へ移動",
        (En, Rename) => "Rename",
        (Ja, Rename) => "名前を変更",
        (En, Save) => "Save",
        (Ja, Save) => "保存",
        (En, Cancel) => "Cancel",
        (Ja, Cancel) => "キャンセル",
        (En, RemoveSection) => "Remove",
        (Ja, RemoveSection) => "削除",
        (En, AddSection) => "Add section",
        (Ja, AddSection) => "セクションを追加",
        (En, NewSectionPlaceholder) => "Title of a new section",
        (Ja, NewSectionPlaceholder) => "新しいセクションの見出し",
        (En, SectionTitleInvalid) => "A section title needs 1 to 120 characters.",
        (Ja, SectionTitleInvalid) => "見出しは1〜120文字で入力してください。",
        (En, SectionNotEmpty) => "Only an empty section can be removed.",
        (Ja, SectionNotEmpty) => "削除できるのは空のセクションだけです。",
        (En, ReadingHere) => "Reading here:",
        (Ja, ReadingHere) => "閲覧中:",
        (En, EmptySection) => "Nothing written here yet.",
        (Ja, EmptySection) => "まだ何も書かれていません。",
    }
}
