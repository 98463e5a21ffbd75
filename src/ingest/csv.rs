//! CSV and TSV with a header row, as a push decoder (csv-core: quoted fields, embedded
//! newlines and delimiters, doubled quotes, CRLF, a byte-order mark). Each row is seen
//! through [`Source`] by column name; a column holding JSON text (`usage`, `metadata`) can
//! be walked into by the profile's paths.

use std::borrow::Cow;
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
        let fields: Result<Vec<&str>, usize> = (0..nend)
            .map(|i| {
                let from = if i == 0 { 0 } else { self.ends[i - 1] };
                std::str::from_utf8(&self.out[from..self.ends[i]]).map_err(|_| i)
            })
            .collect();
        debug_assert!(self.ends[..nend].last().is_none_or(|&e| e <= nout));
        let header = self.header.is_none();
        let fields = match fields {
            Ok(f) => f,
            Err(i) => {
                let what = if header { "the header" } else { "field" };
                sink.skip(
                    line,
                    start,
                    format!("{what} {} is not valid UTF-8 text", i + 1),
                );
                return;
            }
        };
        if header {
            let names: Vec<String> = fields.iter().map(|f| f.trim().to_string()).collect();
            for (i, n) in names.iter().enumerate() {
                self.index.entry(n.clone()).or_insert(i);
            }
            sink.columns(&names);
            self.header = Some(names);
            return;
        }
        sink.report.lines += 1;
        let width = self.header.as_ref().map_or(0, Vec::len);
        if fields.len() == 1 && fields[0].trim().is_empty() {
            return; // A blank line.
        }
        if fields.len() != width {
            sink.skip(
                line,
                start,
                format!(
                    "the row has {} fields, the header has {width}",
                    fields.len()
                ),
            );
            return;
        }
        let row = CsvRow {
            index: &self.index,
            fields: &fields,
        };
        let len = (self.record_offset - start).min(u64::from(u32::MAX)) as u32;
        sink.source(&row, None, line, start, len);
    }
}

/// One CSV row, by column name.
struct CsvRow<'a> {
    index: &'a HashMap<String, usize>,
    fields: &'a [&'a str],
}

impl CsvRow<'_> {
    fn cell(&self, name: &str) -> Option<&str> {
        self.index.get(name).map(|&i| self.fields[i])
    }
}

impl Source for CsvRow<'_> {
    fn get(&self, path: &[String]) -> Val<'_> {
        let cell = if path.len() == 1 {
            self.cell(&path[0])
        } else {
            // `usage.input` as a column of its own, else column `usage` holding JSON.
            match self.cell(&path.join(".")) {
                Some(c) => Some(c),
                None => {
                    let Some(text) = self.cell(&path[0]) else {
                        return Val::Null;
                    };
                    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
                        return Val::Null;
                    };
                    return owned(json_path(&v, &path[1..]));
                }
            }
        };
        match cell {
            None => Val::Null,
            Some("") => Val::Null,
            Some(c) => Val::Str(Cow::Borrowed(c)),
        }
    }
}
