//! Every string the user reads, in English and Japanese.
//!
//! The language comes from `navigator.language` (`ja*` → Japanese) unless the
//! user picked one with the EN/日本語 switch, which is kept in localStorage.

use crate::storage;
use casebook_core::guide::Instruction;

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
    // Import, library, insights (issue 6).
    ImportMarkdown,
    ImportHelp,
    ImportPreview,
    ImportNewSection,
    ImportTitlePlaceholder,
    ImportPastePlaceholder,
    ImportButton,
    ImportEmpty,
    ImportFileUnreadable,
    LibraryTitle,
    LibraryHelp,
    LibrarySearchPlaceholder,
    LibrarySearch,
    LibraryAllServices,
    LibraryAllTags,
    LibraryEmpty,
    LibraryNoMatch,
    InsightsTitle,
    InsightsHelp,
    InsightsTrend,
    InsightsMeetingLength,
    InsightsCommentsBefore,
    InsightsTimePerPhase,
    InsightsQuestions,
    InsightsSuggestions,
    InsightsCommenters,
    InsightsFromOtherTeams,
    InsightsBeforeMeeting,
    InsightsAnswered,
    InsightsAccepted,
    InsightsDeclined,
    InsightsResolved,
    InsightsSurveyAnswers,
    InsightsSurvey,
    SurveyQuestionsEasy,
    SurveyTimeEnough,
    SurveyDocumentClear,
    Readiness,
    ReadyToPublish,
    FindingsLeft,
    AdviceCount,
    FindingBlocking,
    FindingAdvice,
    FindingDismissed,
    DismissedBecause,
    DismissFinding,
    RestoreFinding,
    DismissReason,
    DismissConfirm,
    Export,
    BodyLabel,
    BodyPlaceholder,
    // The meeting (web/src/meeting/).
    PhaseDrafting,
    PhaseSilentReading,
    PhaseQAndA,
    PhaseProposals,
    PhaseKudos,
    PhaseRevision,
    PhasePublished,
    MeetingPhases,
    MeetingReconnecting,
    TimeLeft,
    TimerPaused,
    TimeUp,
    TimerAutoStart,
    DoneReading,
    NotDoneReading,
    Readers,
    ReaderDone,
    ReaderReading,
    FacilitatorControls,
    NextPhase,
    StartTimer,
    PauseTimer,
    ExtendTimer,
    CommandFailed,
    Dismiss,
    NewComment,
    SelectTextFirst,
    KindQuestion,
    KindSuggestion,
    QuestionPlaceholder,
    SuggestionPlaceholder,
    Post,
    CommentsHeading,
    FilterAll,
    FilterQuestions,
    FilterSuggestions,
    FilterOpen,
    FilterMine,
    NoComments,
    Answered,
    Accepted,
    Declined,
    Resolved,
    Detached,
    AnswerLabel,
    ReasonLabel,
    SpotlightThis,
    Reply,
    ReplyPlaceholder,
    Send,
    QaHeading,
    OpenQuestions,
    NextQuestion,
    ClearSpotlight,
    NoSpotlight,
    NoOpenQuestions,
    AnswerPlaceholder,
    RecordAnswer,
    AnswerGoesToQa,
    ProposalsHeading,
    NoPendingSuggestions,
    Accept,
    Decline,
    Later,
    DeclineReasonPlaceholder,
    RevisionHeading,
    NothingToRevise,
    Todo,
    NoteLabel,
    ResolveNotePlaceholder,
    Resolve,
    KudosHeading,
    KudosTo,
    KudosToPlaceholder,
    KudosText,
    KudosTextPlaceholder,
    PostKudos,
    NoKudos,
    KudosFrom,
    SurveyHeading,
    SurveyIntro,
    RatingLow,
    RatingHigh,
    SurveyComment,
    SubmitSurvey,
    SurveyThanks,
    SurveyResultsHeading,
    OverrideReason,
    PublishAnyway,
    NowPhase,
    YourTurnToAnswer,
    PhaseDone,
    SkipToComments,
    ViewAs,
    ViewRendered,
    ViewMarkdown,
    CommentOnSelection,
    CurrentQuestion,
    InvitePeople,
    InviteRole,
    InviteExpiry,
    MintInvite,
    InviteLink,
    InviteExpires,
    UsableInvites,
    RevokeInvite,
    ConfirmRevokeInvite,
    YourLink,
    LinkRevoked,
    EditAnswer,
    SaveAnswer,
    AppendToAnswer,
    DiscardMine,
    GoBack,
    Stay,
    IncidentStarted,
    IncidentTimeZone,
    IncidentSaved,
    IncidentNotSaved,
    NotReadyTitle,
    NotReadyHint,
    PublishedReadLink,
    PublishedCase,
    ReplaceWith,
    ReplacementPlaceholder,
    SuggestDeletion,
    DeleteTheseWords,
    SuggestedChange,
    UndoAccept,
    ActionItemsHeading,
    ActionItem,
    ActionItemPlaceholder,
    ActionOwner,
    ActionDue,
    ActionStatus,
    ActionFrom,
    ActionFromNone,
    AddActionItem,
    NoActionItems,
    EditActionItem,
    // Threads: editing and deleting one's own words, +1s, long comments, links.
    EditComment,
    DeleteComment,
    ConfirmDeleteComment,
    ConfirmDeleteKeepsThread,
    ConfirmDeleteReply,
    CommentDeleted,
    ShowMore,
    ShowLess,
    CommentLink,
    CommentLinkLabel,
    VoteThis,
    TakeBackVote,
    QueueHeading,
    QueueOrder,
    OrderPosted,
    OrderVotes,
    SignOut,
    SignedOut,
    History,
    HistoryHint,
    SaveVersion,
    VersionLabel,
    VersionLabelPlaceholder,
    NoVersions,
    OpenVersion,
    CompareWithNow,
    CloseVersion,
    ReadOnlyVersion,
    Now,
    VersionSilentReading,
    VersionRevision,
    VersionPublished,
    VersionAnswered,
    NoChanges,
    MeetingChanged,
    MeetingChangedHint,
    NoBaseline,
    Refresh,
    QaEntryEnough,
    EditsSinceAnswer,
    NoVersionAtAnswer,
    NotEditedSinceAnswer,
    // Images pasted or dropped into a section.
    ImageUploading,
    ImageTooLarge,
    ImageNotAccepted,
    TooManyImages,
    ImageUploadFailed,
    ImagesNotAllowedNow,
    ImageHint,
    Reanchor,
    ReanchorLabel,
    // Who wrote an answer, links without tokens, acceptances not applied,
    // selections across sections.
    AnswerEditedBy,
    LinkCarriesNoAccess,
    AcceptedNotApplied,
    AcceptedNotAppliedWhat,
    SelectionShortened,
    InsightsMeetingChange,
    InsightsMeetingChangeTrend,
    // A person's team, asked next to the name (issue 20).
    YourTeam,
    TeamPrompt,
    SaveTeam,
    // Connected, but the server has not confirmed storing recent edits.
    NotSavedYet,
    // The meeting UI's module (loaded after the page) could not be fetched.
    MeetingPanelLoadFailed,
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
        (Ja, RoleLinksFor) => "配布用の招待リンク:",
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
        (Ja, NeedRoleLink) => "このページを開くには招待リンクが必要です。ファシリテーターにリンクを依頼してください。",
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
        (Ja, Join) => "参加する",
        (En, ChangeName) => "Change name",
        (Ja, ChangeName) => "名前を変更",
        (En, YourRole) => "Your role:",
        (Ja, YourRole) => "あなたの役割:",
        (En, ViewerReadOnly) => "viewer: read-only",
        (Ja, ViewerReadOnly) => "閲覧者: 読み取り専用",
        (En, Connecting) => "syncing…",
        (Ja, Connecting) => "接続中…",
        (En, Synced) => "synced",
        (Ja, Synced) => "同期済み",
        (En, Offline) => "offline — your edits are kept",
        (Ja, Offline) => "オフライン（編集内容は保持されます）",
        (En, HereNow) => "Here now:",
        (Ja, HereNow) => "参加中のメンバー:",
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
        (En, ImportMarkdown) => "Import Markdown",
        (Ja, ImportMarkdown) => "Markdown をインポート",
        (En, ImportPreview) => "Where each heading goes:",
        (Ja, ImportPreview) => "見出しの取り込み先:",
        (En, ImportNewSection) => "a section of its own",
        (Ja, ImportNewSection) => "独自のセクション",
        (En, ImportHelp) => "Start a postmortem from a draft written elsewhere. Headings that name a section (Summary, 概要, Timeline, Root causes, 再発防止策…) go to that section; other headings at the same level become sections of their own; text before the first section goes to the Summary.",
        (Ja, ImportHelp) => "他で書いた下書きからポストモーテムを始めます。セクション名（概要、Summary、タイムライン、根本原因、再発防止策など）の見出しはそのセクションへ、同じレベルのその他の見出しは独自のセクションになり、最初のセクションより前の文章は概要に入ります。",
        (En, ImportTitlePlaceholder) => "Title (optional: else the file's # heading)",
        (Ja, ImportTitlePlaceholder) => "タイトル（省略時はファイルの # 見出し）",
        (En, ImportPastePlaceholder) => "Choose a .md file above, or paste Markdown here",
        (Ja, ImportPastePlaceholder) => "上で .md ファイルを選ぶか、ここに Markdown を貼り付けてください",
        (En, ImportButton) => "Import",
        (Ja, ImportButton) => "インポート",
        (En, ImportEmpty) => "Choose a file or paste some Markdown first.",
        (Ja, ImportEmpty) => "先にファイルを選ぶか Markdown を貼り付けてください。",
        (En, ImportFileUnreadable) => "This file could not be read as text.",
        (Ja, ImportFileUnreadable) => "このファイルはテキストとして読み込めませんでした。",
        (En, LibraryTitle) => "Library of cases",
        (Ja, LibraryTitle) => "事例ライブラリ",
        (En, LibraryHelp) => "Every published case, newest first. Search in Japanese or English; filter by middleware/service (from the System overview's Middleware: line) or by tag (a Tags: line).",
        (Ja, LibraryHelp) => "公開されたすべての事例（新しい順）。日本語でも英語でも検索でき、ミドルウェア/サービス（システム概要の「ミドルウェア:」行）やタグ（「タグ:」行）で絞り込めます。",
        (En, LibrarySearchPlaceholder) => "e.g. failover, 切り戻し, MySQL",
        (Ja, LibrarySearchPlaceholder) => "例: 切り戻し、failover、MySQL",
        (En, LibrarySearch) => "Search",
        (Ja, LibrarySearch) => "検索",
        (En, LibraryAllServices) => "All services",
        (Ja, LibraryAllServices) => "すべてのサービス",
        (En, LibraryAllTags) => "All tags",
        (Ja, LibraryAllTags) => "すべてのタグ",
        (En, LibraryEmpty) => "No case has been published yet.",
        (Ja, LibraryEmpty) => "まだ公開された事例はありません。",
        (En, LibraryNoMatch) => "No published case matches.",
        (Ja, LibraryNoMatch) => "条件に合う公開事例はありません。",
        (En, InsightsTitle) => "Facilitator insights",
        (Ja, InsightsTitle) => "ファシリテーターの振り返り",
        (En, InsightsHelp) => "Time in each phase against its timer, who asked what, and how it ended. Dashed lines and outlines are the plan; orange bars ran over.",
        (Ja, InsightsHelp) => "各フェーズの時間とタイマーの比較、誰が何を質問したか、その結果。破線と枠は予定、オレンジの棒は予定超過です。",
        (En, InsightsTrend) => "Across meetings (oldest first)",
        (Ja, InsightsTrend) => "会議ごとの推移（古い順）",
        (En, InsightsMeetingLength) => "Meeting length (minutes) against the plan",
        (Ja, InsightsMeetingLength) => "会議の長さ（分）と予定",
        (En, InsightsCommentsBefore) => "Comments: made before the meeting (green) of all",
        (Ja, InsightsCommentsBefore) => "コメント数: うち会議前に書かれたもの（緑）",
        (En, InsightsTimePerPhase) => "Time in each phase (minutes)",
        (Ja, InsightsTimePerPhase) => "フェーズごとの時間（分）",
        (En, InsightsQuestions) => "Questions",
        (Ja, InsightsQuestions) => "質問",
        (En, InsightsSuggestions) => "Suggestions",
        (Ja, InsightsSuggestions) => "提案",
        (En, InsightsCommenters) => "People who commented",
        (Ja, InsightsCommenters) => "コメントした人数",
        (En, InsightsFromOtherTeams) => "… of them from other teams",
        (Ja, InsightsFromOtherTeams) => "うち他チームの人数",
        (En, InsightsBeforeMeeting) => "Comments before the meeting",
        (Ja, InsightsBeforeMeeting) => "会議前のコメント",
        (En, InsightsAnswered) => "Questions answered",
        (Ja, InsightsAnswered) => "回答済みの質問",
        (En, InsightsAccepted) => "Suggestions accepted",
        (Ja, InsightsAccepted) => "採用した提案",
        (En, InsightsDeclined) => "Suggestions declined",
        (Ja, InsightsDeclined) => "不採用の提案",
        (En, InsightsResolved) => "Comments resolved",
        (Ja, InsightsResolved) => "解決済みのコメント",
        (En, InsightsSurveyAnswers) => "Survey answers",
        (Ja, InsightsSurveyAnswers) => "アンケート回答数",
        (En, InsightsSurvey) => "Survey (mean of 1–5)",
        (Ja, InsightsSurvey) => "アンケート（1〜5の平均）",
        (En, SurveyQuestionsEasy) => "Could you ask your questions easily?",
        (Ja, SurveyQuestionsEasy) => "質問はしやすかったですか？",
        (En, SurveyTimeEnough) => "Was the time enough?",
        (Ja, SurveyTimeEnough) => "時間は十分でしたか？",
        (En, SurveyDocumentClear) => "Was the document clear?",
        (Ja, SurveyDocumentClear) => "ドキュメントは分かりやすかったですか？",
        (En, Readiness) => "Ready for readers?",
        (Ja, Readiness) => "読み手に伝わりますか？",
        (En, ReadyToPublish) => "✓ ready to publish",
        (Ja, ReadyToPublish) => "✓ 公開できます",
        (En, FindingsLeft) => "to fix",
        (Ja, FindingsLeft) => "要対応",
        (En, AdviceCount) => "advice",
        (Ja, AdviceCount) => "助言",
        (En, FindingBlocking) => "Must fix",
        (Ja, FindingBlocking) => "要対応",
        (En, FindingAdvice) => "Advice",
        (Ja, FindingAdvice) => "助言",
        (En, FindingDismissed) => "Not applicable",
        (Ja, FindingDismissed) => "対象外",
        (En, DismissedBecause) => "Dismissed:",
        (Ja, DismissedBecause) => "対象外の理由:",
        (En, DismissFinding) => "Not applicable?",
        (Ja, DismissFinding) => "該当しない？",
        (En, RestoreFinding) => "Applies after all",
        (Ja, RestoreFinding) => "やはり該当する",
        (En, DismissReason) => "Why it does not apply (kept with the case)",
        (Ja, DismissReason) => "該当しない理由（記録に残ります）",
        (En, DismissConfirm) => "Dismiss",
        (Ja, DismissConfirm) => "対象外にする",
        (En, Export) => "Export:",
        (Ja, Export) => "エクスポート:",
        (En, BodyLabel) => "Postmortem body (Markdown)",
        (Ja, BodyLabel) => "ポストモーテム本文（Markdown）",
        (En, BodyPlaceholder) => "Write the postmortem here, together…",
        (Ja, BodyPlaceholder) => "ここにみんなでポストモーテムを書きましょう…",
        // The meeting.
        (l, PhaseDrafting) => casebook_core::Phase::Drafting.label(l == Ja),
        (l, PhaseSilentReading) => casebook_core::Phase::SilentReading.label(l == Ja),
        (l, PhaseQAndA) => casebook_core::Phase::QAndA.label(l == Ja),
        (l, PhaseProposals) => casebook_core::Phase::Proposals.label(l == Ja),
        (l, PhaseKudos) => casebook_core::Phase::Kudos.label(l == Ja),
        (l, PhaseRevision) => casebook_core::Phase::Revision.label(l == Ja),
        (l, PhasePublished) => casebook_core::Phase::Published.label(l == Ja),
        (En, MeetingPhases) => "Meeting phases",
        (Ja, MeetingPhases) => "会議のフェーズ",
        (En, MeetingReconnecting) => "meeting: reconnecting…",
        (Ja, MeetingReconnecting) => "会議: 再接続中…",
        (En, TimeLeft) => "Time left in this phase",
        (Ja, TimeLeft) => "このフェーズの残り時間",
        (En, TimeUp) => "Time is up",
        (Ja, TimeUp) => "時間になりました",
        (En, TimerAutoStart) => "Start the timer with each phase",
        (Ja, TimerAutoStart) => "フェーズ開始時にタイマーを自動スタート",
        (En, TimerPaused) => "(paused)",
        (Ja, TimerPaused) => "（一時停止中）",
        (En, DoneReading) => "Done reading",
        (Ja, DoneReading) => "読了にする",
        (En, NotDoneReading) => "Not done yet",
        (Ja, NotDoneReading) => "読了を取り消す",
        (En, Readers) => "Readers",
        (Ja, Readers) => "読み手",
        (En, ReaderDone) => "done",
        (Ja, ReaderDone) => "読了",
        (En, ReaderReading) => "still reading",
        (Ja, ReaderReading) => "読んでいる途中",
        (En, FacilitatorControls) => "Facilitator controls",
        (Ja, FacilitatorControls) => "ファシリテーター操作",
        (En, NextPhase) => "Next:",
        (Ja, NextPhase) => "次へ:",
        (En, StartTimer) => "Start timer",
        (Ja, StartTimer) => "タイマーを開始",
        (En, PauseTimer) => "Pause timer",
        (Ja, PauseTimer) => "タイマーを一時停止",
        (En, ExtendTimer) => "+1 min",
        (Ja, ExtendTimer) => "+1分",
        (En, CommandFailed) => "Could not do that:",
        (Ja, CommandFailed) => "実行できませんでした:",
        (En, Dismiss) => "Dismiss",
        (Ja, Dismiss) => "閉じる",
        (En, NewComment) => "New comment",
        (Ja, NewComment) => "新しいコメント",
        (En, SelectTextFirst) => "Select words in the document, then press Question or Suggestion.",
        (Ja, SelectTextFirst) => "文書内の語句を選択してから「質問」か「提案」を押してください。",
        (En, KindQuestion) => "Question",
        (Ja, KindQuestion) => "質問",
        (En, KindSuggestion) => "Suggestion",
        (Ja, KindSuggestion) => "提案",
        (En, QuestionPlaceholder) => "What would a reader ask here?",
        (Ja, QuestionPlaceholder) => "読み手として気になる点を書いてください",
        (En, SuggestionPlaceholder) => "What should the document add or change here?",
        (Ja, SuggestionPlaceholder) => "この箇所に追記・修正してほしいことを書いてください",
        (En, Post) => "Post",
        (Ja, Post) => "投稿",
        (En, CommentsHeading) => "Comments",
        (Ja, CommentsHeading) => "コメント",
        (En, FilterAll) => "All",
        (Ja, FilterAll) => "すべて",
        (En, FilterQuestions) => "Questions",
        (Ja, FilterQuestions) => "質問",
        (En, FilterSuggestions) => "Suggestions",
        (Ja, FilterSuggestions) => "提案",
        (En, FilterOpen) => "Open",
        (Ja, FilterOpen) => "未対応",
        (En, FilterMine) => "Mine",
        (Ja, FilterMine) => "自分の",
        (En, NoComments) => "No comments here yet.",
        (Ja, NoComments) => "まだコメントはありません。",
        (En, Answered) => "answered",
        (Ja, Answered) => "回答済み",
        (En, Accepted) => "accepted",
        (Ja, Accepted) => "採用",
        (En, Declined) => "declined",
        (Ja, Declined) => "不採用",
        (En, Resolved) => "resolved",
        (Ja, Resolved) => "解決済み",
        (En, Detached) => "text deleted",
        (Ja, Detached) => "該当箇所は削除済み",
        (En, AnswerLabel) => "Answer:",
        (Ja, AnswerLabel) => "回答:",
        (En, ReasonLabel) => "Reason:",
        (Ja, ReasonLabel) => "理由:",
        (En, SpotlightThis) => "Spotlight",
        (Ja, SpotlightThis) => "取り上げる",
        (En, Reply) => "Reply",
        (Ja, Reply) => "返信",
        (En, ReplyPlaceholder) => "Your reply",
        (Ja, ReplyPlaceholder) => "返信を入力",
        (En, Send) => "Send",
        (Ja, Send) => "送信",
        (En, QaHeading) => "Q&A",
        (Ja, QaHeading) => "質疑応答",
        (En, OpenQuestions) => "open",
        (Ja, OpenQuestions) => "件が未回答",
        (En, NextQuestion) => "Next question",
        (Ja, NextQuestion) => "次の質問",
        (En, ClearSpotlight) => "Clear",
        (Ja, ClearSpotlight) => "解除",
        (En, NoSpotlight) => "No question in the spotlight yet.",
        (Ja, NoSpotlight) => "まだ取り上げている質問はありません。",
        (En, NoOpenQuestions) => "Every question is answered.",
        (Ja, NoOpenQuestions) => "すべての質問に回答しました。",
        (En, AnswerPlaceholder) => "The answer, as it should read in the Q&A section",
        (Ja, AnswerPlaceholder) => "Q&A セクションに残す回答",
        (En, RecordAnswer) => "Record answer",
        (Ja, RecordAnswer) => "回答を記録",
        (En, AnswerGoesToQa) => "It is written into the Q&A section.",
        (Ja, AnswerGoesToQa) => "Q&A セクションに書き込まれます。",
        (En, ProposalsHeading) => "Proposals",
        (Ja, ProposalsHeading) => "提案",
        (En, NoPendingSuggestions) => "Every suggestion is decided.",
        (Ja, NoPendingSuggestions) => "すべての提案の採否が決まりました。",
        (En, Accept) => "Accept",
        (Ja, Accept) => "採用",
        (En, Decline) => "Decline",
        (Ja, Decline) => "不採用",
        (En, Later) => "Later",
        (Ja, Later) => "後で決める",
        (En, DeclineReasonPlaceholder) => "Why not? (required)",
        (Ja, DeclineReasonPlaceholder) => "不採用の理由（必須）",
        (En, RevisionHeading) => "Revision",
        (Ja, RevisionHeading) => "修正",
        (En, NothingToRevise) => "Nothing left to resolve.",
        (Ja, NothingToRevise) => "解決すべき項目は残っていません。",
        (En, Todo) => "To-do",
        (Ja, Todo) => "ToDo",
        (En, NoteLabel) => "Note",
        (Ja, NoteLabel) => "メモ",
        (En, ResolveNotePlaceholder) => "Note (optional)",
        (Ja, ResolveNotePlaceholder) => "メモ（任意）",
        (En, Resolve) => "Resolve",
        (Ja, Resolve) => "解決済みにする",
        (En, KudosHeading) => "Kudos wall",
        (Ja, KudosHeading) => "称賛ボード",
        (En, KudosTo) => "To",
        (Ja, KudosTo) => "宛先",
        (En, KudosToPlaceholder) => "Who did great?",
        (Ja, KudosToPlaceholder) => "活躍した人",
        (En, KudosText) => "For",
        (Ja, KudosText) => "内容",
        (En, KudosTextPlaceholder) => "What they did",
        (Ja, KudosTextPlaceholder) => "その人がしたこと",
        (En, PostKudos) => "Post kudos",
        (Ja, PostKudos) => "称賛を送る",
        (En, NoKudos) => "No kudos yet: be the first.",
        (Ja, NoKudos) => "まだ称賛はありません。最初の一枚をどうぞ。",
        (En, KudosFrom) => "from",
        (Ja, KudosFrom) => "送った人:",
        (En, SurveyHeading) => "How did the facilitation go?",
        (Ja, SurveyHeading) => "ファシリテーションはいかがでしたか？",
        (En, SurveyIntro) => "Anonymous: the facilitator sees only the totals.",
        (Ja, SurveyIntro) => "匿名です。ファシリテーターには集計だけが表示されます。",
        (En, RatingLow) => "1 = not at all",
        (Ja, RatingLow) => "1 = まったくそう思わない",
        (En, RatingHigh) => "5 = fully",
        (Ja, RatingHigh) => "5 = とてもそう思う",
        (En, SurveyComment) => "Anything else? (optional)",
        (Ja, SurveyComment) => "その他ご意見（任意）",
        (En, SubmitSurvey) => "Send answers",
        (Ja, SubmitSurvey) => "回答を送信",
        (En, SurveyThanks) => "Thank you: your answer was recorded.",
        (Ja, SurveyThanks) => "ありがとうございました。回答を記録しました。",
        (En, SurveyResultsHeading) => "Survey results (anonymous)",
        (Ja, SurveyResultsHeading) => "アンケート結果（匿名）",
        (En, OverrideReason) => "Why publish before it is ready? (kept for the SRE team, not shown to readers)",
        (Ja, OverrideReason) => "準備が整う前に公開する理由（SREチーム向けに記録され、読者には表示されません）",
        (En, PublishAnyway) => "Publish anyway",
        (Ja, PublishAnyway) => "このまま公開",
        (En, NowPhase) => "Now:",
        (Ja, NowPhase) => "現在のフェーズ:",
        (En, YourTurnToAnswer) => "Your turn to answer:",
        (Ja, YourTurnToAnswer) => "回答をお願いします:",
        (En, PhaseDone) => "(completed)",
        (Ja, PhaseDone) => "（完了）",
        (En, SkipToComments) => "Skip to the comments",
        (Ja, SkipToComments) => "コメント一覧へ移動",
        (En, ViewAs) => "Show the document",
        (Ja, ViewAs) => "文書の表示",
        (En, ViewRendered) => "Rendered",
        (Ja, ViewRendered) => "整形表示",
        (En, ViewMarkdown) => "Markdown",
        (Ja, ViewMarkdown) => "Markdown",
        (En, CommentOnSelection) => "Comment on the selected words",
        (Ja, CommentOnSelection) => "選択した語句にコメント",
        (En, CurrentQuestion) => "Now answering:",
        (Ja, CurrentQuestion) => "回答中の質問:",
        (En, InvitePeople) => "Invite people",
        (Ja, InvitePeople) => "参加者を招待",
        (En, InviteRole) => "Role",
        (Ja, InviteRole) => "役割",
        (En, InviteExpiry) => "Valid for",
        (Ja, InviteExpiry) => "有効期間",
        (En, MintInvite) => "Create link",
        (Ja, MintInvite) => "リンクを作成",
        (En, InviteLink) => "Invite link",
        (Ja, InviteLink) => "招待リンク",
        (En, InviteExpires) => "expires",
        (Ja, InviteExpires) => "有効期限:",
        (En, UsableInvites) => "Links still valid",
        (Ja, UsableInvites) => "有効な招待リンク",
        (En, RevokeInvite) => "Revoke",
        (Ja, RevokeInvite) => "無効にする",
        (En, ConfirmRevokeInvite) => "Revoke this link? Everyone using it is disconnected at once.",
        (Ja, ConfirmRevokeInvite) => "このリンクを無効にしますか？使用中の人はすぐに切断されます。",
        (En, YourLink) => "your link",
        (Ja, YourLink) => "あなたのリンク",
        (En, LinkRevoked) => "this link was revoked — ask the facilitator for a new one",
        (Ja, LinkRevoked) => "このリンクは無効にされました。ファシリテーターに新しいリンクを依頼してください",
        (En, EditAnswer) => "Edit answer",
        (Ja, EditAnswer) => "回答を編集",
        (En, SaveAnswer) => "Save answer",
        (Ja, SaveAnswer) => "回答を保存",
        (En, AppendToAnswer) => "Add mine to the answer",
        (Ja, AppendToAnswer) => "自分の回答を追記する",
        (En, DiscardMine) => "Discard mine",
        (Ja, DiscardMine) => "自分の入力を破棄",
        (En, GoBack) => "Go back",
        (Ja, GoBack) => "戻る",
        (En, Stay) => "Stay",
        (Ja, Stay) => "このまま続ける",
        (En, IncidentStarted) => "Incident began",
        (Ja, IncidentStarted) => "障害の発生日時",
        (En, IncidentTimeZone) => "Time zone of the case",
        (Ja, IncidentTimeZone) => "この事例のタイムゾーン",
        (En, IncidentSaved) => "saved",
        (Ja, IncidentSaved) => "保存しました",
        (En, IncidentNotSaved) => "not saved (you may not change it now)",
        (Ja, IncidentNotSaved) => "保存できませんでした（今は変更できません）",
        (En, NotReadyTitle) => "Not ready to publish yet",
        (Ja, NotReadyTitle) => "まだ公開できません",
        (En, NotReadyHint) => "Fix these in their sections, or publish anyway and say why.",
        (Ja, NotReadyHint) => "各セクションで次の点を直すか、理由を書いてこのまま公開してください。",
        (En, PublishedReadLink) => "Published. Anyone with this link can read the case:",
        (Ja, PublishedReadLink) => "公開しました。このリンクから誰でも事例を読めます：",
        (En, PublishedCase) => "✓ published",
        (Ja, PublishedCase) => "✓ 公開済み",
        (En, ReplaceWith) => "Replace with (optional)",
        (Ja, ReplaceWith) => "置き換える文言（任意）",
        (En, ReplacementPlaceholder) => "The words as they should read",
        (Ja, ReplacementPlaceholder) => "修正後の文言",
        (En, SuggestDeletion) => "Delete these words instead",
        (Ja, SuggestDeletion) => "置き換えずにこの文言を削除する",
        (En, DeleteTheseWords) => "(delete)",
        (Ja, DeleteTheseWords) => "（削除）",
        (En, SuggestedChange) => "Suggested change",
        (Ja, SuggestedChange) => "修正案",
        (En, UndoAccept) => "Undo accept",
        (Ja, UndoAccept) => "採用を取り消す",
        (En, ActionItemsHeading) => "Decisions and action items",
        (Ja, ActionItemsHeading) => "決定事項とアクションアイテム",
        (En, ActionItem) => "Action item",
        (Ja, ActionItem) => "アクションアイテム",
        (En, ActionItemPlaceholder) => "What will be done",
        (Ja, ActionItemPlaceholder) => "何をするか",
        (En, ActionOwner) => "Owner",
        (Ja, ActionOwner) => "担当",
        (En, ActionDue) => "Due",
        (Ja, ActionDue) => "期限",
        (En, ActionStatus) => "Status",
        (Ja, ActionStatus) => "状況",
        (En, ActionFrom) => "From decision",
        (Ja, ActionFrom) => "元になった決定",
        (En, ActionFromNone) => "(none)",
        (Ja, ActionFromNone) => "（なし）",
        (En, AddActionItem) => "Add action item",
        (Ja, AddActionItem) => "アクションアイテムを追加",
        (En, NoActionItems) => "No action items yet.",
        (Ja, NoActionItems) => "アクションアイテムはまだありません。",
        (En, EditActionItem) => "Edit",
        (Ja, EditActionItem) => "編集",
        (En, EditComment) => "Edit",
        (Ja, EditComment) => "編集",
        (En, DeleteComment) => "Delete",
        (Ja, DeleteComment) => "削除",
        (En, ConfirmDeleteComment) => "Delete this comment?",
        (Ja, ConfirmDeleteComment) => "このコメントを削除しますか？",
        (En, ConfirmDeleteKeepsThread) => "Delete this comment? Its replies stay.",
        (Ja, ConfirmDeleteKeepsThread) => "このコメントを削除しますか？返信は残ります。",
        (En, ConfirmDeleteReply) => "Delete this reply?",
        (Ja, ConfirmDeleteReply) => "この返信を削除しますか？",
        (En, CommentDeleted) => "Deleted by its author.",
        (Ja, CommentDeleted) => "投稿者が削除しました。",
        (En, ShowMore) => "Show more",
        (Ja, ShowMore) => "続きを表示",
        (En, ShowLess) => "Show less",
        (Ja, ShowLess) => "折りたたむ",
        (En, CommentLink) => "Link",
        (Ja, CommentLink) => "リンク",
        (En, CommentLinkLabel) => "Link to this comment",
        (Ja, CommentLinkLabel) => "このコメントへのリンク",
        (En, VoteThis) => "+1 this question",
        (Ja, VoteThis) => "この質問に+1する",
        (En, TakeBackVote) => "Take back your +1",
        (Ja, TakeBackVote) => "+1を取り消す",
        (En, QueueHeading) => "Questions waiting",
        (Ja, QueueHeading) => "回答待ちの質問",
        (En, QueueOrder) => "Order",
        (Ja, QueueOrder) => "並び順",
        (En, OrderPosted) => "As posted",
        (Ja, OrderPosted) => "投稿順",
        (En, OrderVotes) => "Most +1 first",
        (Ja, OrderVotes) => "+1の多い順",
        (En, SignOut) => "Sign out",
        (Ja, SignOut) => "サインアウト",
        (En, SignedOut) => "Signed out of Casebook. Open a link again to sign in.",
        (Ja, SignedOut) => "Casebook からサインアウトしました。もう一度サインインするにはリンクを開き直してください。",
        (En, History) => "History",
        (Ja, History) => "履歴",
        (En, HistoryHint) => "Versions of the document, kept when silent reading and revision start, at publication, and whenever someone saves one.",
        (Ja, HistoryHint) => "文書の版です。黙読と改訂の開始時、公開時、そして誰かが保存したときに残ります。",
        (En, SaveVersion) => "Save a version",
        (Ja, SaveVersion) => "版を保存",
        (En, VersionLabel) => "Name of the version",
        (Ja, VersionLabel) => "版の名前",
        (En, VersionLabelPlaceholder) => "e.g. Before the meeting",
        (Ja, VersionLabelPlaceholder) => "例：会議の前",
        (En, NoVersions) => "No versions yet. One is kept when silent reading starts.",
        (Ja, NoVersions) => "まだ版はありません。黙読が始まると最初の版が残ります。",
        (En, OpenVersion) => "Open",
        (Ja, OpenVersion) => "開く",
        (En, CompareWithNow) => "Compare with now",
        (Ja, CompareWithNow) => "現在と比較",
        (En, CloseVersion) => "Close",
        (Ja, CloseVersion) => "閉じる",
        (En, ReadOnlyVersion) => "an earlier version, read-only",
        (Ja, ReadOnlyVersion) => "以前の版（閲覧のみ）",
        (En, Now) => "now",
        (Ja, Now) => "現在",
        (En, VersionSilentReading) => "Silent reading started",
        (Ja, VersionSilentReading) => "黙読の開始時",
        (En, VersionRevision) => "Revision started",
        (Ja, VersionRevision) => "改訂の開始時",
        (En, VersionPublished) => "Published",
        (Ja, VersionPublished) => "公開時",
        (En, VersionAnswered) => "Question answered",
        (Ja, VersionAnswered) => "質問への回答時",
        (En, NoChanges) => "Nothing has changed.",
        (Ja, NoChanges) => "変更はありません。",
        (En, MeetingChanged) => "What the meeting changed",
        (Ja, MeetingChanged) => "会議で変わったこと",
        (En, MeetingChangedHint) => "Per section, the text added and removed since silent reading started.",
        (Ja, MeetingChangedHint) => "黙読の開始から、セクションごとに追加・削除された文章です。",
        (En, NoBaseline) => "No version was kept when silent reading started, so there is nothing to compare with.",
        (Ja, NoBaseline) => "黙読の開始時の版がないため、比較できません。",
        (En, Refresh) => "Refresh",
        (Ja, Refresh) => "更新",
        (En, QaEntryEnough) => "The Q&A entry is enough",
        (Ja, QaEntryEnough) => "質疑応答の記録で十分",
        (En, EditsSinceAnswer) => "Edits to its section since this answer",
        (Ja, EditsSinceAnswer) => "この回答以降のセクションの編集",
        (En, NoVersionAtAnswer) => "No version was kept when this was answered.",
        (Ja, NoVersionAtAnswer) => "この回答の時点の版がありません。",
        (En, NotEditedSinceAnswer) => "Its section has not been edited since the answer: fold the answer into the text, or mark that the Q&A entry is enough.",
        (Ja, NotEditedSinceAnswer) => "回答の後、このセクションは編集されていません。回答を本文に反映するか、質疑応答の記録で十分であることを記録してください。",
        (En, ImageUploading) => "Adding the image…",
        (Ja, ImageUploading) => "画像を追加しています…",
        (En, ImageTooLarge) => "This image is too large for the server. Take a smaller screenshot, or save it as JPEG or WebP.",
        (Ja, ImageTooLarge) => "この画像はサーバーの上限を超えています。範囲を絞ったスクリーンショットにするか、JPEG か WebP で保存し直してください。",
        (En, ImageNotAccepted) => "Only PNG, JPEG, GIF and WebP images can be added. For a diagram, write it as a ```mermaid block.",
        (Ja, ImageNotAccepted) => "追加できる画像は PNG・JPEG・GIF・WebP だけです。図は ```mermaid ブロックとして書けます。",
        (En, TooManyImages) => "This postmortem already holds as many images as the server allows.",
        (Ja, TooManyImages) => "このポストモーテムには、サーバーが許す上限まで画像が入っています。",
        (En, ImageUploadFailed) => "The image could not be added. Check the connection and paste it again.",
        (Ja, ImageUploadFailed) => "画像を追加できませんでした。接続を確認して、もう一度貼り付けてください。",
        (En, ImagesNotAllowedNow) => "Images cannot be added to the document now.",
        (Ja, ImagesNotAllowedNow) => "今は文書に画像を追加できません。",
        (En, ImageHint) => "Paste or drop an image (PNG, JPEG, GIF, WebP) into a section to add it; write diagrams as ```mermaid blocks.",
        (Ja, ImageHint) => "画像（PNG・JPEG・GIF・WebP）はセクションに貼り付けるかドロップすると追加されます。図は ```mermaid ブロックで書けます。",
        (En, Reanchor) => "Anchor here again",
        (Ja, Reanchor) => "この箇所に付け直す",
        (En, ReanchorLabel) => "The same words are in the section again: anchor this comment to them",
        (Ja, ReanchorLabel) => "同じ文言がセクションに再び現れました。このコメントをそこに付け直します",
        (En, AnswerEditedBy) => "edited by",
        (Ja, AnswerEditedBy) => "編集:",
        (En, LinkCarriesNoAccess) => "Open your own invite link first; this link does not carry access. Once you have opened it in this browser, links to comments open here.",
        (Ja, LinkCarriesNoAccess) => "まずご自身の招待リンクを開いてください。このリンクには参加の権限が含まれていません。招待リンクをこのブラウザで一度開けば、コメントへのリンクもここで開けます。",
        (En, AcceptedNotApplied) => "Accepted, but not applied: someone changed these words at the same moment, so the document was left as it was.",
        (Ja, AcceptedNotApplied) => "採用されましたが、文書には反映されていません。同じ瞬間に誰かがこの文言を変更したため、文書はそのままです。",
        (En, AcceptedNotAppliedWhat) => "Apply the replacement by hand in the section, or undo the acceptance.",
        (Ja, AcceptedNotAppliedWhat) => "セクションで置き換えを手作業で反映するか、採用を取り消してください。",
        (En, SelectionShortened) => "Your selection was shortened to this section: a comment is anchored inside one section.",
        (Ja, SelectionShortened) => "選択範囲をこのセクション内に縮めました。コメントは1つのセクションの中に付けます。",
        (En, InsightsMeetingChange) => "What the meeting changed (silent reading → publication)",
        (Ja, InsightsMeetingChange) => "ミーティングによる変更（黙読開始 → 公開）",
        (En, InsightsMeetingChangeTrend) => "Text each meeting changed, added and removed (published cases)",
        (Ja, InsightsMeetingChangeTrend) => "各ミーティングで変わった文字数（追加と削除、公開済みのケース）",
        (En, YourTeam) => "Your team (optional)",
        (Ja, YourTeam) => "所属チーム（任意）",
        (En, TeamPrompt) => "Shown next to your name in who took part in the published case.",
        (Ja, TeamPrompt) => "公開されるケースの参加者一覧で、名前の横に表示されます。",
        (En, SaveTeam) => "Save",
        (Ja, SaveTeam) => "保存",
        (En, NotSavedYet) => "not saved yet — your edits are kept and sent again",
        (Ja, NotSavedYet) => "未保存（編集内容は保持され、再送されます）",
        (En, MeetingPanelLoadFailed) => "Loading the meeting panel failed — retrying… The document can be edited meanwhile.",
        (Ja, MeetingPanelLoadFailed) => "会議パネルを読み込めませんでした。再試行しています…（その間も文書は編集できます）",
    }
}

// Sentences with numbers in them, whose word order differs by language.

/// "7 of 9 done" reading.
pub fn reading_progress(lang: Lang, done: usize, present: usize) -> String {
    match lang {
        Lang::En => format!("{done} of {present} done"),
        Lang::Ja => format!("{present}人中{done}人が読了"),
    }
}

/// "1 minute", "15 minutes".
fn en_minutes(minutes: i64) -> String {
    if minutes == 1 {
        "1 minute".to_owned()
    } else {
        format!("{minutes} minutes")
    }
}

/// Whole minutes of `ms`, rounded up (so "1 min" until time is up).
fn minutes_up(ms: i64) -> i64 {
    (ms.abs() + 59_999) / 60_000
}

/// "Meeting: 27 min left" (or "3 min over") in the phase bar.
pub fn meeting_left(lang: Lang, left_ms: i64) -> String {
    let minutes = minutes_up(left_ms);
    match (lang, left_ms < 0) {
        (Lang::En, false) => format!("Meeting: {minutes} min left"),
        (Lang::En, true) => format!("Meeting: {minutes} min over"),
        (Lang::Ja, false) => format!("会議の残り {minutes}分"),
        (Lang::Ja, true) => format!("会議は{minutes}分超過"),
    }
}

/// "Up next: Q&A, 8 min" (without minutes when the next phase has no timer).
pub fn up_next(lang: Lang, phase: &str, planned_ms: Option<u64>) -> String {
    let minutes = planned_ms.map(|ms| minutes_up(i64::try_from(ms).unwrap_or(i64::MAX)));
    match (lang, minutes) {
        (Lang::En, Some(m)) => format!("Up next: {phase}, {m} min"),
        (Lang::En, None) => format!("Up next: {phase}"),
        (Lang::Ja, Some(m)) => format!("次は{phase}（{m}分）"),
        (Lang::Ja, None) => format!("次は{phase}"),
    }
}

/// The one line under the phase bar: what `instruction` asks, with the
/// phase's planned `minutes` where it names them.
pub fn instruction(lang: Lang, instruction: Instruction, minutes: Option<i64>) -> String {
    use Instruction::*;
    let minutes = minutes.unwrap_or(15);
    let text = match (lang, instruction) {
        (Lang::En, InviteThenStart) => "Invite the other teams with the invite links below, then start silent reading.",
        (Lang::Ja, InviteThenStart) => "下の招待リンクで他チームの人を招待してから、黙読を始めてください。",
        (Lang::En, FinishDraft) => "Finish the draft; early readers may already leave comments.",
        (Lang::Ja, FinishDraft) => "下書きを仕上げてください。先に読んだ人からコメントが付くこともあります。",
        (Lang::En, ReadEarly) => "The meeting has not started: you can already read the draft and comment.",
        (Lang::Ja, ReadEarly) => "会議はまだ始まっていません。先に下書きを読んでコメントしておくこともできます。",
        (Lang::En, NotStarted) => "The meeting has not started yet.",
        (Lang::Ja, NotStarted) => "会議はまだ始まっていません。",
        (Lang::En, ReadAndAsk) => return format!("Read for {}; select words you would ask about and press Question (or Suggestion). When you are through, press Done reading. With the keyboard: Tab into a section, move with the arrow keys, select with Shift+arrows, then press Alt+Q (or Alt+S).", en_minutes(minutes)),
        (Lang::Ja, ReadAndAsk) => return format!("{minutes}分間で下書きを読んでください。質問したい箇所を選択して「質問」（または「提案」）を押し、読み終えたら「読了にする」を押してください。キーボードでは、Tabキーでセクションに入り、矢印キーで移動し、Shift+矢印キーで選択してからAlt+Q（またはAlt+S）を押します。"),
        (Lang::En, WatchReaders) => return format!("Everyone reads for {}: watch who is done, then move on to Q&A.", en_minutes(minutes)),
        (Lang::Ja, WatchReaders) => return format!("全員が{minutes}分間黙読します。読了した人を確認して、質疑応答に進んでください。"),
        (Lang::En, AwaitQuestions) => "The others read your draft in silence; their questions appear in the comments, and you answer them in Q&A.",
        (Lang::Ja, AwaitQuestions) => "参加者が下書きを黙読しています。質問はコメント欄に届き、質疑応答で回答します。",
        (Lang::En, OthersRead) => "Everyone is reading the draft in silence.",
        (Lang::Ja, OthersRead) => "全員が下書きを黙読しています。",
        (Lang::En, SpotlightQuestions) => "Press Next question to take the questions one by one, and record each answer.",
        (Lang::Ja, SpotlightQuestions) => "「次の質問」で質問を一つずつ取り上げ、回答を記録してください。",
        (Lang::En, AnswerSpotlight) => "Answer the question in the spotlight; the answer is written into the Q&A section.",
        (Lang::Ja, AnswerSpotlight) => "取り上げられた質問に回答してください。回答はQ&Aセクションに記録されます。",
        (Lang::En, FollowUpAnswers) => "The author answers the questions one by one; reply in the thread to follow up.",
        (Lang::Ja, FollowUpAnswers) => "執筆者が質問に一つずつ回答します。補足があればスレッドに返信してください。",
        (Lang::En, OthersAnswer) => "The questions are answered one by one.",
        (Lang::Ja, OthersAnswer) => "質問に一つずつ回答していきます。",
        (Lang::En, DecideSuggestions) => "Accept or decline each suggestion; say why when you decline.",
        (Lang::Ja, DecideSuggestions) => "提案を一つずつ採用か不採用か決めてください。不採用にするときは理由を書きます。",
        (Lang::En, OthersDecide) => "The suggestions are accepted or declined one by one.",
        (Lang::Ja, OthersDecide) => "提案を一つずつ採用・不採用に決めていきます。",
        (Lang::En, PostKudos) => "Post a card for someone who did great during the incident.",
        (Lang::Ja, PostKudos) => "障害対応で活躍した人に称賛のカードを送りましょう。",
        (Lang::En, ReadKudos) => "Everyone thanks the people who handled the incident.",
        (Lang::Ja, ReadKudos) => "障害対応で活躍した人への称賛が集まっています。",
        (Lang::En, ReviseAndResolve) => "Revise the document from the comments and resolve them one by one.",
        (Lang::Ja, ReviseAndResolve) => "コメントをもとに文書を修正し、一つずつ解決済みにしてください。",
        (Lang::En, AnswerSurvey) => "The meeting is over: please answer the short survey on how it was run.",
        (Lang::Ja, AnswerSurvey) => "会議は終了しました。進行についての短いアンケートに回答してください。",
        (Lang::En, MeetingOver) => "The meeting is over; the author is revising the document.",
        (Lang::Ja, MeetingOver) => "会議は終了しました。執筆者が文書を修正しています。",
        (Lang::En, Published) => "The case is published: anyone with the read link can read it.",
        (Lang::Ja, Published) => "事例は公開されました。閲覧用リンクから誰でも読めます。",
    };
    text.to_owned()
}

/// Said when the meeting moves on: "Silent reading completed. Now: Q&A."
pub fn phase_completed(lang: Lang, done: &str, now: &str) -> String {
    match lang {
        Lang::En => format!("{done} completed. Now: {now}."),
        Lang::Ja => format!("{done}が終わりました。次は{now}です。"),
    }
}

/// "edited 14:03" after a comment or reply its author changed.
pub fn edited(lang: Lang, when: &str) -> String {
    match lang {
        Lang::En => format!("edited {when}"),
        Lang::Ja => format!("編集済み {when}"),
    }
}

/// How many +1'd a question: "+1 from 3 people".
pub fn votes(lang: Lang, count: usize) -> String {
    match (lang, count) {
        (Lang::En, 1) => "+1 from 1 person".to_owned(),
        (Lang::En, n) => format!("+1 from {n} people"),
        (Lang::Ja, n) => format!("{n}人が+1"),
    }
}

/// A comment card's accessible name: "Question from Pat: Why not RDS…"
/// (the text cut at 80 characters).
pub fn card_name(lang: Lang, kind: &str, author: &str, text: &str) -> String {
    let mut short: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if short.chars().count() > 80 {
        short = short.chars().take(80).collect::<String>() + "…";
    }
    match lang {
        Lang::En => format!("{kind} from {author}: {short}"),
        Lang::Ja => format!("{author}さんの{kind}: {short}"),
    }
}

/// "7 days" an invite link stays valid.
pub fn invite_expiry(lang: Lang, days: u64) -> String {
    match (lang, days) {
        (Lang::En, 1) => "1 day".to_owned(),
        (Lang::En, d) => format!("{d} days"),
        (Lang::Ja, d) => format!("{d}日間"),
    }
}

/// "Action items: 3 (1 done)" on a library entry.
pub fn library_action_count(lang: Lang, total: usize, done: usize) -> String {
    match (lang, total) {
        (Lang::En, 1) => format!("1 action item ({done} done)"),
        (Lang::En, n) => format!("{n} action items ({done} done)"),
        (Lang::Ja, n) => format!("アクションアイテム {n}件（完了 {done}件）"),
    }
}

/// "Aiko is typing an answer…" under the answer box.
pub fn typing_answer(lang: Lang, names: &[String]) -> String {
    match lang {
        Lang::En => match names {
            [one] => format!("{one} is typing an answer…"),
            _ => format!("{} are typing an answer…", names.join(", ")),
        },
        Lang::Ja => format!("{}さんが回答を入力中です…", names.join("さん、")),
    }
}

/// "2 people are still typing", next to the facilitator's "Next" button.
pub fn still_typing(lang: Lang, people: usize) -> String {
    match lang {
        Lang::En if people == 1 => "1 person is still typing".to_owned(),
        Lang::En => format!("{people} people are still typing"),
        Lang::Ja => format!("まだ{people}人が入力中です"),
    }
}

/// The answer box of someone whose answer came second.
pub fn answered_first(lang: Lang, name: &str) -> String {
    match lang {
        Lang::En => format!("{name} recorded an answer first. Your text is kept:"),
        Lang::Ja => format!("{name}さんが先に回答を記録しました。あなたの入力は残してあります："),
    }
}

/// Asked before the facilitator goes back a phase.
pub fn go_back_question(lang: Lang, phase: &str) -> String {
    match lang {
        Lang::En => format!(
            "Go back to {phase}? Its timer keeps the time it had left and its spotlight comes back; what people are typing is kept."
        ),
        Lang::Ja => format!(
            "「{phase}」に戻りますか？タイマーは残り時間から再開し、スポットライトも元に戻ります。入力中の内容は失われません。"
        ),
    }
}

/// "12 of 15 resolved" in revision.
pub fn resolved_progress(lang: Lang, resolved: usize, all: usize) -> String {
    match lang {
        Lang::En => format!("{resolved} of {all} resolved"),
        Lang::Ja => format!("{all}件中{resolved}件が解決済み"),
    }
}

/// "2 of 5 decided" among the suggestions.
pub fn suggestion_position(lang: Lang, decided: usize, all: usize) -> String {
    match lang {
        Lang::En => format!("{decided} of {all} decided"),
        Lang::Ja => format!("{all}件中{decided}件の採否が決定"),
    }
}

/// "3 answers" to the survey.
pub fn survey_answers(lang: Lang, answers: usize) -> String {
    match (lang, answers) {
        (Lang::En, 1) => "1 answer".to_owned(),
        (Lang::En, n) => format!("{n} answers"),
        (Lang::Ja, n) => format!("回答 {n}件"),
    }
}

/// "+12 / −3 characters": how much a section changed.
pub fn changed_counts(lang: Lang, added: u32, removed: u32) -> String {
    match lang {
        Lang::En => format!("+{added} / −{removed} characters"),
        Lang::Ja => format!("+{added}字 / −{removed}字"),
    }
}

/// "3 sections unchanged" under a diff.
pub fn unchanged_sections(lang: Lang, count: usize) -> String {
    match lang {
        Lang::En if count == 1 => "1 section unchanged".to_owned(),
        Lang::En => format!("{count} sections unchanged"),
        Lang::Ja => format!("変更のないセクション：{count}件"),
    }
}

/// "Suggested: 14 min (median of 5 past meetings)" beside the facilitator's
/// timer.
pub fn timer_suggested(lang: Lang, minutes: u64, meetings: u32) -> String {
    match lang {
        Lang::En => format!("Suggested: {minutes} min (median of {meetings} past meetings)"),
        Lang::Ja => format!("目安：{minutes}分（過去{meetings}回のミーティングの中央値）"),
    }
}

/// The button that sets the timer to the suggested time.
pub fn use_suggested_timer(lang: Lang, minutes: u64) -> String {
    match lang {
        Lang::En => format!("Set timer to {minutes} min"),
        Lang::Ja => format!("タイマーを{minutes}分にする"),
    }
}

/// "+1,200 / −300 characters in 4 sections (draft: 5,000)": how much a
/// meeting changed its draft, on the insights page.
pub fn meeting_change_summary(
    lang: Lang,
    added: u32,
    removed: u32,
    sections: u32,
    draft: u32,
) -> String {
    match lang {
        Lang::En if sections == 1 => {
            format!("+{added} / −{removed} characters in 1 section (draft: {draft})")
        }
        Lang::En => {
            format!("+{added} / −{removed} characters in {sections} sections (draft: {draft})")
        }
        Lang::Ja => {
            format!("{sections}セクションで +{added}字 / −{removed}字（元の下書き：{draft}字）")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use casebook_core::phase::Phase;

    #[test]
    fn the_meeting_clock_in_words_rounds_minutes_up() {
        assert_eq!(
            meeting_left(Lang::En, 29 * 60_000 + 1),
            "Meeting: 30 min left"
        );
        assert_eq!(meeting_left(Lang::Ja, 60_000), "会議の残り 1分");
        assert_eq!(meeting_left(Lang::En, -90_000), "Meeting: 2 min over");
        assert_eq!(meeting_left(Lang::Ja, -90_000), "会議は2分超過");
        assert_eq!(
            up_next(Lang::En, "Q&A", Some(480_000)),
            "Up next: Q&A, 8 min"
        );
        assert_eq!(up_next(Lang::Ja, "修正", None), "次は修正");
    }

    #[test]
    fn phase_names_are_the_read_pages() {
        assert_eq!(t(Lang::Ja, Key::PhaseQAndA), "質疑応答");
        assert_eq!(
            t(Lang::Ja, Key::PhasePublished),
            Phase::Published.label(true)
        );
    }

    #[test]
    fn a_card_is_named_by_kind_author_and_its_words() {
        assert_eq!(
            card_name(Lang::En, "Question", "Pat", "Why not\nRDS?"),
            "Question from Pat: Why not RDS?"
        );
        let long = "あ".repeat(100);
        let name = card_name(Lang::Ja, "質問", "佐藤", &long);
        assert!(name.starts_with("佐藤さんの質問: あ"));
        assert!(name.ends_with("…") && name.chars().count() < 100);
    }

    #[test]
    fn instructions_name_the_phase_minutes() {
        let en = instruction(Lang::En, Instruction::ReadAndAsk, Some(15));
        assert!(en.starts_with(
            "Read for 15 minutes; select words you would ask about and press Question"
        ));
        let ja = instruction(Lang::Ja, Instruction::WatchReaders, Some(12));
        assert!(ja.starts_with("全員が12分間黙読します。"), "{ja}");
        let one = instruction(Lang::En, Instruction::WatchReaders, Some(1));
        assert!(one.starts_with("Everyone reads for 1 minute:"), "{one}");
    }
}
