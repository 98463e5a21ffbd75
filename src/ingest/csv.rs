//! CSV and TSV with a header row, as a push decoder (csv-core: quoted fields, embedded
//! newlines and delimiters, doubled quotes, CRLF, a byte-order mark). Each row is seen
//! through [`Source`] by column name; a column holding JSON text (`usage`, `metadata`) can
//! be walked into by the profile's paths.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

use super::record::{json_path, owned, Source, Val};
use super::Sink;

/// The CSV decoder's state between chunks.
pub struct CsvDecoder {
    rdr: Reader,
    /// The current record's field bytes, and where each field ends.
    out: Vec<u8>,
    ends: Vec<usize>,
    nout: usize,
    nend: usize,
    /// Column names, and the index of each name (the first column of a repeated name).
    header: Option<Vec<String>>,
    index: HashMap<String, usize>,
    /// Where each mapping rule's value lives in a row (see [`Source::get_rule`]).
    resolved: Resolved,
    /// File offset of the next byte, and of the current record's first byte.
    offset: u64,
    record_offset: u64,
    /// Line of the current record's first byte.
    record_line: u64,
    /// Lines of a part read elsewhere and appended (csv-core's count does not have them).
    line_shift: u64,
    /// The next record's first byte is not known yet: line ends before it (the `\n` of a
    /// `\r\n`, which csv-core reads after the record it ends, and blank lines) are not
    /// part of it, and count in its line number.
    start_pending: bool,
    /// Reading stops after the first record (a part's decoder reading the file's header).
    header_only: bool,
}

impl CsvDecoder {
    /// A decoder for fields separated by `delimiter`.
    pub fn new(delimiter: u8) -> Self {
        CsvDecoder {
            rdr: ReaderBuilder::new().delimiter(delimiter).build(),
            out: vec![0; 4096],
            ends: vec![0; 64],
            nout: 0,
            nend: 0,
            header: None,
            index: HashMap::new(),
            resolved: RefCell::new(Vec::new()),
            offset: 0,
            record_offset: 0,
            record_line: 1,
            line_shift: 0,
            start_pending: true,
            header_only: false,
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
        d.read(head, sink);
        if d.header.is_none() {
            return Err("no readable header in the file's first bytes".into());
        }
        d.header_only = false;
        d.rdr = ReaderBuilder::new().delimiter(delimiter).build();
        d.offset = offset;
        d.record_offset = offset;
        d.record_line = 1;
        d.start_pending = true;
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
        let mut rdr = ReaderBuilder::new().delimiter(delimiter).build();
        let (mut out, mut ends) = (vec![0u8; 1 << 16], vec![0usize; 256]);
        let mut input = bytes;
        let mut counts = Vec::new();
        let mut fields = 0;
        while counts.len() < n {
            let (res, nin, _, nend) = rdr.read_record(input, &mut out, &mut ends);
            input = &input[nin..];
            fields += nend;
            match res {
                ReadRecordResult::Record => {
                    counts.push(fields);
                    fields = 0;
                }
                // A field longer than 64 KiB or 256 fields: not a record to judge by.
                ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => break,
                // The window's end: its last record is not whole.
                ReadRecordResult::InputEmpty | ReadRecordResult::End => break,
            }
        }
        counts
    }

    /// Whether the bytes fed so far end at a record's start (not inside a quoted field),
    /// after the header.
    pub fn at_record_start(&self) -> bool {
        self.header.is_some() && self.nout == 0 && self.nend == 0
    }

    /// Lines begun so far.
    pub fn lines(&self) -> u64 {
        self.rdr.line() - 1 + self.line_shift
    }

    /// Counts `lines` lines and `bytes` bytes that another decoder read for this one (a
    /// part of the file that follows the bytes fed here).
    pub fn skip_part(&mut self, lines: u64, bytes: u64) {
        self.line_shift = self.line_shift.saturating_add(lines);
        self.offset = self.offset.saturating_add(bytes);
        self.record_offset = self.offset;
        self.record_line = self.rdr.line() + self.line_shift;
        self.start_pending = true;
    }

    /// Finds the next record's first byte in `input` (the next bytes), when still pending.
    fn find_start(&mut self, input: &[u8]) {
        if !self.start_pending || self.nout > 0 || self.nend > 0 {
            return;
        }
        let k = input
            .iter()
            .position(|&b| b != b'\r' && b != b'\n')
            .unwrap_or(input.len());
        if k < input.len() {
            let newlines = memchr::memchr_iter(b'\n', &input[..k]).count() as u64;
            self.record_offset = self.offset + k as u64;
            self.record_line = self.rdr.line() + self.line_shift + newlines;
            self.start_pending = false;
        }
    }

    /// Reads every record completed by `chunk`.
    pub fn feed(&mut self, input: &[u8], sink: &mut Sink) {
        // csv-core takes empty input as the end of the file.
        if !input.is_empty() {
            self.read(input, sink);
        }
    }

    fn read(&mut self, mut input: &[u8], sink: &mut Sink) {
        loop {
            self.find_start(input);
            let (res, nin, nout, nend) = self.rdr.read_record(
                input,
                &mut self.out[self.nout..],
                &mut self.ends[self.nend..],
            );
            input = &input[nin..];
            self.offset += nin as u64;
            self.nout += nout;
            self.nend += nend;
            match res {
                ReadRecordResult::InputEmpty | ReadRecordResult::End => break,
                ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::Record => {
                    self.record(sink);
                    if self.header_only {
                        break;
                    }
                }
            }
        }
    }

    /// Reads the last record when the file does not end with a newline.
    pub fn finish(&mut self, sink: &mut Sink) {
        self.read(&[], sink);
    }

    fn record(&mut self, sink: &mut Sink) {
        let (line, start) = (self.record_line, self.record_offset);
        // The next record starts after this one's line end (and any more line ends).
        self.record_offset = self.offset;
        self.record_line = self.rdr.line() + self.line_shift;
        self.start_pending = true;
        let (nout, nend) = (self.nout, self.nend);
        self.nout = 0;
        self.nend = 0;
        debug_assert!(self.ends[..nend].last().is_none_or(|&e| e <= nout));
        let row = CsvRow {
            index: &self.index,
            resolved: &self.resolved,
            out: &self.out,
            ends: &self.ends[..nend],
            fault: std::cell::Cell::new(None),
        };
        if self.header.is_none() {
            let mut names = Vec::with_capacity(nend);
            for i in 0..nend {
                match std::str::from_utf8(row.field(i)) {
                    // A byte-order mark (Excel's "CSV UTF-8") is not part of the first name.
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
            self.header = Some(names);
            return;
        }
        sink.report.lines += 1;
        let width = self.header.as_ref().map_or(0, Vec::len);
        if nend == 1 && row.field(0).trim_ascii().is_empty() {
            return; // A blank line.
        }
        if nend != width {
            sink.skip(
                line,
                start,
                format!("the row has {nend} fields, the header has {width}"),
            );
            return;
        }
        let len = (self.record_offset - start).min(u64::from(u32::MAX)) as u32;
        sink.source(&row, None, line, start, len);
    }
}

/// One CSV row, by column name. Only the fields a mapping reads are checked to be UTF-8
/// (the long prompt and output columns never are: checking them was 7% of a CSV import).
struct CsvRow<'a> {
    index: &'a HashMap<String, usize>,
    resolved: &'a Resolved,
    /// The row's field bytes, and where each field ends.
    out: &'a [u8],
    ends: &'a [usize],
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
        let from = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.out[from..self.ends[i]]
    }

    /// Field `i` as text; `None` (and the row's fault noted) when it is not UTF-8.
    fn text(&self, i: usize) -> Option<&str> {
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
