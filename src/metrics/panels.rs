//! Every figure of a view in a few passes over the table, without gathering values.
//!
//! A filter change must redraw the dashboard of a million requests in a few tens of
//! milliseconds. Sums (requests, tokens, cost, quality signals, busy time) are additive, so
//! one pass in row order adds each selected row to its (model, application) cell, its time
//! bucket and its user. Exact percentiles are not additive: instead of copying each group's
//! latencies and selecting in them (a copy and about five passes over a million values per
//! grouping), [`Prepared`] keeps the rows in latency order, built once after load, and one
//! walk over that order counts each selected row into its groups (all, model, application,
//! bucket); a group's k-th smallest latency is the value at which its count reaches k. The
//! walk reads one tag per row and touches a value only at the few ranks asked for.

use arrow::array::{Array, Float64Array};

use super::latency::{bin_of, interpolate, rank_of, Histogram, LatencyStats, STATS_QS};
use super::totals::{Acc, QualitySums, Sums, Totals};
use crate::calendar::Zone;
use crate::ingest::time::US_PER_S;
use crate::metrics::series::{self, Series};
use crate::query::{ts_range, Buckets, Finder, View};
use crate::table::{tags_of, Cols, Groups, Table};

/// What every view of a loaded table needs and no view changes, built once after load.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// Model labels (the last one is `(none)`).
    pub models: Vec<String>,
    /// Application labels (the last one is `(none)`).
    pub apps: Vec<String>,
    /// Error type labels (the last one is `(none)`).
    pub error_types: Vec<String>,
    /// Feature labels (the last one is `(none)`).
    pub features: Vec<String>,
    /// Tag labels, sorted, then `(none)` for the requests without tags.
    pub tags: Vec<String>,
    /// The tags of each tag set (by `tags` column key, then one for no tags), as indexes
    /// into `tags`.
    tagset_tags: Vec<Vec<u32>>,
    /// The (model, application) pairs that occur, ascending, as label indexes.
    pub cells: Vec<(u32, u32)>,
    /// Each row's index into `cells`.
    cell_of_row: Vec<u32>,
    /// Rows with a latency, by latency.
    latency: Order,
    /// Rows with a time to first token, by it.
    ttft: Order,
    /// Sums per cell and time slot, when the table has few enough of them.
    cube: Option<Cube>,
    /// First and last timestamp of the table.
    pub ts_range: Option<(i64, i64)>,
    /// How the rows are ordered in time.
    ts_order: TsOrder,
    /// The longest latency, ms (0 without any).
    max_latency_ms: f64,
    /// Each user's rows, ascending: `user_rows[user_from[u]..user_from[u + 1]]` for the
    /// user key `u` (the top spenders' figures visit only their own rows).
    user_rows: Vec<u32>,
    user_from: Vec<u32>,
    /// The top spenders of the whole table (by user key): the same for every view that
    /// filters nothing, whatever its zone or buckets.
    whole_top: Option<Vec<(usize, Totals)>>,
}

/// No timestamp, in [`Order::ts`].
const NO_TS: i64 = i64::MIN;

/// Whether every row has a time and the rows are in time order. Exports are written in
/// time order (or newest first), and then the rows of a time range are one run of rows,
/// found by binary search instead of a pass over the table.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
enum TsOrder {
    Ascending,
    Descending,
    #[default]
    Unsorted,
}

impl TsOrder {
    fn of(t: &Table) -> TsOrder {
        let ts = t.ts.values();
        if t.ts.null_count() > 0 {
            TsOrder::Unsorted
        } else if ts.windows(2).all(|w| w[0] <= w[1]) {
            TsOrder::Ascending
        } else if ts.windows(2).all(|w| w[0] >= w[1]) {
            TsOrder::Descending
        } else {
            TsOrder::Unsorted
        }
    }
}

/// The rows that have a value in one column, ascending by it (IEEE total order, like the
/// percentiles' selection), with each one's cell and timestamp laid out in that order: a
/// walk over it reads memory front to back instead of jumping to each row (at a million
/// rows, the jumps cost ten times the walk).
#[derive(Debug, Clone, Default)]
struct Order {
    rows: Vec<u32>,
    cells: Vec<u32>,
    ts: Vec<i64>,
}

impl Order {
    fn of(t: &Table, col: &Float64Array, cell_of_row: &[u32]) -> Order {
        Order::of_rows(t, col, cell_of_row, 0..col.len())
    }

    /// The order of `rows` alone (ascending): the same as the whole order's, less the others.
    fn of_rows(
        t: &Table,
        col: &Float64Array,
        cell_of_row: &[u32],
        rows: impl Iterator<Item = usize>,
    ) -> Order {
        // Sorted by key, then row: comparing through the column would be a random read for
        // every comparison.
        let (keys, rows): (Vec<u64>, Vec<u32>) = rows
            .filter(|&i| col.is_valid(i))
            .map(|i| (total_order_key(col.value(i)), i as u32))
            .unzip();
        let rows = sort_rows_by_key(keys, rows);
        Order {
            cells: rows.iter().map(|&i| cell_of_row[i as usize]).collect(),
            ts: rows
                .iter()
                .map(|&i| {
                    let i = i as usize;
                    if t.ts.is_valid(i) {
                        t.ts.value(i)
                    } else {
                        NO_TS
                    }
                })
                .collect(),
            rows,
        }
    }
}

impl Prepared {
    /// Prepares `t` for views.
    pub fn of(t: &Table) -> Prepared {
        let (m, a) = (Groups::of(&t.model), Groups::of(&t.application));
        let na = a.labels.len();
        // Dense ids of the pairs that occur, numbered in (model, application) order so that
        // sums over cells add in the same order whatever the data's row order.
        let pair = |i: usize| u64::from(m.of_row(i)) * na as u64 + u64::from(a.of_row(i));
        let (present, cell_of_row) = dense_ids(
            (0..t.len()).map(pair).collect(),
            (m.labels.len() * na) as u64,
        );
        let (models, apps) = (m.labels, a.labels);
        let (tags, tagset_tags) = tag_sets(&t.tags);
        let na = na as u64;
        let mut p = Prepared {
            cells: present
                .iter()
                .map(|&p| ((p / na) as u32, (p % na) as u32))
                .collect(),
            features: Groups::labels_of(&t.feature),
            tags,
            tagset_tags,
            latency: Order::of(t, &t.latency_ms, &cell_of_row),
            ttft: Order::of(t, &t.ttft_ms, &cell_of_row),
            cell_of_row,
            models,
            apps,
            error_types: Groups::labels_of(&t.error_type),
            cube: None,
            ts_range: ts_range(t),
            ts_order: TsOrder::of(t),
            user_rows: Vec::new(),
            user_from: Vec::new(),
            whole_top: None,
            max_latency_ms: (0..t.len())
                .filter(|&i| t.latency_ms.is_valid(i))
                .map(|i| t.latency_ms.value(i))
                .fold(0.0, f64::max),
        };
        (p.user_from, p.user_rows) = rows_by_key(t.user_id.keys(), t.user_id.values().len());
        p.cube = Cube::of(t, &p);
        let whole = panels(t, &p, &View::default(), &Zone::utc(), None);
        p.whole_top = Some(top_users(t, &p, &whole));
        p
    }

    /// Whether the sums per cell and time slot were kept (see [`Cube`]).
    pub fn has_cube(&self) -> bool {
        self.cube.is_some()
    }

    /// Row `i`'s feature, as an index into `features`.
    fn feature_of(&self, t: &Table, i: usize) -> u32 {
        key_or(t.feature.keys(), i, self.features.len() - 1) as u32
    }

    /// Row `i`'s tag set, as an index into `tagset_tags`.
    fn tagset_of(&self, t: &Table, i: usize) -> u32 {
        key_or(t.tags.keys(), i, self.tagset_tags.len() - 1) as u32
    }

    /// The rows of `t` that start in `[a, b)` as one run of rows, when the rows are in time
    /// order; `None` otherwise.
    fn rows_in(&self, t: &Table, (a, b): (i64, i64)) -> Option<std::ops::Range<usize>> {
        let ts = t.ts.values();
        match self.ts_order {
            TsOrder::Ascending => {
                Some(ts.partition_point(|&x| x < a)..ts.partition_point(|&x| x < b))
            }
            TsOrder::Descending => {
                Some(ts.partition_point(|&x| x >= b)..ts.partition_point(|&x| x >= a))
            }
            TsOrder::Unsorted => None,
        }
    }

    /// The rows `rows_in` a view's time range, or every row.
    fn rows_of(&self, t: &Table, range: Option<(i64, i64)>) -> std::ops::Range<usize> {
        range.and_then(|r| self.rows_in(t, r)).unwrap_or(0..t.len())
    }

    /// The rows of user key `u`, ascending.
    pub fn rows_of_user(&self, u: usize) -> &[u32] {
        &self.user_rows[self.user_from[u] as usize..self.user_from[u + 1] as usize]
    }

    /// Labels of the models that occur, sorted.
    pub fn present_models(&self) -> Vec<String> {
        self.present(|&(m, _)| m, &self.models)
    }

    /// Labels of the applications that occur, sorted.
    pub fn present_apps(&self) -> Vec<String> {
        self.present(|&(_, a)| a, &self.apps)
    }

    fn present(&self, of: impl Fn(&(u32, u32)) -> u32, labels: &[String]) -> Vec<String> {
        let mut out: Vec<String> = self
            .cells
            .iter()
            .map(|c| labels[of(c) as usize].clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// `x`'s place in [`f64::total_cmp`]'s order, as an unsigned key: negatives have their
/// magnitude bits flipped, then the sign bit is flipped so that they come first.
fn total_order_key(x: f64) -> u64 {
    let b = x.to_bits();
    let flipped = b ^ (((b as i64 >> 63) as u64) >> 1);
    flipped ^ (1 << 63)
}

/// `rows` (ascending) in ascending order of their `keys`, rows of equal keys ascending.
/// A least-significant-digit radix sort on the keys' top 32 bits, a byte a pass, skipping
/// the bytes every key shares (a column's latencies share their top byte), carrying the
/// low 32 bits and the row as one word; then each run of equal top bits is sorted by that
/// word, which orders it by the low bits, then by row. The runs are short (the top bits
/// tell latencies apart to a millionth), so this costs three passes where sorting on every
/// byte cost seven. In wasm, at 1M rows, the sort of (key, row) pairs radix sorting
/// replaced was a fifth of a load's finish. (Spreading the pairs over 65,536 buckets by
/// their top bits and sorting each bucket alone took twice as long natively.)
fn sort_rows_by_key(keys: Vec<u64>, rows: Vec<u32>) -> Vec<u32> {
    let n = keys.len();
    if n < 256 {
        let mut pairs: Vec<(u64, u32)> = keys.into_iter().zip(rows).collect();
        pairs.sort_unstable();
        return pairs.into_iter().map(|(_, r)| r).collect();
    }
    let mut high: Vec<u32> = keys.iter().map(|&k| (k >> 32) as u32).collect();
    // The low bits above the row: sorting these words orders by low bits, then row.
    let mut words: Vec<u64> = keys
        .iter()
        .zip(&rows)
        .map(|(&k, &r)| (k << 32) | u64::from(r))
        .collect();
    drop((keys, rows));
    // Every byte's counts in one pass.
    let mut counts = vec![[0u32; 256]; 4];
    for &h in &high {
        for (d, c) in counts.iter_mut().enumerate() {
            c[(h >> (8 * d)) as usize & 0xff] += 1;
        }
    }
    let (mut high2, mut words2) = (vec![0u32; n], vec![0u64; n]);
    for (d, c) in counts.iter().enumerate() {
        if c.iter().any(|&x| x as usize == n) {
            continue;
        }
        let mut at = [0u32; 256];
        let mut sum = 0;
        for (a, &x) in at.iter_mut().zip(c) {
            *a = sum;
            sum += x;
        }
        // Stable: each byte value's entries keep their order.
        for (&h, &w) in high.iter().zip(&words) {
            let v = (h >> (8 * d)) as usize & 0xff;
            let p = at[v] as usize;
            high2[p] = h;
            words2[p] = w;
            at[v] += 1;
        }
        std::mem::swap(&mut high, &mut high2);
        std::mem::swap(&mut words, &mut words2);
    }
    drop((high2, words2));
    let mut from = 0;
    for i in 1..=n {
        if i == n || high[i] != high[from] {
            if i - from > 1 {
                words[from..i].sort_unstable();
            }
            from = i;
        }
    }
    words.into_iter().map(|w| w as u32).collect()
}

/// Sums per (cell, time slot), so that a view without a time range adds up a few thousand
/// slots instead of a million rows. Slots are 1, 5 or 15 minutes, or an hour, on the UTC
/// clock: every zone's offset today is a multiple of 15 minutes, so each of its buckets of a
/// minute or more is made of whole slots up to 15 minutes (checked per view).
#[derive(Debug, Clone, Default)]
struct Cube {
    slot_us: i64,
    /// Per cell: the sums of its rows, in row order (as the row pass adds them).
    sums: Vec<Sums>,
    /// Per cell × error type: failed requests.
    errors: Vec<u64>,
    /// Per cell × [`Distribution`] × histogram bin: requests.
    bins: Vec<u64>,
    /// Per cell: first and last timestamp.
    range: Vec<Option<(i64, i64)>>,
    /// Per cell, its slots with requests or running time, as (slot number, sums):
    /// `slots[slot_from[c]..slot_from[c + 1]]`.
    slot_from: Vec<usize>,
    slots: Vec<(i64, BucketSums)>,
    /// Per cell, its users as (user key, requests, cost): `users[user_from[c]..]`.
    user_from: Vec<usize>,
    users: Vec<(u32, u64, f64)>,
    /// Rows whose running time is not in the slots (it runs past the last slot, or over
    /// more than [`MAX_SPREAD`] slots): spread over a view's buckets when asked.
    tail: Vec<u32>,
    /// Sums per cell and feature, and per cell and tag set.
    features: Keyed,
    tagsets: Keyed,
}

/// Sums per (cell, key) for the pairs that occur: `items[from[c]..from[c + 1]]` are cell
/// `c`'s, as (key, sums) by key.
#[derive(Debug, Clone, Default)]
struct Keyed {
    from: Vec<usize>,
    items: Vec<(u32, Sums)>,
}

impl Keyed {
    /// The sums of every row of `t` per its cell and `key(row)` (below `n`).
    /// (`cell_sums` are each cell's sums: those of the one key when `n` is 1.)
    fn of(
        t: &Table,
        p: &Prepared,
        key: impl Fn(usize) -> u32,
        n: usize,
        cell_sums: &[Sums],
    ) -> Keyed {
        if n == 1 {
            // No feature or no tags at all: the cells' own sums, without the per-row ids
            // and sorts below.
            return Keyed {
                from: (0..=p.cells.len()).collect(),
                items: cell_sums.iter().map(|s| (0, s.clone())).collect(),
            };
        }
        let pair = |i: usize| u64::from(p.cell_of_row[i]) * n as u64 + u64::from(key(i));
        let (present, id) = dense_ids((0..t.len()).map(pair).collect(), (p.cells.len() * n) as u64);
        let all: Vec<u32> = (0..t.len() as u32).collect();
        let mut from = vec![0usize; p.cells.len() + 1];
        // Ids ascend with (cell, key): the sums come grouped by cell.
        let items = sums_by_key(t, &all, |i| id[i], present.len())
            .into_iter()
            .map(|(d, s)| {
                let pk = present[d as usize];
                from[(pk / n as u64) as usize + 1] += 1;
                ((pk % n as u64) as u32, s)
            })
            .collect();
        for c in 0..p.cells.len() {
            from[c + 1] += from[c];
        }
        Keyed { from, items }
    }

    fn of_cell(&self, c: usize) -> &[(u32, Sums)] {
        &self.items[self.from[c]..self.from[c + 1]]
    }
}

/// At most this many slots hold one request's running time; a longer one goes in the tail.
const MAX_SPREAD: i64 = 64;

impl Cube {
    /// The cube of `t`, or `None` when it would not be much smaller than the rows.
    fn of(t: &Table, p: &Prepared) -> Option<Cube> {
        let (min, max) = p.ts_range?;
        let span = max - min;
        let slot_us = [60, 300, 900, 3_600]
            .into_iter()
            .map(|s| s * US_PER_S)
            .find(|s| span / s < 4_096)?;
        let first = min.div_euclid(slot_us);
        let n_slots = (max.div_euclid(slot_us) - first + 1) as usize;
        let n_cells = p.cells.len();
        if n_cells * n_slots > (t.len() / 8).max(65_536) {
            return None;
        }
        let ne = p.error_types.len();
        let per_cell = DISTRIBUTIONS * Histogram::BINS;
        let mut c = Cube {
            slot_us,
            sums: vec![Sums::default(); n_cells],
            errors: vec![0; n_cells * ne],
            bins: vec![0; n_cells * DISTRIBUTIONS * Histogram::BINS],
            range: vec![None; n_cells],
            ..Cube::default()
        };
        // The slots with requests or running time, in the order they are first touched
        // (`.0` is first their place in cell-major order), found through `at`: a dense
        // array of sums per cell and slot would hold every empty slot too.
        let mut at = vec![u32::MAX; n_cells * n_slots];
        fn slot<'a>(
            at: &mut [u32],
            slots: &'a mut Vec<(i64, BucketSums)>,
            pos: usize,
        ) -> &'a mut BucketSums {
            if at[pos] == u32::MAX {
                at[pos] = slots.len() as u32;
                slots.push((pos as i64, BucketSums::default()));
            }
            &mut slots[at[pos] as usize].1
        }
        let has_quality = QualitySums::any(t);
        let end = (first + n_slots as i64) * slot_us;
        let cols = t.cols();
        let (mut slot_start, mut slot_k) = (i64::MIN, 0);
        for (i, &cell) in p.cell_of_row.iter().enumerate() {
            let cell = cell as usize;
            c.sums[cell].add(&cols, i);
            if cols.error(i) {
                let e = cols.error_type.get(i).map_or(ne - 1, |k| k as usize);
                c.errors[cell * ne + e] += 1;
            }
            count_bins(
                &mut c.bins[cell * per_cell..(cell + 1) * per_cell],
                &cols,
                i,
            );
            let Some(ts) = cols.ts.get(i) else { continue };
            c.range[cell] = Some(c.range[cell].map_or((ts, ts), |(a, b)| (a.min(ts), b.max(ts))));
            // The last row's slot, when this row is in it too (rows mostly come in time
            // order): a 64-bit division per row cost more than the rest of the row's sums.
            if ts.wrapping_sub(slot_start) as u64 >= slot_us as u64 {
                slot_k = (ts.div_euclid(slot_us) - first) as usize;
                slot_start = (first + slot_k as i64) * slot_us;
            }
            let k = slot_k;
            let latency = cols.latency_ms.get(i);
            slot(&mut at, &mut c.slots, cell * n_slots + k).add_row(&cols, i, latency, has_quality);
            if let Some(l) = latency {
                let end_of = ts as f64 + l * 1000.0;
                if end_of > end as f64
                    || end_of > ((first + k as i64 + MAX_SPREAD) * slot_us) as f64
                {
                    c.tail.push(i as u32);
                    continue;
                }
                let mut from = ts;
                let mut j = k;
                while (from as f64) < end_of {
                    let edge = (first + j as i64 + 1) * slot_us;
                    slot(&mut at, &mut c.slots, cell * n_slots + j).busy_us +=
                        end_of.min(edge as f64) - from as f64;
                    from = edge;
                    j += 1;
                }
            }
        }
        // Into cell-major order. `at` lists the slots in that order, so each slot's place
        // is known and a cycle walk moves it there: sorting the slots (large items) was 5%
        // of a load's finish.
        c.slot_from = vec![0; n_cells + 1];
        let mut dest = vec![0u32; c.slots.len()];
        let mut rank = 0;
        for (pos, &k) in at.iter().enumerate() {
            if k != u32::MAX {
                dest[k as usize] = rank;
                rank += 1;
                c.slot_from[pos / n_slots + 1] += 1;
                c.slots[k as usize].0 = first + (pos % n_slots) as i64;
            }
        }
        drop(at);
        for i in 0..dest.len() {
            while dest[i] as usize != i {
                let d = dest[i] as usize;
                c.slots.swap(i, d);
                dest.swap(i, d);
            }
        }
        for cell in 0..n_cells {
            c.slot_from[cell + 1] += c.slot_from[cell];
        }
        // Each user's requests and cost per cell, added in row order (as the row pass adds
        // them): (cell, user, requests, cost), ascending by cell then user.
        let n_users = p.user_from.len().saturating_sub(1);
        let users: Vec<(u32, u32, u64, f64)> = if n_cells * n_users <= (t.len() / 4).max(1 << 16) {
            // A table of every (cell, user), filled by one pass over the rows: the rows of
            // one user are spread over the file, and reading them user by user missed the
            // cache on every row (a third of preparing a million records).
            let mut per: Vec<(u64, f64)> = vec![(0, 0.0); n_cells * n_users];
            let user_keys = t.user_id.keys();
            for i in 0..t.len() {
                if !user_keys.is_valid(i) {
                    continue;
                }
                let at = p.cell_of_row[i] as usize * n_users + user_keys.value(i) as usize;
                let e = &mut per[at];
                e.0 += 1;
                if t.cost_usd.is_valid(i) {
                    e.1 += t.cost_usd.value(i);
                }
            }
            per.into_iter()
                .enumerate()
                .filter(|(_, (n, _))| *n > 0)
                .map(|(at, (n, cost))| ((at / n_users) as u32, (at % n_users) as u32, n, cost))
                .collect()
        } else {
            // Too many users for such a table: each user's own rows, in row order.
            let mut users = Vec::new();
            let mut per_cell: Vec<(u64, f64)> = vec![(0, 0.0); n_cells];
            let mut cells_seen: Vec<u32> = Vec::new();
            for u in 0..n_users {
                for &i in p.rows_of_user(u) {
                    let (i, cell) = (i as usize, p.cell_of_row[i as usize]);
                    let e = &mut per_cell[cell as usize];
                    if e.0 == 0 {
                        cells_seen.push(cell);
                    }
                    e.0 += 1;
                    if t.cost_usd.is_valid(i) {
                        e.1 += t.cost_usd.value(i);
                    }
                }
                for cell in cells_seen.drain(..) {
                    let (n, cost) = std::mem::take(&mut per_cell[cell as usize]);
                    users.push((cell, u as u32, n, cost));
                }
            }
            users.sort_by_key(|u| (u.0, u.1));
            users
        };
        c.user_from = vec![0; n_cells + 1];
        for u in &users {
            c.user_from[u.0 as usize + 1] += 1;
        }
        for k in 0..n_cells {
            c.user_from[k + 1] += c.user_from[k];
        }
        c.users = users
            .into_iter()
            .map(|(_, u, n, cost)| (u, n, cost))
            .collect();
        c.features = Keyed::of(t, p, |i| p.feature_of(t, i), p.features.len(), &c.sums);
        c.tagsets = Keyed::of(t, p, |i| p.tagset_of(t, i), p.tagset_tags.len(), &c.sums);
        Some(c)
    }

    /// Whether every bucket of `b` is made of whole slots.
    fn fits(&self, b: &Buckets) -> bool {
        (0..=b.count).all(|k| b.start(k).rem_euclid(self.slot_us) == 0)
    }
}

/// The rows of each of `n` keys, ascending, by a counting sort: (start of each key's rows,
/// then the end, in `rows`), rows.
fn rows_by_key(keys: &arrow::array::UInt32Array, n: usize) -> (Vec<u32>, Vec<u32>) {
    let mut from = vec![0u32; n + 1];
    for k in keys.iter().flatten() {
        from[k as usize + 1] += 1;
    }
    for k in 0..n {
        from[k + 1] += from[k];
    }
    let mut next = from.clone();
    let mut rows = vec![0u32; from[n] as usize];
    for (i, k) in keys.iter().enumerate() {
        if let Some(k) = k {
            rows[next[k as usize] as usize] = i as u32;
            next[k as usize] += 1;
        }
    }
    (from, rows)
}

/// Dense ids of the keys that occur among `keys` (each below `all`), numbered in ascending
/// key order: (the keys that occur, each row's id).
fn dense_ids(keys: Vec<u64>, all: u64) -> (Vec<u64>, Vec<u32>) {
    let mut ids = keys;
    let present: Vec<u64> = if all <= 4 * ids.len().max(1) as u64 {
        // Few enough possible keys to number through a table of them.
        let mut id = vec![u32::MAX; all as usize];
        for &k in &ids {
            id[k as usize] = 0;
        }
        let present: Vec<u64> = (0..all).filter(|&k| id[k as usize] == 0).collect();
        for (n, &k) in present.iter().enumerate() {
            id[k as usize] = n as u32;
        }
        for k in &mut ids {
            *k = u64::from(id[*k as usize]);
        }
        present
    } else {
        let mut present = ids.clone();
        present.sort_unstable();
        present.dedup();
        for k in &mut ids {
            *k = present.binary_search(k).unwrap_or(0) as u64;
        }
        present
    };
    (present, ids.into_iter().map(|k| k as u32).collect())
}

/// The distinct tags of a `tags` column, sorted, then `(none)`; and each tag set's tags
/// (by key, then the empty set as `(none)`).
fn tag_sets(col: &crate::table::DictColumn) -> (Vec<String>, Vec<Vec<u32>>) {
    let sets = Groups::labels_of(col);
    let (sets, none) = sets.split_at(sets.len() - 1);
    let mut tags: Vec<String> = sets
        .iter()
        .flat_map(|s| tags_of(s))
        .map(str::to_string)
        .collect();
    tags.sort_unstable();
    tags.dedup();
    let index = |tag: &str| tags.binary_search_by(|t| t.as_str().cmp(tag)).unwrap_or(0) as u32;
    let mut of_set: Vec<Vec<u32>> = sets
        .iter()
        .map(|s| tags_of(s).map(index).collect())
        .collect();
    of_set.push(vec![tags.len() as u32]);
    tags.extend(none.iter().cloned());
    (tags, of_set)
}

/// Sums of `rows` (ascending) grouped by `key(row)` (below `n`): (key, sums) for each key
/// that occurs, ascending. A group's rows are added in row order a column at a time, so
/// the sums equal a row pass's.
fn sums_by_key(t: &Table, rows: &[u32], key: impl Fn(usize) -> u32, n: usize) -> Vec<(u32, Sums)> {
    let keys: Vec<u32> = rows.iter().map(|&i| key(i as usize)).collect();
    let mut from = vec![0u32; n + 1];
    for &k in &keys {
        from[k as usize + 1] += 1;
    }
    for k in 0..n {
        from[k + 1] += from[k];
    }
    let mut next = from.clone();
    let mut sorted = vec![0u32; rows.len()];
    for (&i, &k) in rows.iter().zip(&keys) {
        sorted[next[k as usize] as usize] = i;
        next[k as usize] += 1;
    }
    (0..n)
        .filter(|&k| from[k] < from[k + 1])
        .map(|k| {
            let mut s = Sums::default();
            s.add_rows(t, &sorted[from[k] as usize..from[k + 1] as usize]);
            (k as u32, s)
        })
        .collect()
}

/// Adds `s` to the sums of `key` in `acc`; `at` maps keys to their place in `acc`.
fn merge_keyed(acc: &mut Vec<(u32, Sums)>, at: &mut [u32], key: u32, s: &Sums) {
    let k = key as usize;
    if at[k] == u32::MAX {
        at[k] = acc.len() as u32;
        acc.push((key, Sums::default()));
    }
    acc[at[k] as usize].1.merge(s);
}

/// The dictionary key of row `i`, or `none` when it has no value.
fn key_or(keys: &arrow::array::UInt32Array, i: usize, none: usize) -> usize {
    if keys.is_valid(i) {
        keys.value(i) as usize
    } else {
        none
    }
}

/// TTFT quantiles drawn per bucket.
const TTFT_QS: [f64; 2] = [0.5, 0.95];

/// Exact quantiles of many groups from one walk over values in ascending order: each
/// group knows its size, hence the ranks it needs, and keeps the value at each.
struct RankWalk {
    /// Per group: values seen so far and the next rank wanted (`u32::MAX`: none left).
    seen: Vec<(u32, u32)>,
    /// Per group: the ranks wanted, ascending, and the values found at them.
    wanted: Vec<Vec<u32>>,
    found: Vec<Vec<f64>>,
    sizes: Vec<u64>,
}

/// The ranks (0-based) that linear interpolation between closest ranks reads for `qs` in
/// `n` values, as [`crate::metrics::latency::quantiles`] computes them.
fn ranks_for(n: u64, qs: &[f64]) -> Vec<u32> {
    if n == 0 {
        return Vec::new();
    }
    let mut r: Vec<u32> = qs
        .iter()
        .flat_map(|&q| {
            let (lo, hi, _) = rank_of(q, n as usize);
            [lo as u32, hi as u32]
        })
        .collect();
    r.sort_unstable();
    r.dedup();
    r
}

impl RankWalk {
    fn new(sizes: Vec<u64>, qs_of: impl Fn(usize) -> &'static [f64]) -> RankWalk {
        let wanted: Vec<Vec<u32>> = sizes
            .iter()
            .enumerate()
            .map(|(g, &n)| ranks_for(n, qs_of(g)))
            .collect();
        RankWalk {
            seen: wanted
                .iter()
                .map(|w| (0, w.first().copied().unwrap_or(u32::MAX)))
                .collect(),
            found: wanted.iter().map(|w| Vec::with_capacity(w.len())).collect(),
            wanted,
            sizes,
        }
    }

    /// Counts the next value of group `g` (values come in ascending order).
    #[inline(always)]
    fn count(&mut self, g: usize, value: impl Fn() -> f64) {
        let (seen, next) = self.seen[g];
        if seen == next {
            self.keep(g, value());
        }
        self.seen[g].0 = seen + 1;
    }

    /// Keeps the value at a wanted rank of group `g`: rare, so out of the walk's loop.
    #[cold]
    #[inline(never)]
    fn keep(&mut self, g: usize, value: f64) {
        let found = &mut self.found[g];
        found.push(value);
        self.seen[g].1 = self.wanted[g].get(found.len()).copied().unwrap_or(u32::MAX);
    }

    /// The `qs` quantiles of group `g` (`qs` among those it was built for).
    fn quantiles(&self, g: usize, qs: &[f64]) -> Vec<Option<f64>> {
        let n = self.sizes[g] as usize;
        let at = |r: usize| {
            let k = self.wanted[g].binary_search(&(r as u32)).unwrap_or(0);
            self.found[g].get(k).copied().unwrap_or(f64::NAN)
        };
        qs.iter()
            .map(|&q| {
                (n > 0).then(|| {
                    let (lo, hi, rank) = rank_of(q, n);
                    interpolate(lo, hi, rank, at(lo), at(hi))
                })
            })
            .collect()
    }

    /// A group's [`LatencyStats`], its mean from the sum of its values.
    fn stats(&self, g: usize, sum: f64) -> LatencyStats {
        let n = self.sizes[g];
        if n == 0 {
            return LatencyStats::default();
        }
        LatencyStats::from_quantiles(&self.quantiles(g, &STATS_QS), sum / n as f64)
    }
}

/// The sums of one time bucket (or slot).
#[derive(Debug, Clone, Default)]
struct BucketSums {
    requests: u64,
    errors: u64,
    input_tokens: u64,
    output_tokens: u64,
    cost: Option<f64>,
    busy_us: f64,
    latency_sum: f64,
    latency_count: u64,
    ttft_count: u64,
    /// Boxed, and only when the table has a quality signal: the cube holds a slot per
    /// cell and slot with requests, and most exports have no quality signal, so a
    /// quality sum in each would be most of the cube.
    quality: Option<Box<QualitySums>>,
}

impl BucketSums {
    /// Adds row `i` (its latency given), all but its running time; its quality signals
    /// when `quality` (the table has some).
    #[inline(always)]
    fn add_row(&mut self, c: &Cols, i: usize, latency: Option<f64>, quality: bool) {
        if quality {
            self.quality.get_or_insert_default().add_row(c, i);
        }
        self.requests += 1;
        self.errors += u64::from(c.error(i));
        if let Some(x) = c.input_tokens.get(i) {
            self.input_tokens += u64::from(x);
        }
        if let Some(x) = c.output_tokens.get(i) {
            self.output_tokens += u64::from(x);
        }
        if let Some(x) = c.cost_usd.get(i) {
            *self.cost.get_or_insert(0.0) += x;
        }
        if c.ttft_ms.get(i).is_some() {
            self.ttft_count += 1;
        }
        if let Some(l) = latency {
            self.latency_sum += l;
            self.latency_count += 1;
        }
    }

    fn merge(&mut self, o: &BucketSums) {
        self.requests += o.requests;
        self.errors += o.errors;
        self.input_tokens += o.input_tokens;
        self.output_tokens += o.output_tokens;
        if let Some(c) = o.cost {
            *self.cost.get_or_insert(0.0) += c;
        }
        self.busy_us += o.busy_us;
        self.latency_sum += o.latency_sum;
        self.latency_count += o.latency_count;
        self.ttft_count += o.ttft_count;
        if let Some(q) = &o.quality {
            self.quality.get_or_insert_default().merge(q);
        }
    }
}

/// Adds a request's running time from `ts` to the buckets it overlaps, from its own (`k`)
/// to the end of the axis.
fn spread(bs: &mut [BucketSums], b: &Buckets, k: usize, ts: i64, latency: f64) {
    series::spread(b, k, ts, latency, |j, us| bs[j].busy_us += us);
}

/// Which rows a view keeps.
struct Selection {
    keep_cell: Vec<bool>,
    range: Option<(i64, i64)>,
}

impl Selection {
    fn of(p: &Prepared, view: &View) -> Selection {
        // Which labels a filter keeps; every one when it names none.
        let keep = |labels: &[String], wanted: &[String]| -> Vec<bool> {
            labels
                .iter()
                .map(|l| wanted.is_empty() || wanted.contains(l))
                .collect()
        };
        let keep_model = keep(&p.models, &view.models);
        let keep_app = keep(&p.apps, &view.applications);
        Selection {
            keep_cell: p
                .cells
                .iter()
                .map(|&(m, a)| keep_model[m as usize] && keep_app[a as usize])
                .collect(),
            range: view.range_us(),
        }
    }

    /// Whether a row of cell `c` starting at `ts` ([`NO_TS`]: none) is in the view. A time
    /// range leaves out requests without a time.
    #[inline(always)]
    fn keeps(&self, c: u32, ts: i64) -> bool {
        self.keep_cell[c as usize]
            && self
                .range
                .is_none_or(|(a, b)| ts != NO_TS && a <= ts && ts < b)
    }
}

/// The per-request distributions drawn as histograms, in the order their bins are kept.
#[derive(Clone, Copy)]
enum Distribution {
    Latency,
    Ttft,
    InputTokens,
    OutputTokens,
}

/// How many [`Distribution`]s there are.
const DISTRIBUTIONS: usize = 4;

/// Counts row `i` in the bins of each distribution it has a value of: `bins` holds
/// [`DISTRIBUTIONS`] runs of [`Histogram::BINS`].
#[inline(always)]
fn count_bins(bins: &mut [u64], c: &Cols, i: usize) {
    let at = |d: Distribution, x: f64| d as usize * Histogram::BINS + bin_of(x);
    if let Some(x) = c.latency_ms.get(i) {
        bins[at(Distribution::Latency, x)] += 1;
    }
    if let Some(x) = c.ttft_ms.get(i) {
        bins[at(Distribution::Ttft, x)] += 1;
    }
    if let Some(x) = c.input_tokens.get(i) {
        bins[at(Distribution::InputTokens, f64::from(x))] += 1;
    }
    if let Some(x) = c.output_tokens.get(i) {
        bins[at(Distribution::OutputTokens, f64::from(x))] += 1;
    }
}

/// The additive figures of a view, from the rows or from the cube.
struct Gathered {
    cells: Vec<Sums>,
    cell_errors: Vec<u64>,
    buckets: Vec<BucketSums>,
    user_requests: Vec<u64>,
    user_cost: Vec<f64>,
    users: u64,
    /// Per [`Distribution`] × histogram bin: requests.
    bins: Vec<u64>,
    range: Option<(i64, i64)>,
    /// (feature, sums) and (tag set, sums) of the features and tag sets that occur.
    features: Vec<(u32, Sums)>,
    tagsets: Vec<(u32, Sums)>,
    /// The rows in the view, ascending, when they were visited one by one.
    kept: Option<Vec<u32>>,
}

impl Gathered {
    fn new(t: &Table, p: &Prepared, nb: usize) -> Gathered {
        let nu = t.user_id.values().len();
        Gathered {
            cells: vec![Sums::default(); p.cells.len()],
            cell_errors: vec![0; p.cells.len() * p.error_types.len()],
            buckets: vec![BucketSums::default(); nb],
            user_requests: vec![0; nu],
            user_cost: vec![0.0; nu],
            users: 0,
            bins: vec![0; DISTRIBUTIONS * Histogram::BINS],
            range: None,
            features: Vec::new(),
            tagsets: Vec::new(),
            kept: None,
        }
    }

    fn bins_of(&self, d: Distribution) -> &[u64] {
        let k = d as usize * Histogram::BINS;
        &self.bins[k..k + Histogram::BINS]
    }

    fn widen(&mut self, r: Option<(i64, i64)>) {
        if let Some((a, b)) = r {
            self.range = Some(self.range.map_or((a, b), |(x, y)| (x.min(a), y.max(b))));
        }
    }
}

/// The view's sums from a pass over every row.
fn from_rows(t: &Table, p: &Prepared, sel: &Selection, buckets: Option<&Buckets>) -> Gathered {
    let mut g = Gathered::new(t, p, buckets.map_or(0, |b| b.count));
    let ne = p.error_types.len();
    let mut user_seen = vec![false; g.user_requests.len()];
    let mut kept: Vec<u32> = Vec::new();
    let has_quality = QualitySums::any(t);
    let cols = t.cols();
    let finder = buckets.map(Finder::new);
    for i in p.rows_of(t, sel.range) {
        let c = p.cell_of_row[i];
        let ts = cols.ts.get(i).unwrap_or(NO_TS);
        if !sel.keeps(c, ts) {
            continue;
        }
        kept.push(i as u32);
        let c = c as usize;
        g.cells[c].add(&cols, i);
        if cols.error(i) {
            let e = cols.error_type.get(i).map_or(ne - 1, |k| k as usize);
            g.cell_errors[c * ne + e] += 1;
        }
        if let Some(u) = cols.user_id.get(i) {
            let u = u as usize;
            g.user_requests[u] += 1;
            if let Some(x) = cols.cost_usd.get(i) {
                g.user_cost[u] += x;
            }
            g.users += u64::from(!user_seen[u]);
            user_seen[u] = true;
        }
        let latency = cols.latency_ms.get(i);
        count_bins(&mut g.bins, &cols, i);
        if ts == NO_TS {
            continue;
        }
        g.widen(Some((ts, ts)));
        let (Some(b), Some(f)) = (buckets, &finder) else {
            continue;
        };
        let Some(k) = f.index(ts) else { continue };
        g.buckets[k].add_row(&cols, i, latency, has_quality);
        if let Some(l) = latency {
            spread(&mut g.buckets, b, k, ts, l);
        }
    }
    g.features = sums_by_key(t, &kept, |i| p.feature_of(t, i), p.features.len());
    g.tagsets = sums_by_key(t, &kept, |i| p.tagset_of(t, i), p.tagset_tags.len());
    g.kept = Some(kept);
    g
}

/// The view's sums from the cube (a view without a time range, buckets of whole slots).
fn from_cube(t: &Table, p: &Prepared, c: &Cube, sel: &Selection, b: Option<&Buckets>) -> Gathered {
    let mut g = Gathered::new(t, p, b.map_or(0, |b| b.count));
    let (ne, per_cell) = (p.error_types.len(), DISTRIBUTIONS * Histogram::BINS);
    let mut user_seen = vec![false; g.user_requests.len()];
    let mut feature_at = vec![u32::MAX; p.features.len()];
    let mut tagset_at = vec![u32::MAX; p.tagset_tags.len()];
    for cell in (0..p.cells.len()).filter(|&k| sel.keep_cell[k]) {
        for (k, s) in c.features.of_cell(cell) {
            merge_keyed(&mut g.features, &mut feature_at, *k, s);
        }
        for (k, s) in c.tagsets.of_cell(cell) {
            merge_keyed(&mut g.tagsets, &mut tagset_at, *k, s);
        }
        g.cells[cell] = c.sums[cell].clone();
        g.cell_errors[cell * ne..(cell + 1) * ne]
            .copy_from_slice(&c.errors[cell * ne..(cell + 1) * ne]);
        for (x, y) in g.bins.iter_mut().zip(&c.bins[cell * per_cell..]) {
            *x += y;
        }
        g.widen(c.range[cell]);
        for &(u, n, cost) in &c.users[c.user_from[cell]..c.user_from[cell + 1]] {
            let u = u as usize;
            g.user_requests[u] += n;
            g.user_cost[u] += cost;
            g.users += u64::from(!user_seen[u]);
            user_seen[u] = true;
        }
        let Some(b) = b else { continue };
        for (slot, s) in &c.slots[c.slot_from[cell]..c.slot_from[cell + 1]] {
            if let Some(k) = b.index(slot * c.slot_us) {
                g.buckets[k].merge(s);
            }
        }
    }
    if let Some(b) = b {
        for &i in &c.tail {
            let i = i as usize;
            if sel.keep_cell[p.cell_of_row[i] as usize] {
                let ts = t.ts.value(i);
                if let Some(k) = b.index(ts) {
                    spread(&mut g.buckets, b, k, ts, t.latency_ms.value(i));
                }
            }
        }
    }
    g.features.sort_by_key(|f| f.0);
    g.tagsets.sort_by_key(|f| f.0);
    g
}

/// The groups a walk counts a value in: all (0), its model and application (by cell), its
/// bucket (from `first_bucket` on).
struct WalkGroups<'a> {
    /// Each cell's (model, application) walk groups; `u32::MAX` for a cell left out.
    cells: &'a [(u32, u32)],
    range: Option<(i64, i64)>,
    finder: Option<&'a Finder<'a>>,
    first_bucket: usize,
}

impl WalkGroups<'_> {
    /// Counts the values of `entries` (cell, start, row), in ascending order of `col`.
    /// Generic, so that each kind of walk gets a loop of its own with this inlined.
    #[inline(always)]
    fn walk(
        &self,
        w: &mut RankWalk,
        col: &Float64Array,
        entries: impl Iterator<Item = (u32, i64, u32)>,
    ) {
        for (c, ts, row) in entries {
            let (gm, ga) = self.cells[c as usize];
            if gm == u32::MAX {
                continue;
            }
            if let Some((a, b)) = self.range {
                if ts == NO_TS || ts < a || ts >= b {
                    continue;
                }
            }
            let value = || col.value(row as usize);
            w.count(0, value);
            w.count(gm as usize, value);
            w.count(ga as usize, value);
            // No time (NO_TS) is in no bucket.
            if let Some(b) = self.finder.and_then(|f| f.index(ts)) {
                w.count(self.first_bucket + b, value);
            }
        }
    }
}

/// Everything a view shows, before labels and ordering.
pub struct Panels {
    /// Totals of each model (by label index; zero requests for a model not selected).
    pub by_model: Vec<Totals>,
    /// Totals of each application (by label index).
    pub by_app: Vec<Totals>,
    /// Totals of the whole selection.
    pub all: Totals,
    /// Totals of each feature that has requests, as (label index, totals); latency and
    /// TTFT have their mean only.
    pub by_feature: Vec<(u32, Totals)>,
    /// The same per tag: a request counts in each of its tags.
    pub by_tag: Vec<(u32, Totals)>,
    /// Failed requests per (model, error type), (application, error type) and error type,
    /// by label index.
    pub model_errors: Vec<Vec<u64>>,
    /// See `model_errors`.
    pub app_errors: Vec<Vec<u64>>,
    /// See `model_errors`.
    pub all_errors: Vec<u64>,
    /// First and last timestamp of the selection.
    pub range: Option<(i64, i64)>,
    /// Summed running time of the selection up to its last start, ms.
    pub busy_ms: f64,
    /// Distinct users.
    pub users: u64,
    /// Requests and cost per user (by user key).
    pub user_requests: Vec<u64>,
    /// See `user_requests`.
    pub user_cost: Vec<f64>,
    /// The series over the buckets (empty without buckets).
    pub series: Series,
    /// Latency distribution.
    pub latency_histogram: Histogram,
    /// TTFT distribution.
    pub ttft_histogram: Histogram,
    /// Input tokens per request.
    pub input_tokens_histogram: Histogram,
    /// Output tokens per request.
    pub output_tokens_histogram: Histogram,
    sel: Selection,
}

/// How many top spenders a view lists.
pub const TOP_USERS: usize = 10;

/// The [`TOP_USERS`] users with the highest cost (then most requests) in the view, by user
/// key, with their figures. Users are ranked on the panels' two sums, so only the top
/// few's rows are visited for the rest.
pub fn top_users(t: &Table, prepared: &Prepared, p: &Panels) -> Vec<(usize, Totals)> {
    if p.sel.range.is_none() && p.sel.keep_cell.iter().all(|&k| k) {
        if let Some(top) = &prepared.whole_top {
            return top.clone();
        }
    }
    let (cost, requests) = (&p.user_cost, &p.user_requests);
    let mut order: Vec<usize> = (0..requests.len()).filter(|&k| requests[k] > 0).collect();
    let rank = |a: &usize, b: &usize| {
        cost[*b]
            .total_cmp(&cost[*a])
            .then(requests[*b].cmp(&requests[*a]))
            .then(a.cmp(b))
    };
    if order.len() > TOP_USERS {
        order.select_nth_unstable_by(TOP_USERS, rank);
        order.truncate(TOP_USERS);
    }
    order.sort_by(rank);
    // The range's run of rows (rows in time order), found once for every user.
    let run = p.sel.range.and_then(|r| prepared.rows_in(t, r));
    order
        .into_iter()
        .map(|k| {
            let mut rows = prepared.rows_of_user(k);
            // Rows in time order: the user's rows in the range are one run of them.
            if let Some(run) = &run {
                let at = |row: usize| rows.partition_point(|&i| (i as usize) < row);
                rows = &rows[at(run.start)..at(run.end)];
            }
            let rows: Vec<u32> = rows
                .iter()
                .copied()
                .filter(|&i| p.selected(t, prepared, i as usize))
                .collect();
            let mut acc = Acc::default();
            acc.add_rows(t, &rows);
            (k, acc.finish())
        })
        .collect()
}

impl Panels {
    /// Whether row `i` of the table is in the view.
    pub fn selected(&self, t: &Table, p: &Prepared, i: usize) -> bool {
        let ts = if t.ts.is_valid(i) {
            t.ts.value(i)
        } else {
            NO_TS
        };
        self.sel.keeps(p.cell_of_row[i], ts)
    }
}

/// Every figure of `view` over `t` (prepared as `p`), its series over `buckets` in `zone`.
pub fn panels(
    t: &Table,
    p: &Prepared,
    view: &View,
    zone: &Zone,
    buckets: Option<&Buckets>,
) -> Panels {
    let (nm, na, ne) = (p.models.len(), p.apps.len(), p.error_types.len());
    let sel = Selection::of(p, view);
    let g = match &p.cube {
        Some(c) if sel.range.is_none() && buckets.is_none_or(|b| c.fits(b)) => {
            from_cube(t, p, c, &sel, buckets)
        }
        _ => from_rows(t, p, &sel, buckets),
    };

    // Running time up to the last selected start (the summary's concurrency): every
    // selected request with a time is in a bucket, so the buckets hold its whole running
    // time; take off what runs past the last start, from the few rows that start within
    // the longest latency of it.
    let busy_ms: f64 = g.range.map_or(0.0, |(_, last)| {
        let whole: f64 = g.buckets.iter().map(|b| b.latency_sum).sum();
        let after = last.saturating_sub((p.max_latency_ms * 1000.0).ceil() as i64);
        let ts = t.ts.values();
        let past: f64 = p
            .rows_of(t, Some((after, i64::MAX)))
            .filter(|&i| ts[i] >= after && t.ts.is_valid(i) && t.latency_ms.is_valid(i))
            .filter(|&i| sel.keeps(p.cell_of_row[i], ts[i]))
            .map(|i| {
                let left = (last - ts[i]) as f64 / 1000.0;
                (t.latency_ms.value(i) - left).max(0.0)
            })
            .sum();
        whole - past
    });
    // Groups of the walks: 0 all, then models, applications, buckets.
    let (g_app, g_bucket) = (1 + nm, 1 + nm + na);
    let mut model_sums = vec![Sums::default(); nm];
    let mut app_sums = vec![Sums::default(); na];
    let mut all = Sums::default();
    for (c, &(m, a)) in p.cells.iter().enumerate() {
        model_sums[m as usize].merge(&g.cells[c]);
        app_sums[a as usize].merge(&g.cells[c]);
    }
    for c in &g.cells {
        all.merge(c);
    }
    let group_sizes = |of: fn(&Sums) -> u64, of_bucket: fn(&BucketSums) -> u64| {
        std::iter::once(of(&all))
            .chain(model_sums.iter().map(of))
            .chain(app_sums.iter().map(of))
            .chain(g.buckets.iter().map(of_bucket))
            .collect::<Vec<u64>>()
    };
    let finder = buckets.map(Finder::new);
    // Each cell's (model, application) walk groups; `u32::MAX` for a cell left out.
    let cell_groups: Vec<(u32, u32)> = p
        .cells
        .iter()
        .zip(&sel.keep_cell)
        .map(|(&(m, a), &keep)| match keep {
            true => (1 + m, g_app as u32 + a),
            false => (u32::MAX, 0),
        })
        .collect();
    // The view's time range as one run of rows (rows in time order): the walks then skip
    // the order's other rows by their row number alone.
    let run = sel.range.and_then(|r| p.rows_in(t, r));
    let groups = WalkGroups {
        cells: &cell_groups,
        range: sel.range,
        finder: finder.as_ref(),
        first_bucket: g_bucket,
    };
    let walk = |o: &Order, col: &Float64Array, sizes: Vec<u64>, bucket_qs: &'static [f64]| {
        let mut w = RankWalk::new(sizes, |g| if g < g_bucket { &STATS_QS } else { bucket_qs });
        match &run {
            Some(run) => {
                // The cell and time read by row, not from the order's own copies: the run's
                // rows are near each other, the order's entries of them are not.
                let (lo, n) = (run.start as u32, run.len() as u32);
                let ts = t.ts.values();
                let entries = o
                    .rows
                    .iter()
                    .filter(|&&row| row.wrapping_sub(lo) < n)
                    .map(|&row| {
                        let i = row as usize;
                        (p.cell_of_row[i], ts[i], row)
                    });
                groups.walk(&mut w, col, entries);
            }
            None => {
                let entries = o.cells.iter().zip(&o.ts).zip(&o.rows);
                groups.walk(&mut w, col, entries.map(|((&c, &ts), &row)| (c, ts, row)));
            }
        }
        w
    };
    // A view of few rows of a table out of time order walks an order of its own rows:
    // sorting them costs less than passing over every row of the table's order. (In time
    // order, a range's rows are one run, and the walk over the table's order skips the
    // others for less than sorting them: 1M rows, the last day's 45k, natively 5.2 ms
    // against 5.9 for the dashboard; the same in wasm.)
    let own = |col: &Float64Array| {
        if run.is_some() {
            return None;
        }
        let kept = g.kept.as_ref().filter(|k| k.len() < t.len() / 8)?;
        let rows = kept.iter().map(|&i| i as usize);
        Some(Order::of_rows(t, col, &p.cell_of_row, rows))
    };
    let (own_latency, own_ttft) = (own(&t.latency_ms), own(&t.ttft_ms));
    let lat = walk(
        own_latency.as_ref().unwrap_or(&p.latency),
        &t.latency_ms,
        group_sizes(|s| s.latency_count, |b| b.latency_count),
        &STATS_QS,
    );
    let ttft = walk(
        own_ttft.as_ref().unwrap_or(&p.ttft),
        &t.ttft_ms,
        group_sizes(|s| s.ttft_count, |b| b.ttft_count),
        &TTFT_QS,
    );
    let totals =
        |g: usize, s: &Sums| s.finish(lat.stats(g, s.latency_sum), ttft.stats(g, s.ttft_sum));

    let errors_by = |of: &dyn Fn(&(u32, u32)) -> usize, n: usize| {
        let mut out = vec![vec![0u64; ne]; n];
        for (c, cell) in p.cells.iter().enumerate() {
            for (e, n) in g.cell_errors[c * ne..(c + 1) * ne].iter().enumerate() {
                out[of(cell)][e] += n;
            }
        }
        out
    };
    let mut tag_sums = Vec::new();
    let mut tag_at = vec![u32::MAX; p.tags.len()];
    for (set, s) in &g.tagsets {
        for &tag in &p.tagset_tags[*set as usize] {
            merge_keyed(&mut tag_sums, &mut tag_at, tag, s);
        }
    }
    Panels {
        by_feature: g
            .features
            .iter()
            .map(|(k, s)| (*k, with_means(s)))
            .collect(),
        by_tag: tag_sums.iter().map(|(k, s)| (*k, with_means(s))).collect(),
        by_model: model_sums
            .iter()
            .enumerate()
            .map(|(m, s)| totals(1 + m, s))
            .collect(),
        by_app: app_sums
            .iter()
            .enumerate()
            .map(|(a, s)| totals(g_app + a, s))
            .collect(),
        all: totals(0, &all),
        model_errors: errors_by(&|&(m, _)| m as usize, nm),
        app_errors: errors_by(&|&(_, a)| a as usize, na),
        all_errors: errors_by(&|_| 0, 1).swap_remove(0),
        range: g.range,
        busy_ms,
        users: g.users,
        series: buckets
            .map(|b| {
                let quality = QualitySums::any(t);
                series_of(b, zone, &g.buckets, (&lat, &ttft), g_bucket, quality)
            })
            .unwrap_or_default(),
        latency_histogram: Histogram::from_bins(g.bins_of(Distribution::Latency)),
        ttft_histogram: Histogram::from_bins(g.bins_of(Distribution::Ttft)),
        input_tokens_histogram: Histogram::from_bins(g.bins_of(Distribution::InputTokens)),
        output_tokens_histogram: Histogram::from_bins(g.bins_of(Distribution::OutputTokens)),
        user_requests: g.user_requests,
        user_cost: g.user_cost,
        sel,
    }
}

/// The totals of `s` with the mean latency and TTFT only (no walk ranks its values).
fn with_means(s: &Sums) -> Totals {
    let mean = |sum: f64, n: u64| LatencyStats {
        mean: (n > 0).then(|| sum / n as f64),
        ..LatencyStats::default()
    };
    s.finish(
        mean(s.latency_sum, s.latency_count),
        mean(s.ttft_sum, s.ttft_count),
    )
}

/// The series from the buckets' sums and the walks' quantiles.
fn series_of(
    b: &Buckets,
    zone: &Zone,
    bs: &[BucketSums],
    (lat, ttft): (&RankWalk, &RankWalk),
    g_bucket: usize,
    quality: bool,
) -> Series {
    let mut s = Series::axis(b, zone);
    for (k, sums) in bs.iter().enumerate() {
        s.requests[k] = sums.requests;
        s.errors[k] = sums.errors;
        s.input_tokens[k] = sums.input_tokens;
        s.output_tokens[k] = sums.output_tokens;
        s.cost_usd[k] = sums.cost;
        let mean = (sums.latency_count > 0).then(|| sums.latency_sum / sums.latency_count as f64);
        s.push_bucket(
            b,
            k,
            lat.quantiles(g_bucket + k, &STATS_QS),
            mean,
            &ttft.quantiles(g_bucket + k, &TTFT_QS),
            sums.busy_us,
        );
        if quality {
            s.push_quality(
                k,
                sums.quality.as_deref().unwrap_or(&QualitySums::default()),
            );
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_sorted_by_key_are_in_total_order_then_by_row() {
        let pool = [
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            f64::MIN_POSITIVE / 2.0,
            -1.5,
            1.5,
            22_395.423,
            1e300,
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Any bits (every byte varies), latencies (a narrow range: bytes that do not vary
        // are skipped), and one value most of the time.
        let kinds: [&dyn Fn(u64, u64) -> f64; 3] = [
            &|_, bits| f64::from_bits(bits),
            &|_, bits| (bits % 3_000_000) as f64 / 1000.0,
            &|r, bits| {
                if r % 16 == 0 {
                    (bits % 5000) as f64
                } else {
                    250.0
                }
            },
        ];
        let sizes = [0, 1, 2, 255, 256, 257, 1000, 5000, 40_000];
        for (kind, n) in (0..kinds.len()).flat_map(|k| sizes.map(|n| (k, n))) {
            for _ in 0..3 {
                let mut row = 0u32;
                let (mut xs, mut rows) = (Vec::new(), Vec::new());
                for _ in 0..n {
                    let r = next();
                    // Duplicates from the pool (with any bits), else a value of this kind.
                    let x = if kind == 0 && r % 3 == 0 {
                        pool[(r >> 8) as usize % pool.len()]
                    } else {
                        kinds[kind](r >> 2, next())
                    };
                    row += 1 + (r >> 60) as u32;
                    xs.push(x);
                    rows.push(row);
                }
                let keys = xs.iter().map(|&x| total_order_key(x)).collect();
                let got = sort_rows_by_key(keys, rows.clone());
                let mut want: Vec<(f64, u32)> = xs.into_iter().zip(rows).collect();
                want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let want: Vec<u32> = want.into_iter().map(|(_, r)| r).collect();
                assert_eq!(got, want, "{n} rows of kind {kind}");
            }
        }
    }

    #[test]
    fn finder_agrees_with_buckets_at_every_edge() {
        let ny = Zone::named("America/New_York").unwrap_or_else(|e| panic!("{e}"));
        let (min, max) = (1_700_000_000_000_000, 1_900_000_000_000_000);
        for (name, zone) in [
            ("1s", Zone::utc()),
            ("1h", Zone::utc()),
            ("1d", ny.clone()),
            ("1mo", ny),
        ] {
            // Far-apart timestamps, so the reciprocal's rounding is tested on large indexes.
            let b = Buckets::named(min, max, name, &zone).unwrap_or_else(|| panic!("{name}"));
            let f = Finder::new(&b);
            let step = (b.count / 500).max(1);
            for k in (0..=b.count).step_by(step).chain([b.count]) {
                let edge = b.start(k);
                for ts in [edge - 1, edge, edge + 1, edge + b.width_us / 2] {
                    assert_eq!(f.index(ts), b.index(ts), "{name} {ts}");
                }
            }
            assert_eq!(f.index(i64::MIN), None);
            assert_eq!(f.index(i64::MAX), None);
        }
    }
}
