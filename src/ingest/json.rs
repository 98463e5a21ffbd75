//! One JSON document, as a push decoder: an array of records (`[{…}, {…}]`), or an object
//! whose first array member holds them (`{"data": [...], "meta": {…}}`, OTLP's
//! `{"resourceSpans": [...]}`). The document is never held whole: each element is cut out
//! as its bytes arrive (tracking strings and nesting), parsed alone and handed to the sink,
//! so a bad element costs only itself and memory stays at one element.

use super::Sink;

/// Where the cutter is in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    /// Before the first non-blank byte.
    #[default]
    Start,
    /// Inside the top-level object, looking for its first array member.
    InWrapper,
    /// Inside the records array, between elements.
    BetweenElements,
    /// Inside an element.
    InElement,
    /// After the records array: the rest is not read.
    Done,
}

/// The JSON document decoder's state between chunks.
#[derive(Default)]
pub struct JsonDecoder {
    state: State,
    /// Nesting depth (objects and arrays) at the current byte.
    depth: u32,
    /// The depth of the records array's elements.
    element_depth: u32,
    in_string: bool,
    escaped: bool,
    /// The bytes of the element being cut.
    element: Vec<u8>,
    element_offset: u64,
    element_line: u64,
    /// The last string closed inside the wrapper object (the key of the array found).
    last_key: Vec<u8>,
    /// File offset of the next byte.
    offset: u64,
    /// 1-based line of the next byte.
    line: u64,
    /// Why the document cannot be read, once known (reported at the end).
    broken: Option<(u64, u64, String)>,
}

impl JsonDecoder {
    /// Cuts every element completed by `chunk`.
    pub fn feed(&mut self, chunk: &[u8], sink: &mut Sink) {
        if self.line == 0 {
            self.line = 1;
        }
        for &c in chunk {
            self.byte(c, sink);
            self.offset += 1;
            if c == b'\n' {
                self.line += 1;
            }
        }
    }

    fn byte(&mut self, c: u8, sink: &mut Sink) {
        if self.state == State::InElement {
            self.element.push(c);
        }
        if self.in_string {
            match (self.escaped, c) {
                (true, _) => self.escaped = false,
                (false, b'\\') => self.escaped = true,
                (false, b'"') => self.in_string = false,
                _ => {}
            }
            if self.state == State::InWrapper && self.depth == 1 {
                if self.in_string {
                    self.last_key.push(c);
                } else {
                    // The closing quote: last_key holds the string's raw text.
                }
            }
            return;
        }
        match self.state {
            State::Done => {}
            State::Start => match c {
                b'[' => {
                    self.depth = 1;
                    self.element_depth = 1;
                    self.state = State::BetweenElements;
                }
                b'{' => {
                    self.depth = 1;
                    self.state = State::InWrapper;
                }
                b'\xEF' | b'\xBB' | b'\xBF' if self.offset < 3 => {}
                c if c.is_ascii_whitespace() => {}
                _ => self.fail("not a JSON array or object"),
            },
            State::InWrapper => match c {
                b'"' => {
                    self.in_string = true;
                    if self.depth == 1 {
                        self.last_key.clear();
                    }
                }
                b'[' if self.depth == 1 => {
                    self.depth = 2;
                    self.element_depth = 2;
                    self.state = State::BetweenElements;
                }
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        self.fail("a JSON object with no array of records in it");
                        self.state = State::Done;
                    }
                }
                _ => {}
            },
            State::BetweenElements => match c {
                b']' => self.state = State::Done,
                b',' => {}
                c if c.is_ascii_whitespace() => {}
                _ => {
                    self.state = State::InElement;
                    self.element.clear();
                    self.element.push(c);
                    self.element_offset = self.offset;
                    self.element_line = self.line;
                    self.open_or_close(c, sink);
                }
            },
            State::InElement => self.open_or_close(c, sink),
        }
    }

    /// Tracks nesting inside an element; a scalar element ends at `,` or `]`.
    fn open_or_close(&mut self, c: u8, sink: &mut Sink) {
        match c {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' if self.depth > self.element_depth => {
                self.depth -= 1;
                if self.depth == self.element_depth {
                    self.emit(sink);
                    self.state = State::BetweenElements;
                }
            }
            b',' | b']' if self.depth == self.element_depth => {
                // A scalar element (a number, say) ended: not a record.
                self.element.pop();
                self.emit(sink);
                self.state = if c == b']' {
                    State::Done
                } else {
                    State::BetweenElements
                };
            }
            _ => {}
        }
    }

    fn emit(&mut self, sink: &mut Sink) {
        let bytes = std::mem::take(&mut self.element);
        sink.report.lines += 1;
        let wrapper = (self.element_depth == 2).then(|| String::from_utf8_lossy(&self.last_key));
        sink.json_bytes(
            &bytes,
            self.element_line,
            self.element_offset,
            wrapper.as_deref(),
        );
        self.element = bytes;
        self.element.clear();
    }

    fn fail(&mut self, why: &str) {
        if self.broken.is_none() {
            self.broken = Some((self.line, self.offset, why.to_string()));
        }
        self.state = State::Done;
    }

    /// Reports a document that ended early or was not one.
    pub fn finish(&mut self, sink: &mut Sink) {
        let ended_early = match self.state {
            State::InElement | State::BetweenElements | State::InWrapper => true,
            State::Start | State::Done => false,
        };
        if ended_early {
            let what = if self.state == State::InElement {
                "the file ends inside a record (the last one is cut off)"
            } else {
                "the file ends before the JSON document closes"
            };
            let (line, offset) = if self.state == State::InElement {
                (self.element_line, self.element_offset)
            } else {
                (self.line, self.offset)
            };
            sink.skip(line, offset, what.to_string());
        }
        if let Some((line, offset, why)) = self.broken.take() {
            sink.skip(line, offset, why);
        }
        self.state = State::Done;
    }
}
