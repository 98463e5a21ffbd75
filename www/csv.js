// CSV and TSV text -> rows of fields, as the engine reads them (RFC 4180: quoted fields,
// doubled quotes, delimiters and newlines inside quotes, CRLF, a byte-order mark). Used by
// drill-down (one row read back from the file) and by the mapping dialog (the first rows).

/**
 * Parses `text` into rows of fields. `complete` false means the text was cut (a File.slice
 * of a big file): a last row that may be unfinished is dropped.
 */
export function parseCsv(text, delimiter = ',', complete = true) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const n = s.length;
  let rowDone = false;
  while (i < n) {
    const c = s[i];
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        continue;
      }
      field += c;
      i += 1;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      i += 1;
    } else if (c === delimiter) {
      row.push(field);
      field = '';
      i += 1;
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += c === '\r' && s[i + 1] === '\n' ? 2 : 1;
      rowDone = true;
      continue;
    } else {
      field += c;
      i += 1;
    }
    rowDone = false;
  }
  if (!rowDone && (field !== '' || row.length > 0 || quoted)) {
    if (complete) {
      row.push(field);
      rows.push(row);
    }
  }
  // Blank lines are not rows.
  return rows.filter((r) => !(r.length === 1 && r[0].trim() === ''));
}

/**
 * One CSV row (the bytes drill-down read back) as an object {column: value}, in header
 * order. `null` when the row does not have as many fields as the header.
 */
export function csvRecord(text, columns, delimiter = ',') {
  const rows = parseCsv(text, delimiter, true);
  if (rows.length !== 1) return null;
  const fields = rows[0];
  if (fields.length !== columns.length) return null;
  // No prototype: a column called "__proto__" is a column like any other.
  const rec = Object.create(null);
  columns.forEach((name, i) => {
    // A repeated column name keeps its first value, as the engine does.
    if (!(name in rec)) rec[name] = fields[i];
  });
  return rec;
}
