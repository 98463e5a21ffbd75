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
                ReadRecordResult::Record => self.record(sink),
            }
        }
    }

    /// Reads the last record when the file does not end with a newline.
    pub fn finish(&mut self, sink: &mut Sink) {
        self.read(&[], sink);
    }

    fn record(&mut self, sink: &mut Sink) {
        let (line, start) = (self.record_line, self.record_offset);
        // The next record starts after this one's line end.
        self.record_offset = self.offset;
        self.record_line = self.rdr.line();
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
