//! Building blocks shared by every ARM model: resource IDs that compare
//! case-insensitively, tags, sub-resource references, and lenient number and
//! null handling.
//!
//! Real ARM responses differ from the REST spec examples: integers arrive as
//! floats (`1000.0`) or strings, arrays arrive as `null`, fields appear that no
//! spec mentions, and the same resource group is spelt `MC_rg` in one place and
//! `mc_rg` in another. Everything here accepts those variations.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashSet;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

/// A short string (a protocol, a port, a prefix, a state): up to 24 bytes
/// inline, without a heap allocation.
pub type Text = compact_str::CompactString;

/// A list of short strings, exactly as long as it is.
pub type Texts = Box<[Text]>;

/// `bytes` as text, or the line and column (both from 1, the column in
/// bytes) where it stops being UTF-8. JSON is parsed from the text: from
/// bytes, serde_json checks each string's UTF-8 again.
pub fn utf8(bytes: &[u8]) -> Result<&str, (usize, usize)> {
    std::str::from_utf8(bytes).map_err(|e| {
        let before = &bytes[..e.valid_up_to()];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = before.len() - before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
        (line, column)
    })
}

/// An ARM resource ID. Equality, ordering and hashing ignore ASCII case, as
/// ARM does; the original spelling is kept for display.
///
/// Held as two parts: everything before the last `/` (the subscription,
/// resource group, provider and type, and a sub-resource's parent), one
/// interned copy per distinct spelling for the process ([`Head`]), and the
/// last segment, inline up to 24 bytes. Tens of thousands of IDs in one
/// resource group and type share one copy of their 120-byte head, and a
/// reference, a finding and the object it names share it too.
#[derive(Clone, Default)]
pub struct ResourceId {
    head: Option<&'static Head>,
    tail: Text,
}

/// The head of a resource ID, interned for the life of the process (a
/// thin pointer, so an ID is 32 bytes with its inline name), with where its
/// subscription and resource group lie, found once per head: the checks ask
/// for them of every object, many times.
pub struct Head {
    text: Box<str>,
    subscription: Pair,
    resource_group: Pair,
    /// The fingerprint state after the text's lower case.
    lower: Lower,
    /// Where the text after its first `/providers/` starts.
    providers: Option<u32>,
    /// The subscription and resource group as their shared copies, where
    /// the head alone decides them (`None`: the ID's name does). Every
    /// finding carries both, and looking them up in the shared set was
    /// two locked lookups a finding.
    scope: [Option<Option<Arc<str>>>; 2],
}

/// Where the value of the first `/{name}/{value}` pair of an ID lies, as
/// read from its head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pair {
    /// No segment of the head has that name (nor has a value after it).
    Absent,
    /// The value is the head's bytes `start..end` (empty: no value).
    At(u32, u32),
    /// The name is the head's last segment: the value is the ID's tail.
    Tail,
}

impl Pair {
    fn find(head: &str, name: &str) -> Pair {
        let mut start = 0;
        let mut parts = head.split('/');
        while let Some(p) = parts.next() {
            start += p.len() + 1;
            if p.eq_ignore_ascii_case(name) {
                return match parts.next() {
                    // Heads are far shorter than 4 GiB (ARM caps IDs at a few
                    // kilobytes); a longer one is read the slow way.
                    Some(v) => match (u32::try_from(start), u32::try_from(start + v.len())) {
                        (Ok(a), Ok(b)) => Pair::At(a, b),
                        _ => Pair::Absent,
                    },
                    None => Pair::Tail,
                };
            }
        }
        Pair::Absent
    }

    /// The value as the head alone tells it: `Some(None)` for none (absent
    /// or empty), `None` when it is the ID's last segment.
    fn in_head(self, head: &str) -> Option<Option<&str>> {
        match self {
            Pair::Absent => Some(None),
            Pair::At(a, b) => Some(head.get(a as usize..b as usize).filter(|v| !v.is_empty())),
            Pair::Tail => None,
        }
    }
}

/// Interned heads by their text.
type HeadMap = std::collections::HashMap<&'static str, &'static Head, foldhash::fast::FixedState>;

/// Every head interned so far.
static HEADS: Mutex<Option<HeadMap>> = Mutex::new(None);

/// The one copy of `s` as an ID head.
fn head(s: &str) -> &'static Head {
    thread_local! {
        /// The head this thread interned last: a page lists its objects
        /// group by group, so most IDs share the one before's head, found
        /// by one comparison instead of a lock and a hash.
        static LAST: std::cell::Cell<Option<&'static Head>> = const { std::cell::Cell::new(None) };
    }
    if let Some(h) = LAST.with(|l| l.get()).filter(|h| &*h.text == s) {
        return h;
    }
    let h = intern(s);
    LAST.with(|l| l.set(Some(h)));
    h
}

/// The one copy of `s` as a head, made if there is none yet.
fn intern(s: &str) -> &'static Head {
    // A poisoned lock only means another thread panicked while inserting;
    // the map is still a valid map.
    let mut guard = HEADS.lock().unwrap_or_else(|p| p.into_inner());
    let map = guard.get_or_insert_with(|| HeadMap::with_hasher(foldhash::fast::FixedState::with_seed(0)));
    if let Some(h) = map.get(s) {
        return h;
    }
    // Interned heads live as long as the process, like the run's objects;
    // there are a few thousand even in a tenant of a thousand subscriptions.
    let mut lower = Lower::default();
    lower.feed(s.as_bytes());
    let (subscription, resource_group) = (Pair::find(s, "subscriptions"), Pair::find(s, "resourceGroups"));
    let scope = [subscription, resource_group].map(|p| p.in_head(s).map(|v| v.map(shared)));
    let h: &'static Head = Box::leak(Box::new(Head {
        text: s.into(),
        subscription,
        resource_group,
        lower,
        providers: s.find("/providers/").and_then(|i| u32::try_from(i + "/providers/".len()).ok()),
        scope,
    }));
    map.insert(&h.text, h);
    h
}

impl ResourceId {
    pub fn new(s: impl AsRef<str>) -> Self {
        let s = s.as_ref();
        match s.rfind('/') {
            Some(i) => ResourceId { head: Some(head(&s[..i])), tail: Text::from(&s[i + 1..]) },
            None => ResourceId { head: None, tail: Text::from(s) },
        }
    }

    /// The ID as the parts it is spelt from, in order.
    pub fn parts(&self) -> [&str; 3] {
        match &self.head {
            Some(h) => [&h.text, "/", &self.tail],
            None => [&self.tail, "", ""],
        }
    }

    /// The ID's text; borrowed when it has no `/` (only an odd ID has none).
    pub fn as_cow(&self) -> std::borrow::Cow<'_, str> {
        match &self.head {
            Some(h) => std::borrow::Cow::Owned(format!("{}/{}", h.text, self.tail)),
            None => std::borrow::Cow::Borrowed(&self.tail),
        }
    }

    /// The provider namespace and type after the ID's first `/providers/`
    /// (found once per interned head), when both are there.
    pub fn provider_type(&self) -> Option<(&str, &str)> {
        // With no `/providers/` in the head there is none in the ID, or
        // only a name after it.
        let h = self.head?;
        let rest = h.text.get(h.providers? as usize..)?;
        let mut parts = rest.split('/').chain(std::iter::once(&*self.tail));
        Some((parts.next()?, parts.next()?))
    }

    /// Whether [`ResourceId::provider_type`] is read from the head alone,
    /// and so is the same for every ID with this head (it is not when the
    /// head ends within them, as in `.../providers/Microsoft.Network`).
    pub fn provider_type_in_head(&self) -> bool {
        self.head.and_then(|h| h.text.get(h.providers? as usize..)).is_some_and(|rest| rest.contains('/'))
    }

    /// The fingerprint state after the ID's lower case (its head's, fed
    /// once, then its name).
    pub fn lower(&self) -> Lower {
        match self.head {
            Some(h) => {
                let mut l = h.lower;
                l.feed_all([b"/".as_slice(), self.tail.as_bytes()]);
                l
            }
            None => {
                let mut l = Lower::default();
                l.feed(self.tail.as_bytes());
                l
            }
        }
    }

    /// The fingerprint state after the text a child of this ID is spelt
    /// from before its `/{collection}/{name}`: the ID's, or, for an ID
    /// that ends with a `/`, its head's (the child has no second `/`).
    pub fn lower_as_parent(&self) -> Lower {
        match self.head {
            Some(h) if self.tail.is_empty() => h.lower,
            _ => self.lower(),
        }
    }

    /// Everything before the last `/`, the one interned copy (so equal
    /// heads are the same pointer); `None` for an ID without a `/`.
    pub fn head(&self) -> Option<&'static str> {
        self.head.map(|h| &*h.text)
    }

    /// Everything after the head's `/` (the whole ID when it has none):
    /// the last of its path segments.
    pub fn tail(&self) -> &str {
        &self.tail
    }

    pub fn is_empty(&self) -> bool {
        self.head.is_none() && self.tail.is_empty()
    }

    /// Whether the ID is `s`, ignoring ASCII case.
    pub fn eq_str(&self, s: &str) -> bool {
        s.len() == self.len() && eq_ci(self.parts().map(str::as_bytes), [s.as_bytes()])
    }

    /// Whether the ID starts with `prefix`, ignoring ASCII case.
    pub fn starts_with_ci(&self, prefix: &str) -> bool {
        let mut p = prefix.as_bytes();
        for part in self.parts() {
            let n = part.len().min(p.len());
            if !part.as_bytes()[..n].eq_ignore_ascii_case(&p[..n]) {
                return false;
            }
            p = &p[n..];
        }
        p.is_empty()
    }

    /// The ID's byte at `i`, if it is that long.
    fn byte_at(&self, mut i: usize) -> Option<u8> {
        for part in self.parts() {
            match part.as_bytes().get(i) {
                Some(b) => return Some(*b),
                None => i -= part.len(),
            }
        }
        None
    }

    /// The lower-cased form, used as a map key.
    pub fn key(&self) -> String {
        let mut k = String::with_capacity(self.len());
        for p in self.parts() {
            k.push_str(p);
        }
        k.make_ascii_lowercase();
        k
    }

    /// The length of the ID's text in bytes.
    pub fn len(&self) -> usize {
        self.parts().iter().map(|p| p.len()).sum()
    }

    /// The path segments, in order (the first is empty for an ID that
    /// starts with `/`).
    fn segments(&self) -> impl Iterator<Item = &str> + '_ {
        let head = self.head.map(|h| h.text.split('/')).into_iter().flatten();
        head.chain(std::iter::once(&*self.tail))
    }

    /// The value of a `/{name}/{value}` segment pair, matched case-insensitively,
    /// e.g. `segment("resourceGroups")`.
    pub fn segment(&self, name: &str) -> Option<&str> {
        let mut parts = self.segments();
        while let Some(p) = parts.next() {
            if p.eq_ignore_ascii_case(name) {
                return parts.next().filter(|v| !v.is_empty());
            }
        }
        None
    }

    pub fn subscription(&self) -> Option<&str> {
        self.pair(|h| h.subscription)
    }

    pub fn resource_group(&self) -> Option<&str> {
        self.pair(|h| h.resource_group)
    }

    /// [`ResourceId::subscription`] as its [`shared`] copy.
    pub fn shared_subscription(&self) -> Option<Arc<str>> {
        self.shared_pair(0, |h| h.subscription)
    }

    /// [`ResourceId::resource_group`] as its [`shared`] copy.
    pub fn shared_resource_group(&self) -> Option<Arc<str>> {
        self.shared_pair(1, |h| h.resource_group)
    }

    /// A pair's value as [`ResourceId::pair`] reads it, as its shared copy:
    /// the one the head keeps (`Head::scope[at]`) where the head decides it.
    fn shared_pair(&self, at: usize, which: impl Fn(&Head) -> Pair) -> Option<Arc<str>> {
        match self.head.and_then(|h| h.scope.get(at).cloned().flatten()) {
            Some(v) => v,
            None => self.pair(which).map(shared),
        }
    }

    /// A pair's value as [`ResourceId::segment`] reads it, from where the
    /// head says it lies.
    fn pair(&self, which: impl Fn(&Head) -> Pair) -> Option<&str> {
        let h = self.head?;
        match which(h).in_head(&h.text) {
            Some(v) => v,
            None => Some(&*self.tail).filter(|v| !v.is_empty()),
        }
    }

    /// The subscription and resource group as the ID's head alone decides
    /// them (the same for every ID with this head); `None` for an ID with
    /// no head, or whose subscription or group is its last segment.
    pub fn head_scope(&self) -> Option<(Option<&'static str>, Option<&'static str>)> {
        let h = self.head?;
        Some((h.subscription.in_head(&h.text)?, h.resource_group.in_head(&h.text)?))
    }

    /// The last path segment: the resource's (or sub-resource's) name.
    pub fn name(&self) -> &str {
        if !self.tail.is_empty() || self.head.is_none() {
            return &self.tail;
        }
        // A trailing `/`: the name is the head's last non-empty segment.
        self.head.map_or("", |h| &h.text).trim_end_matches('/').rsplit('/').next().unwrap_or("")
    }

    /// The ID of the parent resource for a sub-resource ID such as
    /// `.../loadBalancers/lb/frontendIPConfigurations/fe` (drops the last two
    /// segments).
    pub fn parent(&self) -> ResourceId {
        let whole = self.as_cow();
        let t = whole.trim_end_matches('/');
        let mut cut = t;
        for _ in 0..2 {
            cut = match cut.rfind('/') {
                Some(i) => &cut[..i],
                None => "",
            };
        }
        ResourceId::new(cut)
    }

    /// Whether this ID lies in (or is) the given scope, e.g. a resource group ID.
    pub fn is_within(&self, scope: &str) -> bool {
        let scope = scope.trim_end_matches('/');
        if !self.starts_with_ci(scope) {
            return false;
        }
        self.len() == scope.len() || self.byte_at(scope.len()) == Some(b'/')
    }
}

impl From<&str> for ResourceId {
    fn from(s: &str) -> ResourceId {
        ResourceId::new(s)
    }
}
impl From<&String> for ResourceId {
    fn from(s: &String) -> ResourceId {
        ResourceId::new(s)
    }
}
impl From<String> for ResourceId {
    fn from(s: String) -> ResourceId {
        ResourceId::new(s)
    }
}
impl From<&ResourceId> for ResourceId {
    fn from(id: &ResourceId) -> ResourceId {
        id.clone()
    }
}

impl PartialEq for ResourceId {
    fn eq(&self, other: &Self) -> bool {
        match (&self.head, &other.head) {
            // The usual case: one shared head, so only the names differ.
            (Some(a), Some(b)) if std::ptr::eq(*a, *b) => self.tail.eq_ignore_ascii_case(&other.tail),
            _ => self.len() == other.len() && eq_ci(self.parts().map(str::as_bytes), other.parts().map(str::as_bytes)),
        }
    }
}
impl Eq for ResourceId {}

impl Hash for ResourceId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.lower().finish());
    }
}

/// The fingerprint of a text's ASCII lower case, fed a part at a time:
/// it reads the text as eight-byte words however the text is split into
/// writes, so an ID's fingerprint can start from its interned head's, fed
/// once, and go on with its name. Hashing the whole lower-cased ID for
/// every lookup was a twentieth of an audit's CPU; the standard library's
/// SipHash, used for this before, was a fortieth on its own. It is a hash
/// for tables (equal keys are still compared as texts), not a digest.
#[derive(Clone, Copy, Default)]
pub struct Lower {
    /// The words so far, folded.
    acc: u64,
    /// The bytes of the word being filled, from its low end.
    word: u64,
    /// How many bytes `word` holds (0 to 7).
    fill: u32,
    /// How many bytes were fed.
    len: u64,
}

/// Fold two words by the high and low halves of their product.
fn fold(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// The ASCII lower case of eight bytes at once: each byte from `A` to `Z`
/// gains 0x20, every other byte is left as it is.
fn lower_word(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let seven = w & (ONES * 0x7f);
    // The top bit of each byte of `seven + k` is set when that byte's low
    // seven bits reach `0x80 - k` (no sum carries into the next byte).
    let from_a = seven + ONES * (0x80 - u64::from(b'A'));
    let past_z = seven + ONES * (0x80 - u64::from(b'Z') - 1);
    let upper = (from_a ^ past_z) & !w & (ONES * 0x80);
    w | (upper >> 2)
}

/// Two odd constants with well-mixed bits (the golden ratio's and pi's).
const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
const END: u64 = 0x243f_6a88_85a3_08d3;

impl Lower {
    /// Feed the lower case of `part`.
    pub fn feed(&mut self, part: &[u8]) {
        self.feed_all([part]);
    }

    /// Feed the lower case of `parts`, in order. Each word is lower-cased
    /// as it is read: copying the parts into a buffer to lower-case them
    /// was a fiftieth of an audit's cycles, nearly all of it `memcpy`.
    pub fn feed_all<'a>(&mut self, parts: impl IntoIterator<Item = &'a [u8]>) {
        for part in parts {
            self.write(part);
        }
    }

    /// Feed the lower case of `bytes`.
    fn write(&mut self, mut bytes: &[u8]) {
        /// Up to eight bytes as the low end of a word, a byte at a time (a
        /// copy of a length known only when run is a call to `memcpy`).
        fn low(b: &[u8]) -> u64 {
            b.iter().take(8).rev().fold(0, |w, &c| (w << 8) | u64::from(c))
        }
        self.len = self.len.wrapping_add(bytes.len() as u64);
        // Complete the word begun by an earlier write.
        if self.fill != 0 {
            let take = bytes.len().min(8 - self.fill as usize);
            self.word |= low(&bytes[..take]) << (8 * self.fill);
            self.fill += take as u32;
            bytes = &bytes[take..];
            if self.fill < 8 {
                return;
            }
            self.acc = fold(self.acc ^ lower_word(self.word), MIX);
            (self.word, self.fill) = (0, 0);
        }
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            self.acc = fold(self.acc ^ lower_word(u64::from_le_bytes(b)), MIX);
        }
        let rest = words.remainder();
        (self.word, self.fill) = (low(rest), rest.len() as u32);
    }

    pub fn finish(&self) -> u64 {
        // The length tells a text from one with NUL bytes added.
        fold(fold(self.acc ^ lower_word(self.word), MIX) ^ self.len, END)
    }
}

/// The fingerprint of the concatenation of `parts`, by its lower case.
pub fn fingerprint<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> u64 {
    let mut l = Lower::default();
    l.feed_all(parts);
    l.finish()
}

impl PartialOrd for ResourceId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ResourceId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (&self.head, &other.head) {
            // One shared head: the whole texts differ where the names do.
            (Some(a), Some(b)) if std::ptr::eq(*a, *b) => cmp_ci([self.tail.as_bytes()], [other.tail.as_bytes()]),
            _ => cmp_ci(self.parts().map(str::as_bytes), other.parts().map(str::as_bytes)),
        }
    }
}

/// The order of a set of IDs, for sorting many of them: each distinct
/// head is ranked once, so comparing two IDs is comparing two ranks (and
/// names, under one head), not two 120-byte texts. Tens of thousands of
/// findings under a few hundred heads spent a twentieth of an audit's CPU
/// comparing heads.
///
/// Ranks decide where neither head, followed by its `/`, begins the other
/// (then the first byte where the IDs differ lies in their heads). Heads
/// one begins (a load balancer's `.../loadBalancers` and its frontends'
/// `.../loadBalancers/lb/frontendIPConfigurations`) sort right after it, so
/// each head keeps the last rank it begins, and such a pair is compared as
/// whole texts. The order is always [`Ord`]'s.
pub struct IdOrder {
    /// Head (by address) -> its rank among the set's heads by lower case,
    /// and the last rank of the heads it begins.
    ranks: foldhash::HashMap<usize, (u32, u32)>,
}

impl IdOrder {
    pub fn of<'a>(ids: impl IntoIterator<Item = &'a ResourceId>) -> IdOrder {
        fn slash(h: &Head) -> [&[u8]; 2] {
            [h.text.as_bytes(), b"/"]
        }
        let addr = |h: &'static Head| h as *const Head as usize;
        let mut heads: Vec<&'static Head> = Vec::new();
        let mut seen = foldhash::HashSet::<usize>::default();
        for h in ids.into_iter().filter_map(|id| id.head) {
            if seen.insert(addr(h)) {
                heads.push(h);
            }
        }
        heads.sort_by(|a, b| cmp_ci(slash(a), slash(b)));
        // Each head's rank (equal for one text in any case), and the last
        // rank it begins: heads it begins follow it in a run.
        let mut rank = vec![0u32; heads.len()];
        let mut last = vec![0u32; heads.len()];
        // Indexes of the heads that begin the current one (or spell it),
        // outermost first.
        let mut open: Vec<usize> = Vec::new();
        for (i, h) in heads.iter().copied().enumerate() {
            if i > 0 {
                rank[i] = rank[i - 1] + u32::from(!heads[i - 1].text.eq_ignore_ascii_case(&h.text));
            }
            while let Some(&top) = open.last() {
                if heads[top].text.eq_ignore_ascii_case(&h.text) || begins(h, heads[top]) {
                    break;
                }
                last[top] = rank[i - 1];
                open.pop();
            }
            open.push(i);
        }
        let end = rank.last().copied().unwrap_or(0);
        for top in open {
            last[top] = end;
        }
        let ranks = heads.iter().enumerate().map(|(i, h)| (addr(h), (rank[i], last[i]))).collect();
        IdOrder { ranks }
    }

    /// An ID's place among the set's heads and the lower case of its
    /// name's first sixteen bytes, to compare with [`IdOrder::cmp`] (an ID
    /// with no head, or not of the set, has no rank).
    pub fn place(&self, id: &ResourceId) -> Place {
        let rank = id.head.and_then(|h| self.ranks.get(&(h as *const Head as usize)).copied());
        let mut lead = [0u8; 16];
        let name = id.tail.as_bytes();
        let n = name.len().min(lead.len());
        lead[..n].copy_from_slice(&name[..n]);
        lead.make_ascii_lowercase();
        let word = |i: usize| lead.get(i..i + 8).and_then(|w| w.try_into().ok()).map_or(0, u64::from_be_bytes);
        Place { rank, lead: (word(0), word(8)) }
    }

    /// `a.cmp(b)`, given their places (an ID without a rank is compared as
    /// its whole text).
    pub fn cmp(&self, (a, pa): (&ResourceId, Place), (b, pb): (&ResourceId, Place)) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        let (Some((ra, la)), Some((rb, lb))) = (pa.rank, pb.rank) else { return a.cmp(b) };
        match ra.cmp(&rb) {
            // One head's text, in any case: the names decide, most often
            // by their first sixteen bytes. Those compare as the names do:
            // where the leads differ, either both names have a byte there
            // or the one that ended is the lesser, as it is in the names.
            Ordering::Equal => pa.lead.cmp(&pb.lead).then_with(|| cmp_ci([a.tail.as_bytes()], [b.tail.as_bytes()])),
            // `a`'s head begins `b`'s: the texts decide.
            Ordering::Less if rb <= la => a.cmp(b),
            Ordering::Greater if ra <= lb => a.cmp(b),
            o => o,
        }
    }
}

/// Where an ID falls in an [`IdOrder`], worked out once per ID.
#[derive(Clone, Copy, Debug)]
pub struct Place {
    /// The head's rank and the last rank of the heads it begins.
    rank: Option<(u32, u32)>,
    /// The name's first sixteen bytes in lower case, zero-padded, as two
    /// big-endian numbers (two words keep the key at 32 bytes).
    lead: (u64, u64),
}

/// Whether `inner`, followed by a `/`, begins `outer`, in any case.
fn begins(outer: &Head, inner: &Head) -> bool {
    let (o, i) = (outer.text.as_bytes(), inner.text.as_bytes());
    i.len() < o.len() && o[..i.len()].eq_ignore_ascii_case(i) && o[i.len()] == b'/'
}

/// Whether two texts, each spelt as parts, are equal in any ASCII case:
/// a run of bytes at a time, compared as they are first (IDs compared are
/// nearly always spelt alike) and by their lower case only when not.
/// Callers that know both lengths compare them first, which is cheaper.
pub fn eq_ci<'a, 'b>(a: impl IntoIterator<Item = &'a [u8]>, b: impl IntoIterator<Item = &'b [u8]>) -> bool {
    let differ = |x: &[u8], y: &[u8]| (x != y && !x.eq_ignore_ascii_case(y)).then_some(std::cmp::Ordering::Less);
    walk_runs(a, b, differ).is_eq()
}

/// Compare two texts, each spelt as parts, by their ASCII lower case, a
/// run of bytes at a time (an iterator over the bytes of the parts cost a
/// seventh of a run's CPU in sorting findings).
pub fn cmp_ci<'a, 'b>(
    a: impl IntoIterator<Item = &'a [u8]>,
    b: impl IntoIterator<Item = &'b [u8]>,
) -> std::cmp::Ordering {
    walk_runs(a, b, |x, y| Some(cmp_ci_run(x, y)).filter(|o| o.is_ne()))
}

/// Walk two texts, each spelt as parts, in runs of equal length (however
/// their parts are split): `run` decides a pair of runs with `Some`, and a
/// text that ends first is the lesser.
fn walk_runs<'a, 'b>(
    a: impl IntoIterator<Item = &'a [u8]>,
    b: impl IntoIterator<Item = &'b [u8]>,
    mut run: impl FnMut(&[u8], &[u8]) -> Option<std::cmp::Ordering>,
) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut ai, mut bi) = (a.into_iter(), b.into_iter());
    let (mut x, mut y): (&[u8], &[u8]) = (&[], &[]);
    loop {
        while x.is_empty() {
            match ai.next() {
                Some(p) => x = p,
                None => break,
            }
        }
        while y.is_empty() {
            match bi.next() {
                Some(p) => y = p,
                None => break,
            }
        }
        match (x.is_empty(), y.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        let n = x.len().min(y.len());
        if let Some(decided) = run(&x[..n], &y[..n]) {
            return decided;
        }
        x = &x[n..];
        y = &y[n..];
    }
}

/// Two runs of equal length, by their ASCII lower case. Most IDs compared
/// share a long prefix spelt alike: eight bytes that are equal as they
/// are are skipped at once, and only a differing word is lower-cased.
fn cmp_ci_run(x: &[u8], y: &[u8]) -> std::cmp::Ordering {
    // Eight bytes as one word: a slice comparison per word was a call each.
    fn word(s: &[u8], i: usize) -> Option<u64> {
        Some(u64::from_ne_bytes(s.get(i..i + 8)?.try_into().ok()?))
    }
    let n = x.len().min(y.len());
    let mut i = 0;
    while i < n {
        if let (Some(a), Some(b)) = (word(x, i), word(y, i))
            && a == b
        {
            i += 8;
            continue;
        }
        let (p, q) = (x[i].to_ascii_lowercase(), y[i].to_ascii_lowercase());
        if p != q {
            return p.cmp(&q);
        }
        i += 1;
    }
    x.len().cmp(&y.len())
}

impl fmt::Debug for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.as_cow(), f)
    }
}
impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in self.parts() {
            f.write_str(p)?;
        }
        Ok(())
    }
}

impl Serialize for ResourceId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> Deserialize<'de> for ResourceId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ResourceId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a resource ID")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ResourceId, E> {
                Ok(ResourceId::new(v))
            }
        }
        d.deserialize_str(V)
    }
}

/// One shared copy of a string that many objects repeat and that has few
/// distinct values in a run: a subscription ID, a resource group name, or
/// the head of a resource ID (all but its last segment) in tens of
/// thousands of objects and findings costs one allocation each, not one
/// per object. Kept for the life of the process.
pub fn shared(s: &str) -> Arc<str> {
    type Set = HashSet<Arc<str>, foldhash::fast::FixedState>;
    static SEEN: Mutex<Option<Set>> = Mutex::new(None);
    // A poisoned lock only means another thread panicked while inserting;
    // the set is still a valid set.
    let mut guard = SEEN.lock().unwrap_or_else(|p| p.into_inner());
    let set = guard.get_or_insert_with(|| Set::with_hasher(foldhash::fast::FixedState::with_seed(0)));
    if let Some(a) = set.get(s) {
        return a.clone();
    }
    let a: Arc<str> = Arc::from(s);
    set.insert(a.clone());
    a
}

/// A text with few distinct values in a run, read into its one shared
/// copy; `null` is the empty text.
pub fn shared_text<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
    Ok(shared_text_opt(d)?.unwrap_or_else(|| shared("")))
}

/// An optional text with few distinct values in a run (a region, a SKU),
/// read into its one shared copy; `null` is none.
pub fn shared_text_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Arc<str>>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Option<Arc<str>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(shared(v)))
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
    }
    d.deserialize_option(V)
}

fn str_is_empty(s: &Arc<str>) -> bool {
    s.is_empty()
}

/// An ID that may arrive as `null`, `""` or whitespace for "none".
pub fn empty_is_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<ResourceId>>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    Ok(s.filter(|s| !s.trim().is_empty()).map(|s| Box::new(ResourceId::new(s))))
}

/// A location as ARM spells it in paths: `West Europe` -> `westeurope`.
pub fn normalize_location(l: &str) -> String {
    l.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase()
}

/// A reference to another resource: `{"id": "..."}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubResource {
    #[serde(default)]
    pub id: ResourceId,
}

/// Resource tags. Azure tag names are case-insensitive, so lookups are too.
/// `null` and non-string values are tolerated (values are stringified).
/// Held as a boxed slice of pairs sorted by name: most resources carry one
/// to five tags, and a map's node would cost ten times what they hold.
/// Names repeat on every resource the provider tags, so each name is one
/// shared copy; values up to 24 bytes are inline. The pairs are shared
/// too: a finding that shows an object's tags as evidence holds the
/// object's own copy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tags(Option<TagPairs>);

/// Name-value pairs, sorted by name: one shared, counted copy.
pub type TagPairs = Arc<[(Arc<str>, Text)]>;

impl Tags {
    /// Tags from name-value pairs (the last of a repeated name wins).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Tags {
        Tags::sorted(pairs.into_iter().map(|(k, v)| (shared(&k.into()), Text::from(v.into()))).collect())
    }

    /// Tags from pairs in any order: sorted by name, the last of a
    /// repeated name winning.
    fn sorted(mut pairs: Vec<(Arc<str>, Text)>) -> Tags {
        // Stable: a repeated name's pairs stay in the order given.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut kept: Vec<(Arc<str>, Text)> = Vec::with_capacity(pairs.len());
        for p in pairs {
            match kept.last_mut() {
                Some(last) if last.0 == p.0 => *last = p,
                _ => kept.push(p),
            }
        }
        Tags((!kept.is_empty()).then(|| kept.into()))
    }

    fn pairs(&self) -> &[(Arc<str>, Text)] {
        self.0.as_deref().unwrap_or(&[])
    }

    /// The value of the first tag whose name matches `key`, ignoring case.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs().iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| &**v)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Names and values, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs().iter().map(|(k, v)| (&**k, &**v))
    }

    /// The pairs, shared (a clone is a count, not a copy); `None` when
    /// there are none.
    pub fn shared_pairs(&self) -> Option<TagPairs> {
        self.0.clone()
    }
}

impl Serialize for Tags {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.pairs().len()))?;
        for (k, v) in self.pairs() {
            m.serialize_entry(&**k, &**v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Tags {
    /// Straight into the pairs: each name its shared copy, each value text
    /// (`null` empty, any other JSON value its JSON text), sorted by name,
    /// the last of a repeated name winning. Through two ordered maps and a
    /// JSON value per tag this cost a fortieth of a live audit.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{MapAccess, Visitor};
        // A visitor of its own, read with `deserialize_str`: the spec
        // tracer (`models::fidelity`) follows a tag name only as a string.
        struct Name(Arc<str>);
        impl<'de> Deserialize<'de> for Name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = Name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a tag name")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Name, E> {
                        Ok(Name(shared(v)))
                    }
                }
                d.deserialize_str(V)
            }
        }
        struct Value(Text);
        /// A value that is not a string, as its JSON text.
        fn json_text(v: impl Into<serde_json::Value>) -> Value {
            Value(Text::from(v.into().to_string()))
        }
        impl<'de> Deserialize<'de> for Value {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = Value;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a tag value")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
                        Ok(Value(Text::from(v)))
                    }
                    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
                        Ok(Value(Text::default()))
                    }
                    fn visit_none<E: serde::de::Error>(self) -> Result<Value, E> {
                        Ok(Value(Text::default()))
                    }
                    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Value, E> {
                        Ok(json_text(v))
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Value, E> {
                        Ok(json_text(v))
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Value, E> {
                        Ok(json_text(v))
                    }
                    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
                        Ok(json_text(v))
                    }
                    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, a: A) -> Result<Value, A::Error> {
                        Ok(json_text(serde_json::Value::deserialize(serde::de::value::SeqAccessDeserializer::new(a))?))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Value, A::Error> {
                        Ok(json_text(serde_json::Value::deserialize(serde::de::value::MapAccessDeserializer::new(a))?))
                    }
                }
                d.deserialize_any(V)
            }
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Tags;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of tags, or null")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Tags, E> {
                Ok(Tags::default())
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Tags, E> {
                Ok(Tags::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Tags, D::Error> {
                d.deserialize_map(self)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Tags, A::Error> {
                let mut pairs: Vec<(Arc<str>, Text)> = Vec::new();
                while let Some((Name(k), Value(v))) = m.next_entry()? {
                    pairs.push((k, v));
                }
                Ok(Tags::sorted(pairs))
            }
        }
        d.deserialize_option(V)
    }
}

/// A SKU: `{"name": "Standard", "tier": "Regional"}`. A handful of
/// values in a run, each one shared copy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sku {
    #[serde(default, deserialize_with = "shared_text_opt", skip_serializing_if = "Option::is_none")]
    pub name: Option<Arc<str>>,
    #[serde(default, deserialize_with = "shared_text_opt", skip_serializing_if = "Option::is_none")]
    pub tier: Option<Arc<str>>,
}

/// The envelope every ARM resource shares. `P` is the resource's
/// `properties` object.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound(deserialize = "P: Deserialize<'de> + Default"))]
pub struct Resource<P> {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    /// One shared copy per type (`Microsoft.Network/publicIPAddresses`).
    #[serde(default, rename = "type", deserialize_with = "shared_text", skip_serializing_if = "str_is_empty")]
    pub kind: Arc<str>,
    /// One shared copy per region.
    #[serde(default, deserialize_with = "shared_text_opt", skip_serializing_if = "Option::is_none")]
    pub location: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<Sku>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "<[Text]>::is_empty")]
    pub zones: Texts,
    /// The VM a disk is attached to (top-level on disks, absent elsewhere).
    /// Resource Graph sends `""` for "none" where ARM leaves it out.
    #[serde(
        default,
        rename = "managedBy",
        deserialize_with = "empty_is_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub managed_by: Option<Box<ResourceId>>,
    #[serde(default, deserialize_with = "null_default")]
    pub properties: P,
}

/// What every inventoried resource tells about itself: its ID, location
/// and tags (tag-based suppressions and the usages collector read these).
pub trait Located {
    fn id(&self) -> &ResourceId;
    fn location(&self) -> Option<&str>;
    /// `None` for types that carry no tags (locks).
    fn tags(&self) -> Option<&Tags>;
}

impl<P> Located for Resource<P> {
    fn id(&self) -> &ResourceId {
        &self.id
    }
    fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }
    fn tags(&self) -> Option<&Tags> {
        Some(&self.tags)
    }
}

/// A resource nested in another that carries no location or tags of its
/// own (a storage account's file share or blob container).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound(deserialize = "P: Deserialize<'de> + Default"))]
pub struct Nested<P> {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "null_default")]
    pub properties: P,
}

impl<P> Located for Nested<P> {
    fn id(&self) -> &ResourceId {
        &self.id
    }
    fn location(&self) -> Option<&str> {
        None
    }
    fn tags(&self) -> Option<&Tags> {
        None
    }
}

impl<P> Resource<P> {
    pub fn sku_name(&self) -> Option<&str> {
        self.sku.as_ref().and_then(|s| s.name.as_deref())
    }
}

/// A named child of a resource (frontend, rule, probe, pool, NSG rule,
/// IP configuration), with its own ID.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(bound(deserialize = "P: Deserialize<'de> + Default"))]
pub struct Child<P> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Boxed: most children's IDs are derivable and forgotten, and the
    /// hundred thousand rules and parts of a large subscription would each
    /// carry an empty 32-byte slot.
    pub id: Option<Box<ResourceId>>,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "null_default")]
    pub properties: P,
}

impl<P> Child<P> {
    /// Forget the ID when it is exactly the one ARM gives every
    /// sub-resource, `{parent}/{collection}/{name}` (an ID spelt in another
    /// case is kept as it came, so no spelling is lost): tens of thousands of NSG
    /// rules and load-balancer parts would otherwise each keep a 200-byte
    /// copy of their parent's ID. [`Child::id_in`] gives it back.
    pub fn forget_derivable_id(&mut self, parent: &ResourceId, collection: &str) {
        if self.id.as_ref().is_some_and(|id| id.is_child_of(parent, collection, &self.name)) {
            self.id = None;
        }
    }

    /// The ID, whether kept or derived from the parent's (also when ARM
    /// sent an empty one).
    pub fn id_in(&self, parent: &ResourceId, collection: &str) -> ResourceId {
        match &self.id {
            Some(id) if !id.is_empty() => (**id).clone(),
            _ => parent.child(collection, &self.name),
        }
    }
}

impl ResourceId {
    /// The ID of the child `{self}/{collection}/{name}`.
    pub fn child(&self, collection: &str, name: &str) -> ResourceId {
        let mut h = String::with_capacity(self.len() + collection.len() + 1);
        for p in self.parts() {
            h.push_str(p);
        }
        let trimmed = h.trim_end_matches('/').len();
        h.truncate(trimmed);
        h.push('/');
        h.push_str(collection);
        ResourceId { head: Some(head(&h)), tail: Text::from(name) }
    }

    /// Whether this ID is exactly `{parent}/{collection}/{name}`, with case
    /// (the rule of [`is_child_id`], on the ID's own parts).
    pub fn is_child_of(&self, parent: &ResourceId, collection: &str, name: &str) -> bool {
        self.head.is_some_and(|h| {
            !name.is_empty()
                && self.tail == name
                && h.text
                    .strip_suffix(collection)
                    .and_then(|r| r.strip_suffix('/'))
                    .is_some_and(|p| parent.is_trimmed(p))
        })
    }

    /// Whether the ID, without its trailing `/`s, is exactly `s` (asked of
    /// a parent for every child of a list: not spelt out each time).
    fn is_trimmed(&self, s: &str) -> bool {
        match self.head {
            None => self.tail.trim_end_matches('/') == s,
            Some(h) if !self.tail.is_empty() => {
                let (head, rest) = s.split_at_checked(h.text.len()).unwrap_or(("", s));
                head == &*h.text && rest.strip_prefix('/') == Some(&*self.tail)
            }
            Some(h) => h.text.trim_end_matches('/') == s,
        }
    }
}

/// Whether `id` is exactly `{parent}/{collection}/{name}`.
pub(crate) fn is_child_id(id: &str, parent: &str, collection: &str, name: &str) -> bool {
    !name.is_empty()
        && id
            .strip_suffix(name)
            .and_then(|r| r.strip_suffix('/'))
            .is_some_and(|head| is_collection_of(head, parent, collection))
}

/// Whether `head` is exactly `{parent}/{collection}` (a parent spelt with
/// a trailing `/` counts without it).
fn is_collection_of(head: &str, parent: &str, collection: &str) -> bool {
    head.strip_suffix(collection).and_then(|r| r.strip_suffix('/')) == Some(parent.trim_end_matches('/'))
}

/// Deserialize `null` (or an absent field, with `#[serde(default)]`) as the
/// type's default.
pub fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Deserialize a list (`null` or an absent field, with `#[serde(default)]`,
/// as empty) into a vector of exactly its length: see [`ExactList`].
pub fn null_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<ExactList<T>>::deserialize(d)?.map_or_else(Vec::new, |l| l.0))
}

/// Deserialize a list into a vector of exactly its length (`null` is
/// rejected, as `Vec`'s own reader rejects it): see [`ExactList`].
pub fn exact_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(ExactList::deserialize(d)?.0)
}

/// A list read into a vector of exactly its length.
///
/// JSON does not say how long an array is. A vector pushed item by item
/// doubles: every item is copied once more for each doubling, up to half
/// of the room is left unused, and giving it back copies the items again
/// (a twelfth of `orphans --from`'s CPU on the large benchmark, with the
/// page faults of each new block). Here the items go into blocks that are
/// never copied while the list is read, and then once into a vector of the
/// exact size. What is accepted and rejected is what `Vec`'s own reader
/// accepts and rejects.
pub struct ExactList<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ExactList<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Items<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Items<T> {
            type Value = ExactList<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<ExactList<T>, A::Error> {
                // A stated length (a parsed value's) is trusted up to a
                // megabyte, as serde trusts it. Without one, an empty list
                // allocates nothing, as `Vec`'s reader does.
                let most = (1 << 20) / std::mem::size_of::<T>().max(1);
                let mut block: Vec<T> = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(most));
                let mut full: Vec<Vec<T>> = Vec::new();
                while let Some(item) = seq.next_element()? {
                    if block.len() == block.capacity() {
                        let next = Vec::with_capacity(block.capacity().saturating_mul(2).max(4));
                        let done = std::mem::replace(&mut block, next);
                        if !done.is_empty() {
                            full.push(done);
                        }
                    }
                    block.push(item);
                }
                if full.is_empty() {
                    block.shrink_to_fit();
                    return Ok(ExactList(block));
                }
                let len = full.iter().map(Vec::len).sum::<usize>() + block.len();
                let mut all = Vec::with_capacity(len);
                for b in full {
                    all.extend(b);
                }
                all.extend(block);
                Ok(ExactList(all))
            }
        }
        d.deserialize_seq(Items(std::marker::PhantomData))
    }
}

/// A whole number that may arrive as an integer, a float (`25.0`) or a
/// numeric string (`"25"`), as real ARM and IMDS responses do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Num(pub i64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for Num {
    /// Read as the token comes (178,000 numbers in a large snapshot went
    /// through a JSON value each first); what is refused, and how it is
    /// said, is as from that value (a test holds the two alike).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumVisitor)
    }
}

struct NumVisitor;

impl NumVisitor {
    /// Anything else is refused, spelt as JSON.
    fn refuse<E: serde::de::Error>(other: serde_json::Value) -> E {
        E::custom(format!("expected a number, got {other}"))
    }
}

impl<'de> serde::de::Visitor<'de> for NumVisitor {
    type Value = Num;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a whole number")
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Num, E> {
        Ok(Num(v))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Num, E> {
        Ok(Num(i64::try_from(v).unwrap_or(i64::MAX)))
    }
    fn visit_f64<E: serde::de::Error>(self, f: f64) -> Result<Num, E> {
        if !f.is_finite() {
            // A JSON value holds a number that is not finite as null.
            Err(Self::refuse(serde_json::Value::Null))
        } else if f.fract() == 0.0 {
            Ok(Num(f as i64))
        } else {
            Err(E::custom(format!("expected a whole number, got {f}")))
        }
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Num, E> {
        let t = s.trim();
        t.parse::<i64>()
            .ok()
            .or_else(|| t.parse::<f64>().ok().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .map(Num)
            .ok_or_else(|| E::custom(format!("expected a whole number, got \"{s}\"")))
    }
    fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Num, E> {
        Err(Self::refuse(serde_json::Value::Bool(b)))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Num, E> {
        Err(Self::refuse(serde_json::Value::Null))
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Num, E> {
        Err(Self::refuse(serde_json::Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Num, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Num, A::Error> {
        let v = serde_json::Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        Err(Self::refuse(v))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Num, A::Error> {
        let v = serde_json::Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        Err(Self::refuse(v))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    #[derive(Debug, serde::Deserialize)]
    struct Lists {
        #[serde(default, deserialize_with = "super::null_list")]
        a: Vec<String>,
    }

    /// What `Vec`'s own reader makes of a text, as the same text or error.
    fn by_vec(text: &str) -> Result<Vec<serde_json::Value>, String> {
        serde_json::from_str::<Vec<serde_json::Value>>(text).map_err(|e| e.to_string())
    }

    fn by_exact(text: &str) -> Result<Vec<serde_json::Value>, String> {
        serde_json::from_str::<super::ExactList<serde_json::Value>>(text).map(|l| l.0).map_err(|e| e.to_string())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]
        /// An exact list reads what `Vec` reads, item for item and in order,
        /// from text and from a parsed value, into a vector with no spare
        /// room; past every block boundary (4, 8, 16...) too.
        #[test]
        fn an_exact_list_reads_what_a_vec_reads(items in proptest::collection::vec(any::<i64>(), 0..700)) {
            let text = serde_json::to_string(&items).unwrap();
            let exact = serde_json::from_str::<super::ExactList<i64>>(&text).unwrap().0;
            prop_assert_eq!(&exact, &items);
            prop_assert_eq!(exact.capacity(), exact.len());
            let value = serde_json::Value::from(items.clone());
            let exact = serde_json::from_value::<super::ExactList<i64>>(value).unwrap().0;
            prop_assert_eq!(&exact, &items);
            prop_assert_eq!(exact.capacity(), exact.len());
        }
    }

    /// It fails where `Vec` fails, with the same error: a bad item, a cut
    /// text, something that is not a list.
    #[test]
    fn an_exact_list_rejects_what_a_vec_rejects() {
        for text in
            ["[1, 2,", "[1, 2] x", "{\"a\": 1}", "\"list\"", "null", "[1 2]", "[1, 2, 3, 4, 5, 6, 7, 8, 9,]", ""]
        {
            let (vec, exact) = (by_vec(text), by_exact(text));
            assert!(vec.is_err(), "{text}");
            assert_eq!(exact, vec, "{text}");
        }
        assert_eq!(by_exact("[]"), Ok(vec![]));
        let bad = serde_json::from_str::<super::ExactList<u8>>("[1, 2, 3, 4, 5, 300]")
            .map(|l| l.0)
            .map_err(|e| e.to_string());
        assert_eq!(bad, serde_json::from_str::<Vec<u8>>("[1, 2, 3, 4, 5, 300]").map_err(|e| e.to_string()));
        assert!(bad.is_err());
    }

    /// A list field that is `null` or absent is empty; any other non-list
    /// is an error.
    #[test]
    fn a_null_or_absent_list_is_empty() {
        let l: Lists = serde_json::from_str(r#"{"a": null}"#).unwrap();
        assert!(l.a.is_empty());
        let l: Lists = serde_json::from_str("{}").unwrap();
        assert!(l.a.is_empty());
        let l: Lists = serde_json::from_str(r#"{"a": ["x", "y", "z", "w", "v"]}"#).unwrap();
        assert_eq!(l.a, ["x", "y", "z", "w", "v"]);
        assert_eq!(l.a.capacity(), 5);
        let err = |t: &str| serde_json::from_str::<Lists>(t).map(|l| l.a).map_err(|e| e.to_string());
        #[derive(Debug, serde::Deserialize)]
        struct Before {
            #[serde(default, deserialize_with = "super::null_default")]
            a: Vec<String>,
        }
        let before = |t: &str| serde_json::from_str::<Before>(t).map(|l| l.a).map_err(|e| e.to_string());
        for t in [r#"{"a": "x"}"#, r#"{"a": 1}"#, r#"{"a": {}}"#, r#"{"a": ["x", 1]}"#, r#"{"a": []}"#] {
            assert_eq!(err(t), before(t), "{t}");
        }
        assert!(err(r#"{"a": "x"}"#).is_err());
    }

    /// A list's stated length (a parsed value's) is trusted only up to a
    /// megabyte of items; a longer list still reads whole, at its length.
    /// A bad item in a parsed value fails as it does for `Vec`.
    #[test]
    fn a_stated_length_is_trusted_only_so_far() {
        #[derive(Debug, PartialEq)]
        struct Big(u8, [u8; 8191]);
        impl<'de> serde::Deserialize<'de> for Big {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Big, D::Error> {
                Ok(Big(u8::deserialize(d)?, [0; 8191]))
            }
        }
        let items: Vec<u8> = (0..300).map(|i| (i % 251) as u8).collect();
        let l = serde_json::from_value::<super::ExactList<Big>>(serde_json::json!(items)).unwrap().0;
        assert_eq!(l.iter().map(|b| b.0).collect::<Vec<_>>(), items);
        assert_eq!(l.capacity(), 300);
        let bad = serde_json::json!([1, 2, "three"]);
        let exact =
            serde_json::from_value::<super::ExactList<i64>>(bad.clone()).map(|l| l.0).map_err(|e| e.to_string());
        assert_eq!(exact, serde_json::from_value::<Vec<i64>>(bad).map_err(|e| e.to_string()));
        assert!(exact.is_err());
        // An empty list from text allocates nothing.
        assert_eq!(serde_json::from_str::<super::ExactList<i64>>("[]").unwrap().0.capacity(), 0);
    }

    /// Resource Graph sends `"managedBy": ""` for an unattached disk (its
    /// documented orphaned-disk query is `where managedBy == ""`): that is
    /// "none", never an attachment to nothing.
    #[test]
    fn an_empty_managed_by_is_none() {
        let d: crate::models::Disk = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/disks/d", "managedBy": ""
        }))
        .unwrap();
        assert!(d.managed_by.is_none());
        let d: crate::models::Disk = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/disks/d", "managedBy": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm"
        }))
        .unwrap();
        assert!(d.managed_by.is_some());
    }

    use super::*;

    /// Eight bytes lower-cased at once are the bytes lower-cased one by
    /// one: every byte value, in every position, beside bytes around the
    /// letters' edges.
    #[test]
    fn a_word_lowers_as_its_bytes_do() {
        let around = [b'@', b'A', b'Z', b'[', b'`', b'a', b'z', 0xc1];
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut bytes = around;
                bytes.rotate_left(at);
                bytes[at] = b;
                let mut want = bytes;
                want.make_ascii_lowercase();
                assert_eq!(lower_word(u64::from_le_bytes(bytes)).to_le_bytes(), want, "{bytes:?}");
            }
        }
    }

    /// Fingerprints tell IDs apart as a table needs: 50,000 public IPs'
    /// names differing only in their hex digits, and IDs under ten
    /// thousand resource groups, all have fingerprints of their own, and a
    /// text differs from the same text with NUL bytes added.
    #[test]
    fn fingerprints_of_similar_ids_differ() {
        let head = "/subscriptions/5ab00000-0000-4000-8000-000000000000/resourceGroups";
        let mut seen = std::collections::HashSet::new();
        for i in 0..50_000u32 {
            let ip = format!("{head}/mc_rg/providers/Microsoft.Network/publicIPAddresses/kubernetes-a{i:031x}");
            assert!(seen.insert(ResourceId::new(&ip).lower().finish()), "{ip}");
        }
        for i in 0..10_000u32 {
            let rg = format!("{head}/rg-{i}");
            assert!(seen.insert(ResourceId::new(&rg).lower().finish()), "{rg}");
        }
        assert_ne!(fingerprint([b"abc".as_slice()]), fingerprint([b"abc\0".as_slice()]));
        assert_ne!(fingerprint([b"".as_slice()]), fingerprint([b"\0\0\0\0\0\0\0\0".as_slice()]));
    }

    /// Only an ID that is exactly `{parent}/{collection}/{name}` is
    /// forgotten, and `id_in` gives it back; one spelt in another case is
    /// kept as it came.
    #[test]
    fn a_derivable_child_id_is_forgotten_and_given_back() {
        let parent = ResourceId::new(
            "/subscriptions/s/resourceGroups/MC_x/providers/Microsoft.Network/networkSecurityGroups/nsg",
        );
        let child = |id: &str, name: &str| Child::<()> {
            id: Some(Box::new(ResourceId::new(id))),
            name: name.into(),
            properties: (),
        };
        let mut same = child(&format!("{parent}/securityRules/r1"), "r1");
        same.forget_derivable_id(&parent, "securityRules");
        assert!(same.id.is_none());
        assert_eq!(same.id_in(&parent, "securityRules").to_string(), format!("{parent}/securityRules/r1"));
        for (id, name) in [
            (format!("{parent}/securityRules/r2"), "r1"),
            (format!("{parent}/defaultSecurityRules/r1"), "r1"),
            (format!("{parent}/securityRules/r1/x"), "r1"),
            (format!("{parent}x/securityRules/r1"), "r1"),
            (format!("{parent}/securityRules/R1"), "r1"),
            (format!("{}/securityRules/r1", parent.key()), "r1"),
        ] {
            let mut other = child(&id, name);
            other.forget_derivable_id(&parent, "securityRules");
            assert_eq!(other.id.as_deref().map(ResourceId::to_string), Some(id.clone()), "{id}");
        }
    }

    /// Text is checked once, and a byte that is not UTF-8 is placed by line
    /// and column, as a JSON error is.
    #[test]
    fn text_that_is_not_utf8_is_placed_by_line_and_column() {
        assert_eq!(utf8(b"{\"a\": \"\xc3\xa9\"}"), Ok("{\"a\": \"\u{e9}\"}"));
        assert_eq!(utf8(b"\xff"), Err((1, 1)));
        assert_eq!(utf8(b"{\n  \"a\": \"x\xffy\"\n}"), Err((2, 10)));
        let e = crate::snapshot::Snapshot::from_json(b"{\"schema\": \"azaudit.snapshot/v1\",\n\"x\": \"\xc3\"}")
            .unwrap_err();
        assert_eq!(e, "not valid JSON at line 2, column 7: not UTF-8 text");
    }

    #[test]
    fn resource_ids_compare_case_insensitively() {
        let a =
            ResourceId::new("/subscriptions/S/resourceGroups/MC_rg/providers/Microsoft.Network/publicIPAddresses/ip");
        let b =
            ResourceId::new("/subscriptions/s/resourcegroups/mc_RG/providers/microsoft.network/publicipaddresses/IP");
        assert_eq!(a, b);
        let mut set = std::collections::HashSet::new();
        set.insert(a.clone());
        assert!(set.contains(&b));
        assert_eq!(a.resource_group(), Some("MC_rg"));
        assert_eq!(b.resource_group(), Some("mc_RG"));
        assert_eq!(a.subscription(), Some("S"));
        assert_eq!(a.name(), "ip");
    }

    /// IDs in one resource group and type share one copy of their head,
    /// and a child made from its parent shares the head of the same child
    /// read from the wire.
    #[test]
    fn ids_share_their_heads() {
        let rg = "/subscriptions/s/resourceGroups/MC_rg/providers/Microsoft.Network";
        let a = ResourceId::new(format!("{rg}/publicIPAddresses/a"));
        let b = ResourceId::new(format!("{rg}/publicIPAddresses/b"));
        let (Some(ha), Some(hb)) = (a.head, b.head) else { panic!("no heads") };
        assert!(std::ptr::eq(ha, hb));
        let lb = ResourceId::new(format!("{rg}/loadBalancers/kubernetes"));
        let fe = lb.child("frontendIPConfigurations", "fe1");
        let read: ResourceId =
            serde_json::from_str(&format!("\"{rg}/loadBalancers/kubernetes/frontendIPConfigurations/fe1\"")).unwrap();
        assert_eq!(fe, read);
        assert!(std::ptr::eq(fe.head.unwrap(), read.head.unwrap()));
        assert!(read.is_child_of(&lb, "frontendIPConfigurations", "fe1"));
        assert!(!read.is_child_of(&lb, "frontendIPConfigurations", "fe2"));
        assert!(!read.is_child_of(&lb, "probes", "fe1"));
        // With a trailing `/`, the child is spelt without a second one.
        let slash = ResourceId::new(format!("{lb}/"));
        assert_eq!(slash.child("probes", "p").to_string(), format!("{lb}/probes/p"));
        assert_eq!(slash.name(), "kubernetes");
        // An ID of one segment, or none, is its own name.
        assert_eq!(ResourceId::new("pip").name(), "pip");
        assert!(ResourceId::new("").is_empty());
        assert!(std::mem::size_of::<ResourceId>() <= 32, "{}", std::mem::size_of::<ResourceId>());
    }

    #[test]
    fn parent_of_a_sub_resource() {
        let fe = ResourceId::new(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/frontendIPConfigurations/fe",
        );
        assert_eq!(
            fe.parent().to_string(),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb"
        );
        assert!(fe.is_within("/subscriptions/S/resourceGroups/RG"));
        assert!(!fe.is_within("/subscriptions/s/resourceGroups/rg2"));
    }

    #[test]
    fn numbers_accept_ints_floats_and_strings() {
        let v: Vec<Num> = serde_json::from_str(r#"[1000, 1000.0, "1000", "25.0", -1]"#).unwrap();
        assert_eq!(v, vec![Num(1000), Num(1000), Num(1000), Num(25), Num(-1)]);
        assert!(serde_json::from_str::<Num>("1.5").is_err());
        assert!(serde_json::from_str::<Num>("\"many\"").is_err());
    }

    /// An ID's subscription and resource group as shared copies are the
    /// copies `shared` gives for its texts, wherever they lie in the ID.
    #[test]
    fn shared_scope_is_the_shared_copy_of_the_scope() {
        let ids = [
            "/subscriptions/S1/resourceGroups/RG/providers/Microsoft.Network/publicIPAddresses/ip",
            "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/frontendIPConfigurations/fe",
            "/subscriptions/s2/resourceGroups/rg2",
            "/subscriptions/s2/resourceGroups/",
            "/subscriptions/s3",
            "/subscriptions/",
            "/providers/Microsoft.Network/x",
            "ip",
            "",
        ];
        for id in ids {
            let rid = ResourceId::new(id);
            let same = |a: Option<Arc<str>>, b: Option<Arc<str>>| match (a, b) {
                (Some(a), Some(b)) => Arc::ptr_eq(&a, &b),
                (a, b) => a.is_none() && b.is_none(),
            };
            assert!(same(rid.shared_subscription(), rid.subscription().map(shared)), "{id}");
            assert!(same(rid.shared_resource_group(), rid.resource_group().map(shared)), "{id}");
        }
        assert_eq!(ResourceId::new(ids[1]).shared_resource_group().as_deref(), Some("rg"));
        assert_eq!(ResourceId::new(ids[2]).shared_resource_group().as_deref(), Some("rg2"));
        assert_eq!(ResourceId::new(ids[4]).shared_subscription().as_deref(), Some("s3"));
    }

    /// A number is read from its token as it was from a JSON value first:
    /// the same numbers, and the same errors where it is not one.
    #[test]
    fn numbers_are_read_as_from_a_json_value() {
        #[derive(Debug, PartialEq)]
        struct ByValue(Num);
        impl<'de> serde::Deserialize<'de> for ByValue {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                use serde::de::Error;
                let v = serde_json::Value::deserialize(d)?;
                let n = match &v {
                    serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                        (Some(i), _, _) => Num(i),
                        (_, Some(u), _) => Num(i64::try_from(u).unwrap_or(i64::MAX)),
                        (_, _, Some(f)) if f.is_finite() && f.fract() == 0.0 => Num(f as i64),
                        (_, _, Some(f)) => return Err(D::Error::custom(format!("expected a whole number, got {f}"))),
                        _ => return Err(D::Error::custom("expected a number")),
                    },
                    serde_json::Value::String(s) => {
                        let t = s.trim();
                        t.parse::<i64>()
                            .ok()
                            .or_else(|| t.parse::<f64>().ok().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                            .map(Num)
                            .ok_or_else(|| D::Error::custom(format!("expected a whole number, got \"{s}\"")))?
                    }
                    other => return Err(D::Error::custom(format!("expected a number, got {other}"))),
                };
                Ok(ByValue(n))
            }
        }
        let texts = [
            "0",
            "-0",
            "7",
            "-5",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551615",
            "-9223372036854775808",
            "25.0",
            "-0.0",
            "25.5",
            "1e3",
            "1.5e-3",
            "1e400",
            "-1e19",
            "3e19",
            r#""25""#,
            r#"" 7 ""#,
            r#""2.0""#,
            r#""2.5""#,
            r#""x""#,
            r#""""#,
            r#""1e2""#,
            r#""\u0037""#,
            "true",
            "false",
            "null",
            "[]",
            "[1, 2]",
            r#"{"a": 1}"#,
            "{}",
            "[1,",
            "\"open",
            "[1, [2, {\"k\": null}]]",
        ];
        for text in texts {
            // Alone, and inside a document (the error's place included).
            for doc in [text.to_string(), format!("[1, {text}, 2]"), format!("{{\"n\": {text}}}")] {
                let ours = serde_json::from_str::<Vec<Num>>(&doc)
                    .map(|v| v.into_iter().map(ByValue).collect::<Vec<_>>())
                    .or_else(|_| serde_json::from_str::<Num>(&doc).map(|n| vec![ByValue(n)]))
                    .or_else(|_| {
                        serde_json::from_str::<std::collections::BTreeMap<String, Num>>(&doc)
                            .map(|m| m.into_values().map(ByValue).collect())
                    })
                    .map_err(|e| e.to_string());
                let theirs = serde_json::from_str::<Vec<ByValue>>(&doc)
                    .or_else(|_| serde_json::from_str::<ByValue>(&doc).map(|n| vec![n]))
                    .or_else(|_| {
                        serde_json::from_str::<std::collections::BTreeMap<String, ByValue>>(&doc)
                            .map(|m| m.into_values().collect())
                    })
                    .map_err(|e| e.to_string());
                // The place differs: a value's error was placed where its
                // enclosing list or object ended, the token's is placed at
                // the token's end, which is where the fault is.
                let strip =
                    |r: Result<Vec<ByValue>, String>| r.map_err(|e| e.split(" at line ").next().map(String::from));
                assert_eq!(strip(ours), strip(theirs), "{doc}");
            }
        }
        let e = serde_json::from_str::<std::collections::BTreeMap<String, Num>>("{\"n\": 25.5, \"m\": 1}")
            .map_err(|e| e.to_string());
        assert_eq!(e, Err("expected a whole number, got 25.5 at line 1 column 10".to_string()));
    }

    #[test]
    fn tags_tolerate_null_and_match_names_case_insensitively() {
        let t: Tags = serde_json::from_str("null").unwrap();
        assert!(t.is_empty());
        let t: Tags = serde_json::from_str(r#"{"K8s-Azure-Service":"ns/a","n":5}"#).unwrap();
        assert_eq!(t.get("k8s-azure-service"), Some("ns/a"));
        assert_eq!(t.get("n"), Some("5"));
        // Any value is its JSON text, null empty; names sorted, the last of
        // a repeated name winning, as from the pairs.
        let text = r#"{"z": null, "b": 1.5, "a": "x", "b": [1, {"k": true}], "e\u0301": "\u00e9", "t": false}"#;
        let t: Tags = serde_json::from_str(text).unwrap();
        let want = Tags::from_pairs([
            ("z", ""),
            ("b", "1.5"),
            ("a", "x"),
            ("b", r#"[1,{"k":true}]"#),
            ("e\u{301}", "\u{e9}"),
            ("t", "false"),
        ]);
        assert_eq!(t, want);
        assert_eq!(t.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["a", "b", "e\u{301}", "t", "z"]);
        assert_eq!(serde_json::from_str::<Tags>("{}").unwrap(), Tags::default());
        assert!(serde_json::from_str::<Tags>("[1]").is_err());
    }
}
