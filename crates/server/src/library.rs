//! The library: every published case, searchable, in a tantivy index.
//!
//! The index lives in `{data dir}/library-index` and is derived data: the
//! meeting logs say what is published. It is updated when a case is
//! published (indexed) or reopened (removed), and reconciled at start
//! ([`Library::reconcile`]: published cases missing from the index are
//! added, entries of cases no longer published are removed — so a missing
//! index is rebuilt, and a crash between a publish event and the index
//! commit heals itself).
//!
//! Text is split by `casebook_core::library::tokens` (Latin words and CJK
//! bigrams), for indexing and for queries alike, so Japanese needs no
//! dictionary. A query's words must all match (title or text); a word of
//! several bigrams matches them in a row. Services and tags are exact,
//! case-insensitive filters.
//!
//! `GET /api/library?q=&service=&tag=` takes the admin token or any valid,
//! unrevoked token of any postmortem: the library is for everyone the
//! organisation has invited. Each entry links to the case's read link.

use crate::case::{read_case, read_link};
use crate::error::{ApiError, Query};
use crate::invite::AnyMember;
use crate::store::PostmortemRecord;
use crate::{blocking, AppState};
use axum::extract::State;
use axum::Json;
use casebook_core::action_item::ActionItem;
use casebook_core::api::{Facet, LibraryActionItem, LibraryAnswer, LibraryCase};
use casebook_core::library::{case_meta, tokens};
use casebook_core::readiness::SectionText;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use tantivy::collector::TopDocs;
use tantivy::query::{AllQuery, BooleanQuery, Occur, PhraseQuery, Query as SearchQuery, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value as _, FAST, STORED,
    STRING,
};
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Name the CJK-aware tokenizer is registered under.
const TOKENIZER: &str = "casebook";
/// Most entries one search returns.
const MAX_RESULTS: usize = 1000;

/// `casebook_core::library::tokens` as a tantivy tokenizer.
#[derive(Clone, Default)]
struct CaseTokenizer;

struct CaseTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for CaseTokenizer {
    type TokenStream<'a> = CaseTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> CaseTokenStream {
        let tokens = tokens(text)
            .into_iter()
            .enumerate()
            .map(|(position, t)| Token {
                offset_from: t.from,
                offset_to: t.to,
                position,
                text: t.text,
                position_length: 1,
            })
            .collect();
        CaseTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for CaseTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

struct Fields {
    id: Field,
    title: Field,
    body: Field,
    service: Field,
    tag: Field,
    card: Field,
    published_at: Field,
}

/// What a library entry shows, stored with it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Card {
    pub id: String,
    pub title: String,
    pub published_at_ms: u64,
    pub services: Vec<String>,
    pub tags: Vec<String>,
    /// The Summary's first 280 characters.
    pub summary: String,
    /// Cards indexed before action items were kept have none.
    #[serde(default)]
    pub action_items: Vec<LibraryActionItem>,
}

/// Heap budget of the index writer (tantivy's minimum is 15 MB).
const WRITER_BUDGET: usize = 20_000_000;

/// The search index of published cases.
///
/// The writer exists only while a change is made (publishing and reopening
/// are rare): kept open, tantivy's writer holds about 2.4 MB of queue and
/// its thread for the whole life of the server.
pub struct Library {
    index: Index,
    reader: IndexReader,
    /// One change at a time.
    writing: Mutex<()>,
    fields: Fields,
}

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("library index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("library index directory: {0}")]
    Dir(String),
}

impl From<LibraryError> for ApiError {
    fn from(e: LibraryError) -> Self {
        tracing::error!(error = %e, "library error");
        ApiError::internal(e.to_string())
    }
}

impl Library {
    /// Opens the index in `dir`; when it cannot be read, moves it aside to
    /// `{dir}.broken` and starts an empty one, which [`reconcile`] fills
    /// from the meeting logs (the index is derived data).
    pub fn open_or_rebuild(dir: &Path) -> Result<Library, LibraryError> {
        match Library::open(dir) {
            Ok(library) => Ok(library),
            Err(e) => {
                tracing::warn!(error = %e, dir = %dir.display(), "library index unreadable; rebuilding it");
                let aside = dir.with_extension("broken");
                let _ = std::fs::remove_dir_all(&aside);
                std::fs::rename(dir, &aside).map_err(|e| LibraryError::Dir(e.to_string()))?;
                Library::open(dir)
            }
        }
    }

    /// Opens the index in `dir`, creating it when missing.
    pub fn open(dir: &Path) -> Result<Library, LibraryError> {
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let mut schema = Schema::builder();
        let fields = Fields {
            id: schema.add_text_field("id", STRING | STORED),
            title: schema.add_text_field("title", text.clone()),
            body: schema.add_text_field("body", text),
            service: schema.add_text_field("service", STRING),
            tag: schema.add_text_field("tag", STRING),
            card: schema.add_text_field("card", STORED),
            published_at: schema.add_u64_field("published_at", FAST | STORED),
        };
        std::fs::create_dir_all(dir).map_err(|e| LibraryError::Dir(e.to_string()))?;
        let directory = tantivy::directory::MmapDirectory::open(dir)
            .map_err(|e| LibraryError::Dir(e.to_string()))?;
        let index = Index::open_or_create(directory, schema.build())?;
        index
            .tokenizers()
            .register(TOKENIZER, TextAnalyzer::from(CaseTokenizer));
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Library {
            index,
            reader,
            writing: Mutex::new(()),
            fields,
        })
    }

    /// Makes one change with a writer opened for it, commits it, waits for
    /// the merges it started, and shows it to searches.
    fn change(
        &self,
        change: impl FnOnce(&mut IndexWriter) -> tantivy::Result<()>,
    ) -> Result<(), LibraryError> {
        let _one = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        let mut writer: IndexWriter = self.index.writer_with_num_threads(1, WRITER_BUDGET)?;
        change(&mut writer)?;
        writer.commit()?;
        writer.wait_merging_threads()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Adds (or replaces) a published case.
    pub fn put(&self, card: &Card, sections: &[SectionText]) -> Result<(), LibraryError> {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &card.id);
        doc.add_text(f.title, &card.title);
        for s in sections {
            doc.add_text(f.body, s.section.title(false));
            doc.add_text(f.body, s.section.title(true));
            doc.add_text(f.body, &s.markdown);
        }
        // An action item's words and owner find the case too.
        for item in &card.action_items {
            doc.add_text(f.body, &item.title);
            doc.add_text(f.body, &item.owner);
        }
        for service in &card.services {
            doc.add_text(f.service, service.to_lowercase());
        }
        for tag in &card.tags {
            doc.add_text(f.tag, tag.to_lowercase());
        }
        doc.add_text(f.card, serde_json::to_string(card).unwrap_or_default());
        doc.add_u64(f.published_at, card.published_at_ms);
        let id = Term::from_field_text(f.id, &card.id);
        self.change(|writer| {
            writer.delete_term(id);
            writer.add_document(doc)?;
            Ok(())
        })
    }

    /// Removes a case (reopened).
    pub fn remove(&self, id: &str) -> Result<(), LibraryError> {
        let id = Term::from_field_text(self.fields.id, id);
        self.change(|writer| {
            writer.delete_term(id);
            Ok(())
        })
    }

    /// Every indexed case id.
    pub fn ids(&self) -> Result<HashSet<String>, LibraryError> {
        Ok(self.cards(&AllQuery)?.into_iter().map(|c| c.id).collect())
    }

    fn cards(&self, query: &dyn SearchQuery) -> Result<Vec<Card>, LibraryError> {
        let searcher = self.reader.searcher();
        let hits = searcher.search(query, &TopDocs::with_limit(MAX_RESULTS))?;
        let mut cards = Vec::with_capacity(hits.len());
        for (_, address) in hits {
            let doc: TantivyDocument = searcher.doc(address)?;
            let card = doc
                .get_first(self.fields.card)
                .and_then(|v| v.as_str())
                .and_then(|s| serde_json::from_str::<Card>(s).ok());
            if let Some(card) = card {
                cards.push(card);
            }
        }
        cards.sort_by(|a, b| {
            b.published_at_ms
                .cmp(&a.published_at_ms)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(cards)
    }

    /// Published cases matching every given filter, newest first.
    pub fn search(
        &self,
        q: &str,
        service: Option<&str>,
        tag: Option<&str>,
    ) -> Result<Vec<Card>, LibraryError> {
        let f = &self.fields;
        let mut must: Vec<(Occur, Box<dyn SearchQuery>)> = Vec::new();
        for group in query_groups(q) {
            let in_field = |field: Field| -> Box<dyn SearchQuery> {
                let terms: Vec<Term> = group
                    .iter()
                    .map(|t| Term::from_field_text(field, t))
                    .collect();
                if terms.len() == 1 {
                    Box::new(TermQuery::new(terms[0].clone(), IndexRecordOption::Basic))
                } else {
                    Box::new(PhraseQuery::new(terms))
                }
            };
            let either = BooleanQuery::new(vec![
                (Occur::Should, in_field(f.title)),
                (Occur::Should, in_field(f.body)),
            ]);
            must.push((Occur::Must, Box::new(either)));
        }
        for (field, value) in [(f.service, service), (f.tag, tag)] {
            if let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) {
                let term = Term::from_field_text(field, &value.to_lowercase());
                must.push((
                    Occur::Must,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                ));
            }
        }
        if must.is_empty() {
            return self.cards(&AllQuery);
        }
        self.cards(&BooleanQuery::new(must))
    }
}

/// A query's terms, grouped: each Latin word alone, each CJK run as its
/// bigrams in a row.
fn query_groups(q: &str) -> Vec<Vec<String>> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut last_end: Option<usize> = None;
    let mut last_cjk = false;
    for t in tokens(q) {
        let cjk = t.text.chars().any(casebook_core::library::is_cjk);
        // Bigrams of one run overlap: each starts before the previous ends.
        let continues = cjk && last_cjk && last_end.is_some_and(|end| t.from < end);
        match groups.last_mut() {
            Some(group) if continues => group.push(t.text),
            _ => groups.push(vec![t.text]),
        }
        last_end = Some(t.to);
        last_cjk = cjk;
    }
    groups
}

/// The library entry of a published case.
fn card(
    record: &PostmortemRecord,
    published_at_ms: u64,
    sections: &[SectionText],
    action_items: &[ActionItem],
) -> Card {
    let meta = case_meta(sections);
    let summary = sections
        .iter()
        .find(|s| s.section.id == "summary")
        .map(|s| s.markdown.trim().chars().take(280).collect::<String>())
        .unwrap_or_default();
    Card {
        id: record.id.clone(),
        title: record.title.clone(),
        published_at_ms,
        services: meta.services,
        tags: meta.tags,
        summary,
        action_items: action_items.iter().map(LibraryActionItem::from).collect(),
    }
}

/// A case just published: when, and the action items it carries.
pub struct Publication<'a> {
    pub at_ms: u64,
    pub action_items: &'a [ActionItem],
}

/// Indexes a case that was just published, or removes one just reopened.
pub async fn update(app: &AppState, record: &PostmortemRecord, published: Option<Publication<'_>>) {
    let indexed = published.is_some();
    let result = match published {
        Some(p) => match read_case(app, &record.id).await {
            Ok(doc) => {
                let card = card(record, p.at_ms, &doc.sections, p.action_items);
                let library = Arc::clone(&app.library);
                tokio::task::spawn_blocking(move || library.put(&card, &doc.sections))
                    .await
                    .unwrap_or_else(|_| Err(LibraryError::Dir("indexing interrupted".into())))
            }
            Err(e) => Err(LibraryError::Dir(e.message)),
        },
        None => {
            let library = Arc::clone(&app.library);
            let id = record.id.clone();
            tokio::task::spawn_blocking(move || library.remove(&id))
                .await
                .unwrap_or_else(|_| Err(LibraryError::Dir("indexing interrupted".into())))
        }
    };
    app.metrics.library_updated(indexed, result.is_ok());
    if let Err(e) = result {
        // The next start reconciles the index with the meeting logs.
        tracing::error!(postmortem = %record.id, error = %e, "library index not updated");
    }
}

/// Brings the index in line with what is published (at start).
pub async fn reconcile(app: &AppState) -> Result<(usize, usize), ApiError> {
    let store = Arc::clone(&app.store);
    let all = blocking(move || store.postmortems()).await?;
    let library = Arc::clone(&app.library);
    let indexed = tokio::task::spawn_blocking(move || library.ids())
        .await
        .map_err(|_| ApiError::internal("library interrupted"))??;
    let (mut added, mut removed) = (0, 0);
    let mut published_ids = HashSet::new();
    for record in all {
        let loaded = app.meetings.get(&record).await?;
        let (published, action_items) = {
            let meeting = &loaded.lock().await.meeting;
            (meeting.published.clone(), meeting.action_items.clone())
        };
        if let Some(p) = published {
            published_ids.insert(record.id.clone());
            if !indexed.contains(&record.id) {
                let publication = Publication {
                    at_ms: p.at_ms,
                    action_items: &action_items,
                };
                update(app, &record, Some(publication)).await;
                added += 1;
            }
        }
    }
    for id in indexed.difference(&published_ids) {
        let library = Arc::clone(&app.library);
        let id = id.clone();
        tokio::task::spawn_blocking(move || library.remove(&id))
            .await
            .map_err(|_| ApiError::internal("library interrupted"))??;
        removed += 1;
    }
    Ok((added, removed))
}

/// Cluster mode: another node moved on a meeting this node does not hold
/// in memory (its meeting-log watch said so). The index follows: the case
/// is added once published and removed once reopened, so the library
/// searches the same cases from every node. Replays the meeting without
/// loading it (loading would also write its entries into the document).
pub async fn follow_elsewhere(app: &AppState, record: &PostmortemRecord) {
    let store = Arc::clone(&app.store);
    let id = record.id.clone();
    let Ok(raw) = blocking(move || store.meeting_events(&id)).await else {
        return;
    };
    let mut events = Vec::with_capacity(raw.len());
    for bytes in &raw {
        match serde_json::from_slice::<casebook_core::meeting::Event>(bytes) {
            Ok(event) => events.push(event),
            Err(e) => {
                tracing::error!(postmortem = %record.id, error = %e, "stored meeting event is corrupt; library not updated");
                return;
            }
        }
    }
    let meeting = casebook_core::meeting::Meeting::replay(record.created_at * 1000, &events);
    let library = Arc::clone(&app.library);
    let Ok(Ok(indexed)) = tokio::task::spawn_blocking(move || library.ids()).await else {
        return;
    };
    let indexed = indexed.contains(&record.id);
    match &meeting.published {
        Some(p) if !indexed => {
            let publication = Publication {
                at_ms: p.at_ms,
                action_items: &meeting.action_items,
            };
            update(app, record, Some(publication)).await;
        }
        None if indexed => update(app, record, None).await,
        _ => {}
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LibraryQuery {
    /// Words that must each match the title or the text.
    #[serde(default)]
    pub q: String,
    /// Only cases of this service (exact, any case).
    pub service: Option<String>,
    /// Only cases with this tag (exact, any case).
    pub tag: Option<String>,
}

/// `GET /api/library?q=&service=&tag=`
#[utoipa::path(
    get,
    path = "/api/library",
    tag = "library",
    params(LibraryQuery),
    security(("member" = []), ("admin" = []), ("token_query" = [])),
    responses(
        (status = 200, description = "Published cases found, newest first, with every service and tag to filter by (the admin, or any valid token of any postmortem)", body = LibraryAnswer),
        (status = 400, description = "A query parameter that is not valid", body = casebook_core::api::ErrorBody),
    )
)]
pub async fn get_library(
    State(app): State<AppState>,
    _: AnyMember,
    Query(query): Query<LibraryQuery>,
) -> Result<Json<LibraryAnswer>, ApiError> {
    let library = Arc::clone(&app.library);
    let all = {
        let library = Arc::clone(&library);
        tokio::task::spawn_blocking(move || library.search("", None, None))
    };
    let found = tokio::task::spawn_blocking(move || {
        library.search(&query.q, query.service.as_deref(), query.tag.as_deref())
    });
    let all = all
        .await
        .map_err(|_| ApiError::internal("search interrupted"))??;
    let found = found
        .await
        .map_err(|_| ApiError::internal("search interrupted"))??;
    // Filter choices: every service and tag in the library, with counts.
    let mut services: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut tags: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for card in &all {
        for (list, into) in [(&card.services, &mut services), (&card.tags, &mut tags)] {
            for item in list {
                into.entry(item.to_lowercase())
                    .or_insert_with(|| (item.clone(), 0))
                    .1 += 1;
            }
        }
    }
    let facet = |m: BTreeMap<String, (String, usize)>| -> Vec<Facet> {
        m.into_values()
            .map(|(name, count)| Facet {
                name,
                count: u32::try_from(count).unwrap_or(u32::MAX),
            })
            .collect()
    };
    let cases = found
        .into_iter()
        .map(|card| LibraryCase {
            read_link: read_link(&app, &card.id),
            id: card.id,
            title: card.title,
            published_at_ms: card.published_at_ms,
            services: card.services,
            tags: card.tags,
            summary: card.summary,
            action_items: card.action_items,
        })
        .collect();
    Ok(Json(LibraryAnswer {
        cases,
        services: facet(services),
        tags: facet(tags),
        total: u32::try_from(all.len()).unwrap_or(u32::MAX),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_words_group_latin_words_and_cjk_runs() {
        assert_eq!(
            query_groups("MySQL 切り戻し 鯖"),
            vec![
                vec!["mysql".to_owned()],
                vec!["切り".to_owned(), "り戻".to_owned(), "戻し".to_owned()],
                vec!["鯖".to_owned()],
            ]
        );
        assert_eq!(
            query_groups("障害 障害"),
            vec![vec!["障害".to_owned()], vec!["障害".to_owned()]]
        );
    }
}
