//! CSV and TSV with a header row, as a push decoder: quoted fields, embedded newlines and
//! delimiters, doubled quotes, CRLF, a byte-order mark. Each row is seen through [`Source`]
//! by column name; a column holding JSON text (`usage`, `metadata`) can be walked into by
//! the profile's paths.
//!
//! Records are split by [`split`], which finds each field's end a word at a time
//! ([`find`]) and leaves the field where it lies in the input; only a field with doubled
//! quotes is written out. It reads exactly as csv-core does (a test compares them on
//! generated text), but a record's long prompt and output are skipped instead of copied
//! byte by byte: csv-core was a third of a CSV record's instructions, and half as fast in
//! wasm.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use super::fields;
use super::find;
use super::record::{json_path, owned, ColumnPlan, Mapping, Source, Val};
use super::Sink;

/// Where one field of the current record lies.
#[derive(Debug, Clone, Copy)]
struct Field {
    from: usize,
    to: usize,
    /// In the decoder's `written` bytes (a field with doubled quotes, unescaped), not in the
    /// record's input.
    written: bool,
}

/// The fields of the record that starts at `buf[from]`, the index after its line end, and
/// the number of `\n` up to there; `None` when `buf` ends first and more may come (`eof`
/// false). A record ends at `\n` or `\r` outside quotes (the `\n` of a `\r\n` is then a
/// blank line before the next record). A field that starts with `"` is quoted: delimiters
/// and line ends inside it are text, `""` is one quote, and text after its closing quote is
/// kept (`"a"b` reads `ab`); a quote inside an unquoted field is text. At the end of the
/// input an open quote ends the field.
fn split(
    buf: &[u8],
    from: usize,
    delimiter: u8,
    eof: bool,
    fields: &mut Vec<Field>,
    written: &mut Vec<u8>,
) -> Option<(usize, u64)> {
    fields.clear();
    written.clear();
    let mut pos = from;
    let mut lines = 0;
    loop {
        if buf.get(pos) == Some(&b'"') {
            let (field, next, n) = quoted(buf, pos, delimiter, eof, written)?;
            fields.push(field);
            pos = next;
            lines += n;
        } else {
            let rest = &buf[pos..];
            let to = match find::find3(delimiter, b'\n', b'\r', rest) {
                Some(i) => pos + i,
                None if eof => buf.len(),
                None => return None,
            };
            fields.push(Field {
                from: pos,
                to,
                written: false,
            });
            pos = to;
        }
        match buf.get(pos) {
            Some(&b) if b == delimiter => pos += 1,
            Some(&b) => return Some((pos + 1, lines + u64::from(b == b'\n'))),
            None => return Some((pos, lines)),
        }
    }
}

/// The quoted field that starts at `buf[pos]` (a `"`), the index of the byte after it (a
/// delimiter or line end, or the input's end), and the number of `\n` in it.
fn quoted(
    buf: &[u8],
    pos: usize,
    delimiter: u8,
    eof: bool,
    written: &mut Vec<u8>,
) -> Option<(Field, usize, u64)> {
    let body = pos + 1;
    let mut q = body;
    let mut lines = 0;
    // The field's text lies in `buf` as it is unless it has a doubled quote or text after
    // its closing quote: then it is written out instead.
    let write = |written: &mut Vec<u8>| {
        let (f, next) = quoted_written(buf, pos, delimiter, eof, written)?;
        Some((f, next, newlines(&buf[pos..next])))
    };
    loop {
        let Some(i) = find::find2(b'"', b'\n', &buf[q..]) else {
            if !eof {
                return None;
            }
            let f = Field {
                from: body,
                to: buf.len(),
                written: false,
            };
            return Some((f, buf.len(), lines));
        };
        let at = q + i;
        if buf[at] == b'\n' {
            lines += 1;
            q = at + 1;
            continue;
        }
        return match buf.get(at + 1) {
            Some(b'"') => write(written),
            None if !eof => None,
            Some(&b) if b != delimiter && b != b'\n' && b != b'\r' => write(written),
            _ => {
                let f = Field {
                    from: body,
                    to: at,
                    written: false,
                };
                Some((f, at + 1, lines))
            }
        };
    }
}

/// [`quoted`] for a field with doubled quotes or text after its closing quote: read byte
/// by byte, as csv-core does, into `written`.
fn quoted_written(
    buf: &[u8],
    pos: usize,
    delimiter: u8,
    eof: bool,
    written: &mut Vec<u8>,
) -> Option<(Field, usize)> {
    enum State {
        Quoted,
        /// A quote inside the quoted text: the field's end, or the first of two.
        Quote,
        /// Text after the closing quote.
        After,
    }
    let start = written.len();
    let mut state = State::Quoted;
    let ends = |b: u8| b == delimiter || b == b'\n' || b == b'\r';
    let field = |to: usize| Field {
        from: start,
        to,
        written: true,
    };
    for (i, &b) in buf.iter().enumerate().skip(pos + 1) {
        match state {
            State::Quoted if b == b'"' => state = State::Quote,
            State::Quote if b == b'"' => {
                written.push(b);
                state = State::Quoted;
            }
            State::Quote | State::After if ends(b) => return Some((field(written.len()), i)),
            State::Quote => {
                written.push(b);
                state = State::After;
            }
            State::Quoted | State::After => written.push(b),
        }
    }
    if !eof {
        written.truncate(start);
        return None;
    }
    Some((field(written.len()), buf.len()))
}

/// The number of `\n` in `bytes`.
fn newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// The CSV decoder's state between chunks.
pub struct CsvDecoder {
    delimiter: u8,
    /// The bytes of a record begun in an earlier chunk and not yet ended.
    carry: Vec<u8>,
    /// The current record's fields, and the bytes of those written out.
    fields: Vec<Field>,
    written: Vec<u8>,
    /// Column names, and the index of each name (the first column of a repeated name).
    header: Option<Vec<String>>,
    index: HashMap<String, usize>,
    /// Where each mapping rule's value lives in a row (see [`Source::get_rule`]).
    resolved: Resolved,
    /// File offset of the first byte not read yet (the carried record's first byte).
    offset: u64,
    /// `\n` bytes read, and those of a part read elsewhere and appended.
    newlines: u64,
    line_shift: u64,
    /// Reading stops after the first record (a part's decoder reading the file's header).
    header_only: bool,
    /// Bytes were fed: a byte-order mark is only looked for at the file's start.
    begun: bool,
    /// How records are mapped when the header is the article's and nothing asks for more
    /// ([`Mapping::column_plan`]): each rule's column found once, not looked up per record
    /// through [`Source`] (that lookup was a fifth of a CSV import).
    plan: Option<Box<(Mapping, ColumnPlan)>>,
    /// The plan's profile is in the file's report (noted at the first record, as
    /// [`Sink::source`] notes its own).
    noted: bool,
    /// Every record split, with its line and offset (the tests compare them with csv-core's).
    #[cfg(test)]
    seen: Vec<(u64, u64, Vec<Vec<u8>>)>,
}

/// Bytes of a new chunk added at least to a carried record each time it is tried again
/// (it grows by doubling beyond that, so a long record is not split again and again). The
/// tests take 2 bytes, so their short records go through every step.
const CARRY_STEP: usize = if cfg!(test) { 2 } else { 64 * 1024 };

impl CsvDecoder {
    /// A decoder for fields separated by `delimiter`.
    pub fn new(delimiter: u8) -> Self {
        CsvDecoder {
            delimiter,
            carry: Vec::new(),
            fields: Vec::with_capacity(64),
            written: Vec::new(),
            header: None,
            index: HashMap::new(),
            resolved: RefCell::new(Vec::new()),
            offset: 0,
            newlines: 0,
            line_shift: 0,
            header_only: false,
            begun: false,
            plan: None,
            noted: false,
            #[cfg(test)]
            seen: Vec::new(),
        }
    }

    /// A decoder for the part of a file from byte `offset` (a line start) on, which takes
    /// its column names from the header at the start of `head`, the file's first bytes.
    /// Its line numbers count from the part's start.
    pub fn for_part(
        delimiter: u8,
        head: &[u8],
        offset: u64,
        sink: &mut Sink,
    ) -> Result<Self, String> {
        let mut d = CsvDecoder::new(delimiter);
        d.header_only = true;
        d.feed(head, sink);
        if d.header.is_none() {
            return Err("no readable header in the file's first bytes".into());
        }
        d.header_only = false;
        d.begun = true;
        d.offset = offset;
        d.newlines = 0;
        Ok(d)
    }

    /// Where in `window` (bytes of the file from a line end on, say 1 MB) a part is best cut:
    /// the first line start from which the next records (8, or as many as `window` holds,
    /// at least 2) each have as many fields as the header at the start of `head`. A line
    /// start inside a quoted field rarely passes, so the part is rarely read again (its
    /// reader checks the cut anyway: this only picks it). `None` when no line start does.
    pub fn part_start(head: &[u8], window: &[u8], delimiter: u8) -> Option<usize> {
        let width = Self::fields_per_record(head, delimiter, 1)
            .first()
            .copied()?;
        memchr::memchr_iter(b'\n', window)
            .map(|i| i + 1)
            .take(1000)
            .find(|&s| {
                let counts = Self::fields_per_record(&window[s..], delimiter, 8);
                counts.len() >= 2 && counts.iter().all(|&n| n == width)
            })
    }

    /// The number of fields of each of the first `n` whole records of `bytes`.
    fn fields_per_record(bytes: &[u8], delimiter: u8, n: usize) -> Vec<usize> {
        let (mut fields, mut written) = (Vec::new(), Vec::new());
        let mut counts = Vec::new();
        let mut pos = 0;
        while counts.len() < n {
            pos += blank_prefix(&bytes[pos..]);
            // The window's end: its last record is not whole.
            let Some((end, _)) = split(bytes, pos, delimiter, false, &mut fields, &mut written)
            else {
                break;
            };
            counts.push(fields.len());
            pos = end;
        }
        counts
    }

    /// Whether the bytes fed so far end at a record's start (not inside a quoted field),
    /// after the header.
    pub fn at_record_start(&self) -> bool {
        self.header.is_some() && self.carry.is_empty()
    }

    /// Lines begun so far.
    pub fn lines(&self) -> u64 {
        self.newlines + self.line_shift
    }

    /// Counts `lines` lines and `bytes` bytes that another decoder read for this one (a
    /// part of the file that follows the bytes fed here).
    pub fn skip_part(&mut self, lines: u64, bytes: u64) {
        self.line_shift = self.line_shift.saturating_add(lines);
        self.offset = self.offset.saturating_add(bytes);
    }

    /// Reads every record completed by `input`; keeps the rest for the next chunk.
    pub fn feed(&mut self, input: &[u8], sink: &mut Sink) {
        let mut pos = 0;
        // A byte-order mark (Excel's "CSV UTF-8") before the header is skipped (so a quote
        // after it still starts a quoted field), when the first bytes fed hold it whole.
        if !self.begun && !input.is_empty() {
            self.begun = true;
            if input.starts_with(b"\xef\xbb\xbf") {
                pos = self.skip(3);
            }
        }
        if !self.carry.is_empty() {
            match self.end_carried(input, sink) {
                Some(used) => pos = used,
                None => return,
            }
        }
        loop {
            pos += self.skip_blank(&input[pos..]);
            if pos == input.len() {
                return;
            }
            let d = self.delimiter;
            let split = split(input, pos, d, false, &mut self.fields, &mut self.written);
            let Some((end, lines)) = split else {
                self.carry.extend_from_slice(&input[pos..]);
                return;
            };
            self.record(input, pos..end, lines, sink);
            pos = end;
            if self.header_only {
                return;
            }
        }
    }

    /// Ends the carried record with the first bytes of `input`: how many it took, or `None`
    /// when it took them all and the record goes on.
    fn end_carried(&mut self, input: &[u8], sink: &mut Sink) -> Option<usize> {
        let mut carry = std::mem::take(&mut self.carry);
        let before = carry.len();
        let mut taken = 0;
        let d = self.delimiter;
        let result = loop {
            let step = (input.len() - taken).min(carry.len().max(CARRY_STEP));
            carry.extend_from_slice(&input[taken..taken + step]);
            taken += step;
            match split(&carry, 0, d, false, &mut self.fields, &mut self.written) {
                Some((end, lines)) => {
                    // The carried bytes alone did not end the record, so it ends after them.
                    debug_assert!(end > before);
                    self.record(&carry, 0..end, lines, sink);
                    carry.clear();
                    break Some(end - before);
                }
                None if taken == input.len() => break None,
                None => {}
            }
        };
        self.carry = carry;
        result
    }

    /// Reads the last record when the file does not end with a line end.
    pub fn finish(&mut self, sink: &mut Sink) {
        let carry = std::mem::take(&mut self.carry);
        if carry.is_empty() {
            return;
        }
        let d = self.delimiter;
        if let Some((end, lines)) = split(&carry, 0, d, true, &mut self.fields, &mut self.written) {
            self.record(&carry, 0..end, lines, sink);
        }
    }

    /// Skips the line ends (blank lines, the `\n` of a `\r\n`) at the start of `bytes`.
    fn skip_blank(&mut self, bytes: &[u8]) -> usize {
        let k = blank_prefix(bytes);
        self.newlines += newlines(&bytes[..k]);
        self.skip(k)
    }

    /// Skips `k` bytes that are no record's.
    fn skip(&mut self, k: usize) -> usize {
        self.offset += k as u64;
        k
    }

    /// The record `buf[range]` (from its first byte to its line end), split into
    /// `self.fields`, with `lines` `\n` in it.
    fn record(&mut self, buf: &[u8], range: std::ops::Range<usize>, lines: u64, sink: &mut Sink) {
        let bytes = &buf[range.clone()];
        let (line, start) = (self.newlines + self.line_shift + 1, self.offset);
        self.offset += bytes.len() as u64;
        self.newlines += lines;
        // The whole record checked to be UTF-8 at once (the header is checked field by
        // field below): a check per field read cost more, though it skips the long prompt
        // and output. A record that is not is read field by field, so a bad byte in a
        // column no mapping reads costs nothing.
        let text = match self.header {
            Some(_) => std::str::from_utf8(bytes).ok().map(|t| (t, range.start)),
            None => None,
        };
        let row = CsvRow {
            index: &self.index,
            resolved: &self.resolved,
            buf,
            text,
            written: &self.written,
            fields: &self.fields,
            fault: std::cell::Cell::new(None),
        };
        let n = self.fields.len();
        #[cfg(test)]
        self.seen
            .push((line, start, (0..n).map(|i| row.field(i).to_vec()).collect()));
        if self.header.is_none() {
            let mut names = Vec::with_capacity(n);
            for i in 0..n {
                match std::str::from_utf8(row.field(i)) {
                    // A byte-order mark cut from the first bytes fed is not part of the name.
                    Ok(f) if i == 0 => {
                        names.push(f.trim_start_matches('\u{feff}').trim().to_string())
                    }
                    Ok(f) => names.push(f.trim().to_string()),
                    Err(_) => {
                        let why = format!("the header {} is not valid UTF-8 text", i + 1);
                        return sink.skip(line, start, why);
                    }
                }
            }
            for (i, n) in names.iter().enumerate() {
                self.index.entry(n.clone()).or_insert(i);
            }
            sink.columns(&names);
            self.plan = self.column_plan(&names, sink);
            self.header = Some(names);
            return;
        }
        sink.report.lines += 1;
        let width = self.header.as_ref().map_or(0, Vec::len);
        if n == 1 && row.field(0).trim_ascii().is_empty() {
            return; // A blank line.
        }
        if n != width {
            let why = format!("the row has {n} fields, the header has {width}");
            return sink.skip(line, start, why);
        }
        let len = bytes.len().min(u32::MAX as usize) as u32;
        if let Some(plan) = &self.plan {
            if !self.noted {
                sink.fast_path();
                self.noted = true;
            }
            let outcome = plan.0.map_columns(&plan.1, |i| row.text(i));
            return sink.mapped(outcome, row.fault(), line, start, len);
        }
        sink.source(&row, None, line, start, len);
    }

    /// The plan for records under the header `names` (see `plan`), or `None`.
    fn column_plan(&self, names: &[String], sink: &Sink) -> Option<Box<(Mapping, ColumnPlan)>> {
        #[cfg(test)]
        if GENERIC_ONLY.with(std::cell::Cell::get) {
            return None;
        }
        if !sink.wants_fast_path(names) {
            return None;
        }
        let mut mapping = Mapping::new(&fields::ARTICLE, &sink.opts).ok()?;
        mapping.restrict_to(names);
        let plan = mapping.column_plan(|name| self.index.get(name).copied())?;
        Some(Box::new((mapping, plan)))
    }
}

#[cfg(test)]
thread_local! {
    /// Set by tests: records are mapped through [`Sink::source`] even when a plan would do.
    static GENERIC_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The number of line-end bytes at the start of `bytes`.
fn blank_prefix(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(bytes.len())
}

/// One CSV row, by column name. Only the fields a mapping reads are checked to be UTF-8
/// (the long prompt and output columns never are: checking them was 7% of a CSV import).
struct CsvRow<'a> {
    index: &'a HashMap<String, usize>,
    resolved: &'a Resolved,
    /// The bytes the row was split from, the fields written out, and where each field is.
    buf: &'a [u8],
    /// The record's bytes as text and where they start in `buf`, when they are UTF-8.
    text: Option<(&'a str, usize)>,
    written: &'a [u8],
    fields: &'a [Field],
    /// The first field read that is not UTF-8: the row is skipped with it.
    fault: std::cell::Cell<Option<usize>>,
}

/// Per mapping rule: its path (by address: comparing the names for every rule of every
/// row was 6% of a CSV import), and where its value lives in a row.
type Resolved = RefCell<Vec<Option<(*const String, usize, Cell)>>>;

/// Where a path's value lives in a row.
#[derive(Debug, Clone, Copy)]
enum Cell {
    /// In no column.
    Missing,
    /// In this column (`usage.input` may be a column of its own).
    Column(usize),
    /// Inside the JSON text of this column (column `usage` holding `{"input": …}`).
    Json(usize),
}

impl CsvRow<'_> {
    fn resolve(&self, path: &[String]) -> Cell {
        let column = |name: &str| self.index.get(name).copied();
        let whole = if path.len() == 1 {
            column(&path[0])
        } else {
            column(&path.join("."))
        };
        match (whole, path.len()) {
            (Some(i), _) => Cell::Column(i),
            (None, 1) => Cell::Missing,
            (None, _) => column(&path[0]).map_or(Cell::Missing, Cell::Json),
        }
    }

    fn field(&self, i: usize) -> &[u8] {
        let f = self.fields[i];
        match f.written {
            false => &self.buf[f.from..f.to],
            true => &self.written[f.from..f.to],
        }
    }

    /// Field `i` as text; `None` (and the row's fault noted) when it is not UTF-8.
    fn text(&self, i: usize) -> Option<&str> {
        let f = self.fields[i];
        if let (Some((text, at)), false) = (self.text, f.written) {
            // Fields end at ASCII bytes (delimiters, quotes, line ends): character
            // boundaries of the record's text.
            if let Some(t) = f
                .from
                .checked_sub(at)
                .and_then(|a| text.get(a..a + f.to - f.from))
            {
                return Some(t);
            }
        }
        let t = std::str::from_utf8(self.field(i)).ok();
        if t.is_none() && self.fault.get().is_none() {
            self.fault.set(Some(i));
        }
        t
    }

    fn value(&self, cell: Cell, path: &[String]) -> Val<'_> {
        match cell {
            Cell::Missing => Val::Null,
            Cell::Column(i) => match self.text(i) {
                None | Some("") => Val::Null,
                Some(c) => Val::Str(Cow::Borrowed(c)),
            },
            Cell::Json(i) => match self.text(i).map(serde_json::from_str::<serde_json::Value>) {
                Some(Ok(v)) => owned(json_path(&v, &path[1..])),
                _ => Val::Null,
            },
        }
    }
}

impl Source for CsvRow<'_> {
    fn fault(&self) -> Option<String> {
        let i = self.fault.get()?;
        Some(format!("field {} is not valid UTF-8 text", i + 1))
    }

    fn get(&self, path: &[String]) -> Val<'_> {
        self.value(self.resolve(path), path)
    }

    /// The column of rule `rule`'s path, found by name once per file rather than hashed
    /// again for every row.
    fn get_rule(&self, rule: usize, path: &[String]) -> Val<'_> {
        let cell = {
            let mut cache = self.resolved.borrow_mut();
            if cache.len() <= rule {
                cache.resize(rule + 1, None);
            }
            match cache[rule] {
                Some((p, n, cell)) if std::ptr::eq(p, path.as_ptr()) && n == path.len() => cell,
                _ => {
                    let cell = self.resolve(path);
                    cache[rule] = Some((path.as_ptr(), path.len(), cell));
                    cell
                }
            }
        };
        self.value(cell, path)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// csv-core's records of `bytes` (the reader this one replaced, used as the oracle).
    fn csv_core_records(bytes: &[u8], delimiter: u8) -> Vec<Vec<Vec<u8>>> {
        use csv_core::{ReadRecordResult, ReaderBuilder};
        let mut rdr = ReaderBuilder::new().delimiter(delimiter).build();
        let (mut out, mut ends) = (vec![0u8; bytes.len() + 1], vec![0usize; bytes.len() + 1]);
        let (mut input, mut records) = (bytes, Vec::new());
        let (mut nout, mut nend) = (0, 0);
        loop {
            let (res, nin, o, e) = rdr.read_record(input, &mut out[nout..], &mut ends[nend..]);
            input = &input[nin..];
            (nout, nend) = (nout + o, nend + e);
            match res {
                ReadRecordResult::Record => {
                    let mut from = 0;
                    let fields = ends[..nend].iter().map(|&e| {
                        let f = out[from..e].to_vec();
                        from = e;
                        f
                    });
                    records.push(fields.collect());
                    (nout, nend) = (0, 0);
                }
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::End => return records,
                other => panic!("{other:?}"),
            }
        }
    }

    /// This decoder's records of `bytes` fed in pieces cut at `cuts`, with their lines and
    /// offsets.
    fn records(bytes: &[u8], delimiter: u8, cuts: &[usize]) -> Vec<(u64, u64, Vec<Vec<u8>>)> {
        let d = decoder(bytes, delimiter, cuts);
        assert_eq!(d.lines(), newlines(bytes), "lines read");
        d.seen
    }

    fn decoder(bytes: &[u8], delimiter: u8, cuts: &[usize]) -> CsvDecoder {
        let mut sink = Sink::default();
        let mut d = CsvDecoder::new(delimiter);
        // A byte-order mark is looked for in the first bytes fed (as csv-core does).
        let first = if bytes.starts_with(b"\xef\xbb\xbf") {
            3
        } else {
            0
        };
        let cut = |c: usize| (c % (bytes.len() + 1)).max(first);
        let mut cuts: Vec<usize> = cuts.iter().map(|&c| cut(c)).collect();
        cuts.sort_unstable();
        let mut from = 0;
        for c in cuts.into_iter().chain([bytes.len()]) {
            d.feed(&bytes[from..c], &mut sink);
            from = c;
        }
        d.finish(&mut sink);
        d
    }

    fn check(bytes: &[u8], delimiter: u8, cuts: &[usize]) {
        let ours = records(bytes, delimiter, cuts);
        let fields: Vec<_> = ours.iter().map(|r| r.2.clone()).collect();
        assert_eq!(
            fields,
            csv_core_records(bytes, delimiter),
            "{:?}",
            String::from_utf8_lossy(bytes)
        );
        for (line, offset, _) in ours {
            let before = &bytes[..offset as usize];
            assert_eq!(line, 1 + newlines(before), "line of the record at {offset}");
            assert!(!matches!(bytes[offset as usize], b'\r' | b'\n'));
        }
    }

    #[test]
    fn reads_as_csv_core_does() {
        for text in [
            "a,b\n1,2\n",
            "a,b\r\n1,2\r\n\r\n3,4",
            "a,\"b,c\"\n\"x\"\"y\",\"multi\nline\"\n",
            "\"a\"b,c\n\"\"\"\",\"\"\n",
            "a,b\n\"open,1\n2\n",
            "a\rb\n\nc,",
            " \"a\",b\"c\n",
            "\"\"",
            "\"a\"\"",
            "\u{feff}\"a\",b\n1,2",
        ] {
            for cut in 0..=text.len() {
                check(text.as_bytes(), b',', &[cut]);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn reads_generated_text_as_csv_core_does(
            text in proptest::collection::vec(proptest::sample::select(b"ab,\"\n\r \t".to_vec()), 0..48),
            cuts in proptest::collection::vec(any::<usize>(), 0..4),
            tab in any::<bool>(),
            bom in any::<bool>(),
        ) {
            let text = [if bom { &b"\xef\xbb\xbf"[..] } else { b"" }, &text].concat();
            check(&text, if tab { b'\t' } else { b',' }, &cuts);
        }

        #[test]
        fn the_column_plan_maps_as_the_rules_do(
            extra in proptest::sample::subsequence(EXTRA_COLUMNS.to_vec(), 0..8),
            order in any::<u64>(),
            cells in proptest::collection::vec(proptest::sample::select(CELLS.to_vec()), 0..160),
        ) {
            let mut columns: Vec<&str> = ["latency_ms", "model_name", "status_code", "estimated_cost_usd"]
                .into_iter()
                .chain(extra)
                .collect();
            // A shuffle of the columns, from `order`.
            let mut o = order;
            for i in (1..columns.len()).rev() {
                columns.swap(i, (o % (i as u64 + 1)) as usize);
                o /= i as u64 + 1;
            }
            let mut text = columns.join(",").into_bytes();
            for (i, cell) in cells.iter().enumerate() {
                text.push(if i % columns.len() == 0 { b'\n' } else { b',' });
                text.extend_from_slice(cell);
            }
            text.push(b'\n');
            let (planned, generic) = (import(&text, false), import(&text, true));
            prop_assert_eq!(planned, generic);
        }
    }

    /// Columns besides the article's signature: some the plan reads, some it leaves to the
    /// rules (two for one field, units it does not convert), some nobody reads.
    const EXTRA_COLUMNS: [&str; 16] = [
        "timestamp",
        "ts",
        "request_id",
        "user_id",
        "application",
        "provider",
        "feature",
        "input_prompt",
        "ttft_ms",
        "error_message",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "cached_tokens",
        "tags",
        "other",
    ];

    /// Cell values: numbers of each kind, times, text, quoted text, bad bytes, blanks.
    const CELLS: [&[u8]; 24] = [
        b"",
        b" ",
        b"0",
        b"12",
        b"-3",
        b"1e3",
        b"3.5",
        b"12.0",
        b" 42 ",
        b"abc",
        b"200",
        b"404",
        b"2026-11-09T10:00:00Z",
        b"2026-11-09 10:00:00.123",
        b"1794182433.991669",
        b"1794182433991",
        b"NaN",
        b"inf",
        b"4294967296",
        b"\"a, \"\"b\"\"\"",
        b"caf\xe9",
        b"true",
        b"null",
        b"gpt-4o",
    ];

    /// The table (as text) and report of `text` read as a CSV file, with the column plan or
    /// through the rules only.
    fn import(text: &[u8], generic: bool) -> (String, String) {
        GENERIC_ONLY.with(|g| g.set(generic));
        let mut ingest = crate::Ingest::default();
        ingest.start_file("t.csv");
        ingest.feed(text);
        let (table, report) = ingest.finish();
        GENERIC_ONLY.with(|g| g.set(false));
        (format!("{table:?}"), format!("{report:?}"))
    }

    #[test]
    fn the_article_header_has_a_column_plan() {
        let mut sink = Sink::default();
        let header = b"timestamp,request_id,user_id,application,model_name,input_prompt,\
            llm_output,latency_ms,status_code,error_message,prompt_tokens,completion_tokens,\
            total_tokens,estimated_cost_usd\n";
        let mut d = CsvDecoder::new(b',');
        d.feed(header, &mut sink);
        assert!(d.plan.is_some());
        // Two columns for one field: the rules decide which.
        let mut d = CsvDecoder::new(b',');
        d.feed(
            b"ts,timestamp,model_name,latency_ms,status_code\n",
            &mut sink,
        );
        assert!(d.header.is_some() && d.plan.is_none());
    }
}
