//! Write scopes: which parts of the document an update would change, and
//! whether a role may change them in a phase.
//!
//! Any Yjs client can send any update, so the server cannot trust that a
//! participant's browser hid the section controls: it reads each update
//! before applying it and refuses the whole update when it touches a part
//! the permission table keeps from that role in the current phase. This
//! module only says which row of [`crate::permission::TABLE`] governs each
//! root type of the document ([`action_for`]); the table decides.
//!
//! | root type | action |
//! | --- | --- |
//! | `section:{id}` texts, [`BODY`] | [`Action::EditDocument`] |
//! | [`SECTION_ORDER`], [`SECTION_TITLES`] | [`Action::ArrangeSections`] |
//! | anything else (the server's marks `server_entries` and `suggestion_words`, unknown names) | no client |
//!
//! How an update is read ([`touched`]): its blocks are decoded header only
//! (id, origins, parent) with yrs' decoder. A block names its root type, or
//! the nested type it lives in, or (a keystroke, usually) only its
//! neighbours; those are looked up among the update's own blocks or in the
//! document (`Store::block_parent`, one binary search: vendor/yrs/PATCHES.md,
//! 6). Each deletion is looked up the same way, one block at a time. Blocks
//! the document already has, and deletions it already applied, change
//! nothing and count for no part (a client's sync step 2 repeats them). An
//! update that refers to changes neither it nor the document has cannot be
//! placed, and is refused whole ([`Refusal::Unplaceable`]).
//!
//! How the sections may change is not refused here but repaired: [`check`]
//! says whether the updates touch the outline, and the server then puts
//! back any section that left it with text still in it
//! ([`crate::outline::restore_removed`]). A removal is refused by the
//! browser only for a section *it* sees empty; someone may be typing into
//! that section at the same moment, and a refusal would make the remover's
//! browser resend (and be refused) on every reconnect.

use crate::document::{BODY, SECTION_TEXT_PREFIX};
use crate::outline::{SECTION_ORDER, SECTION_TITLES};
use crate::permission::{allowed, Action};
use crate::phase::Phase;
use crate::role::Role;
use std::collections::{BTreeSet, HashMap};
use yrs::block::{
    ItemContent, BLOCK_GC_REF_NUMBER, BLOCK_SKIP_REF_NUMBER, HAS_ORIGIN, HAS_PARENT_SUB,
    HAS_RIGHT_ORIGIN,
};
use yrs::branch::BranchID;
use yrs::encoding::read::{Cursor, Read};
use yrs::updates::decoder::{Decode, Decoder, DecoderV1};
use yrs::{IdSet, ReadTxn, ID};

/// The permission-table row that governs writing the root type `root`;
/// `None` for a root no client may write.
pub fn action_for(root: &str) -> Option<Action> {
    if root == BODY || root.starts_with(SECTION_TEXT_PREFIX) {
        Some(Action::EditDocument)
    } else if root == SECTION_ORDER || root == SECTION_TITLES {
        Some(Action::ArrangeSections)
    } else {
        None
    }
}

/// Whether `role` may write any part of the document in `phase`. A socket
/// that may not is read-only: only updates that change nothing pass.
pub fn may_write(role: Role, phase: Phase) -> bool {
    allowed(role, phase, Action::EditDocument) || allowed(role, phase, Action::ArrangeSections)
}

/// What a set of updates would change in a document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    /// Root types whose content would change, by name.
    pub roots: BTreeSet<String>,
    /// Some block or deletion refers to changes the document does not have.
    pub unplaceable: bool,
}

/// Why a write was refused. The message is a socket's close reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{role}s may not {} in the {} phase; nothing was applied ({root})", action_text(*.action), phase_text(*.phase))]
    NotAllowed {
        role: Role,
        phase: Phase,
        action: Action,
        root: String,
    },
    #[error("only the server writes `{0}`; nothing was applied")]
    ServerOnly(String),
    #[error("the update refers to changes the document does not have; nothing was applied")]
    Unplaceable,
    #[error("undecodable update: {0}")]
    Undecodable(String),
    /// A Yjs subdocument (`Y.Doc` inside the document): Casebook's document
    /// has none, and yrs keeps a document that received one alive forever
    /// (a reference cycle the `update` fuzz target found as a leak).
    #[error(
        "the update holds a subdocument, which Casebook documents do not have; nothing was applied"
    )]
    Subdocument,
}

fn action_text(action: Action) -> &'static str {
    match action {
        Action::EditDocument => "edit the document",
        Action::ArrangeSections => "add, rename, move or remove sections",
        other => other.as_str(),
    }
}

fn phase_text(phase: Phase) -> String {
    phase.as_str().replace('_', " ")
}

/// Whether `role` may apply `updates` (v1, in the order they arrived) to
/// the document read by `txn` while the meeting is in `phase`.
pub fn check<T: ReadTxn>(
    txn: &T,
    updates: &[&[u8]],
    role: Role,
    phase: Phase,
) -> Result<Allowed, Refusal> {
    let touched = touched(txn, updates)?;
    if touched.unplaceable {
        return Err(Refusal::Unplaceable);
    }
    let arranges = touched
        .roots
        .iter()
        .any(|r| r == SECTION_ORDER || r == SECTION_TITLES);
    for root in touched.roots {
        let Some(action) = action_for(&root) else {
            return Err(Refusal::ServerOnly(root));
        };
        if !allowed(role, phase, action) {
            return Err(Refusal::NotAllowed {
                role,
                phase,
                action,
                root,
            });
        }
    }
    Ok(Allowed { arranges })
}

/// Updates [`check`] lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed {
    /// They touch the outline ([`SECTION_ORDER`] or [`SECTION_TITLES`]): the
    /// caller restores sections they removed with text in them.
    pub arranges: bool,
}

/// Where a block of an update lives.
#[derive(Debug, Clone)]
enum Place {
    /// In a root type, by name.
    Root(String),
    /// In the nested type created by the item with this id.
    Nested(ID),
    /// In the same type as the item with this id (its origin).
    Beside(ID),
    /// Garbage-collected content: in no type.
    Gone,
    /// A hole the sender does not have either.
    Hole,
}

#[derive(Debug, Clone)]
struct Block {
    clock: u32,
    len: u32,
    place: Place,
}

/// The blocks of several updates, per client, in clock order.
#[derive(Default)]
struct Blocks(HashMap<u64, Vec<Block>>);

impl Blocks {
    fn find(&self, id: &ID) -> Option<&Block> {
        let blocks = self.0.get(&id.client.get())?;
        let i = blocks.partition_point(|b| b.clock + b.len <= id.clock);
        blocks.get(i).filter(|b| b.clock <= id.clock)
    }
}

/// The deepest nesting followed before a block counts as unplaceable (a
/// crafted update may make two blocks each other's origin).
const MAX_DEPTH: usize = 64;

/// What `updates` would change in the document read by `txn`.
pub fn touched<T: ReadTxn>(txn: &T, updates: &[&[u8]]) -> Result<Touched, Refusal> {
    let mut blocks = Blocks::default();
    let mut deletions = Vec::with_capacity(updates.len());
    for update in updates {
        let (new, deleted) = decode(update)?;
        for (client, mut list) in new {
            blocks.0.entry(client).or_default().append(&mut list);
        }
        deletions.push(deleted);
    }
    for list in blocks.0.values_mut() {
        list.sort_by_key(|b| b.clock);
    }
    let have = txn.state_vector();
    let places = Places {
        txn,
        blocks: &blocks,
    };
    let mut touched = Touched::default();
    let mut note = |root: Placed| match root {
        Ok(Some(root)) => {
            touched.roots.insert(root);
        }
        Ok(None) => {}
        Err(Unplaceable) => touched.unplaceable = true,
    };
    for (&client, list) in &blocks.0 {
        let known = have.get(&yrs::block::ClientID::new(client));
        for block in list.iter().filter(|b| b.clock + b.len > known) {
            note(places.root_of_block(block, 0));
        }
    }
    for deleted in &deletions {
        for (client, ranges) in deleted.iter() {
            for range in ranges.iter() {
                let mut clock = range.start;
                while clock < range.end {
                    let id = ID::new(*client, clock);
                    let (root, end) = places.root_of_deletion(&id);
                    note(root);
                    let Some(end) = end else { break };
                    clock = end.max(clock + 1);
                }
            }
        }
    }
    Ok(touched)
}

#[derive(Debug)]
struct Unplaceable;

/// The root type something lives in (`None`: content that is gone).
type Placed = Result<Option<String>, Unplaceable>;

/// Looks blocks up in the update's blocks and in the document.
struct Places<'a, T> {
    txn: &'a T,
    blocks: &'a Blocks,
}

impl<T: ReadTxn> Places<'_, T> {
    /// The root type holding the item `id` (`None`: content that is gone).
    fn root_of_item(&self, id: &ID, depth: usize) -> Placed {
        if depth > MAX_DEPTH {
            return Err(Unplaceable);
        }
        if let Some((parent, _, _)) = self.txn.store().block_parent(id) {
            return self.root_of_branch(parent, depth);
        }
        match self.blocks.find(id) {
            Some(block) => self.root_of_block(block, depth + 1),
            None => Err(Unplaceable),
        }
    }

    fn root_of_branch(&self, branch: Option<BranchID>, depth: usize) -> Placed {
        match branch {
            Some(BranchID::Root(name)) => Ok(Some(name.to_string())),
            Some(BranchID::Nested(id)) => self.root_of_item(&id, depth + 1),
            None => Ok(None),
        }
    }

    fn root_of_block(&self, block: &Block, depth: usize) -> Placed {
        match &block.place {
            Place::Root(name) => Ok(Some(name.clone())),
            Place::Nested(id) | Place::Beside(id) => self.root_of_item(id, depth + 1),
            Place::Gone => Ok(None),
            Place::Hole => Err(Unplaceable),
        }
    }

    /// The root a deletion of `id` changes (`None`: nothing, it is already
    /// deleted or gone), and the clock after the block holding `id`
    /// (`None`: the deletion cannot be placed; stop there).
    fn root_of_deletion(&self, id: &ID) -> (Placed, Option<u32>) {
        if let Some((parent, span, deleted)) = self.txn.store().block_parent(id) {
            let root = if deleted {
                Ok(None)
            } else {
                self.root_of_branch(parent, 0)
            };
            return (root, Some(span.end));
        }
        match self.blocks.find(id) {
            Some(block) => (self.root_of_block(block, 0), Some(block.clock + block.len)),
            None => (Err(Unplaceable), None),
        }
    }
}

type Decoded = (Vec<(u64, Vec<Block>)>, IdSet);

/// Reads an update's block headers and its deletions, as yrs'
/// `Update::decode` reads them (an item with empty content takes no clock).
/// An item holding a subdocument is refused.
fn decode(update: &[u8]) -> Result<Decoded, Refusal> {
    decode_blocks(update).map_err(|e| match e {
        Undecoded::Read(e) => Refusal::Undecodable(e.to_string()),
        Undecoded::Subdocument => Refusal::Subdocument,
    })
}

/// Why [`decode_blocks`] stopped.
enum Undecoded {
    Read(yrs::encoding::read::Error),
    Subdocument,
}

impl From<yrs::encoding::read::Error> for Undecoded {
    fn from(e: yrs::encoding::read::Error) -> Self {
        Undecoded::Read(e)
    }
}

fn decode_blocks(update: &[u8]) -> Result<Decoded, Undecoded> {
    let mut decoder = DecoderV1::new(Cursor::new(update));
    let clients: u32 = decoder.read_var()?;
    let mut all = Vec::new();
    for _ in 0..clients {
        let count: u32 = decoder.read_var()?;
        let client = decoder.read_client()?;
        let mut clock: u32 = decoder.read_var()?;
        let mut blocks = Vec::new();
        for _ in 0..count {
            let info = decoder.read_info()?;
            let (len, place) = match info {
                BLOCK_SKIP_REF_NUMBER => (decoder.read_var()?, Place::Hole),
                BLOCK_GC_REF_NUMBER => (decoder.read_len()?, Place::Gone),
                info => {
                    let origin = (info & HAS_ORIGIN != 0)
                        .then(|| decoder.read_left_id())
                        .transpose()?;
                    let right_origin = (info & HAS_RIGHT_ORIGIN != 0)
                        .then(|| decoder.read_right_id())
                        .transpose()?;
                    let place = match origin.or(right_origin) {
                        Some(neighbour) => Place::Beside(neighbour),
                        None => {
                            let place = if decoder.read_parent_info()? {
                                Place::Root(decoder.read_string()?.to_owned())
                            } else {
                                Place::Nested(decoder.read_left_id()?)
                            };
                            if info & HAS_PARENT_SUB != 0 {
                                decoder.read_string()?;
                            }
                            place
                        }
                    };
                    let content = ItemContent::decode(&mut decoder, info)?;
                    if matches!(content, ItemContent::Doc(..)) {
                        return Err(Undecoded::Subdocument);
                    }
                    (content.len_utf16(), place)
                }
            };
            if len == 0 {
                continue;
            }
            blocks.push(Block { clock, len, place });
            clock = clock.saturating_add(len);
        }
        all.push((client.get(), blocks));
    }
    let deleted = IdSet::decode(&mut decoder)?;
    Ok((all, deleted))
}

#[cfg(test)]
mod tests;
