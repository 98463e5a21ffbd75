// Number formatting for KPIs and tables. Every formatter shows a missing value (null or
// undefined) as an em dash, never as 0.

export const NULL_TEXT = '—';

const LOCALE = 'en-US';
const intFmt = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

/** 1234567 -> "1,234,567". */
export function formatInt(v) {
  return isNum(v) ? intFmt.format(v) : NULL_TEXT;
}

/** 1234567 -> "1.23M" (full number belongs in a title). */
export function formatCompact(v) {
  if (!isNum(v)) return NULL_TEXT;
  const a = Math.abs(v);
  if (a < 10_000) return intFmt.format(v);
  const units = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'k']];
  for (const [size, suffix] of units) {
    if (a >= size) {
      const x = v / size;
      const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
      return `${x.toFixed(digits)}${suffix}`;
    }
  }
  return intFmt.format(v);
}

/** 0.01234 -> "1.23%". */
export function formatPercent(ratio) {
  if (!isNum(ratio)) return NULL_TEXT;
  const pct = ratio * 100;
  if (pct === 0) return '0%';
  if (Math.abs(pct) < 0.01) return '<0.01%';
  return `${pct.toFixed(Math.abs(pct) >= 10 ? 1 : 2)}%`;
}

/** Milliseconds: 842.3 -> "842 ms", 1530 -> "1.53 s", 0.42 -> "0.42 ms". */
export function formatMs(ms) {
  if (!isNum(ms)) return NULL_TEXT;
  const a = Math.abs(ms);
  if (a >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (a >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (a >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (a >= 10) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** USD: 1234.5 -> "$1,234.50", 0.00123 -> "$0.0012". */
/** USD formatters by fraction digits, made once: making one costs far more than formatting
 * (the tables format a few hundred amounts on every view). */
const usdFmts = new Map();

export function formatUsd(v) {
  if (!isNum(v)) return NULL_TEXT;
  const a = Math.abs(v);
  const digits = a === 0 ? 2 : a < 0.01 ? 4 : a < 1 ? 3 : 2;
  let fmt = usdFmts.get(digits);
  if (!fmt) {
    fmt = new Intl.NumberFormat(LOCALE, {
      style: 'currency', currency: 'USD', minimumFractionDigits: digits, maximumFractionDigits: digits,
    });
    usdFmts.set(digits, fmt);
  }
  return fmt.format(v);
}

/**
 * Request rate from requests per second, in the unit that keeps it readable:
 * 12.3 -> "12.3 req/s", 0.0248 -> "1.49 req/min", 0.001 -> "3.6 req/h".
 */
export function formatRate(rps) {
  if (!isNum(rps)) return NULL_TEXT;
  if (rps === 0) return '0 req/s';
  const sig = (x) => (Math.abs(x) >= 100 ? intFmt.format(x) : Number(x.toPrecision(3)).toString());
  const a = Math.abs(rps);
  if (a >= 1) return `${sig(rps)} req/s`;
  if (a * 60 >= 1) return `${sig(rps * 60)} req/min`;
  return `${sig(rps * 3600)} req/h`;
}

/** Requests per second, always in req/s with three significant digits. */
export function formatRps(rps) {
  if (!isNum(rps)) return NULL_TEXT;
  return `${Number(rps.toPrecision(3))} req/s`;
}

/** Bytes: 1536 -> "1.5 KB" (decimal units, as file managers show). */
export function formatBytes(n) {
  if (!isNum(n)) return NULL_TEXT;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let x = n;
  let i = 0;
  while (Math.abs(x) >= 1000 && i < units.length - 1) { x /= 1000; i++; }
  return `${i === 0 ? x : x.toFixed(x >= 100 ? 0 : 1)} ${units[i]}`;
}

/** Seconds -> "1.2 s" / "3 min 4 s" for elapsed times. */
export function formatDuration(secs) {
  if (!isNum(secs)) return NULL_TEXT;
  if (secs < 1) return `${Math.max(1, Math.round(secs * 1000))} ms`;
  if (secs < 60) return `${secs.toFixed(1)} s`;
  const m = Math.floor(secs / 60);
  return `${m} min ${Math.round(secs - m * 60)} s`;
}

/** The display time zone (an IANA name); the page shows every time in it and says which. */
let displayZone = 'UTC';
let zoneFormat = null;

/** Sets the display time zone for every time shown from now on. */
export function setDisplayZone(zone) {
  displayZone = zone || 'UTC';
  zoneFormat = null;
}

/** The display time zone, e.g. "UTC" or "Europe/Paris". */
export function getDisplayZone() {
  return displayZone;
}

/** The browser's own time zone (UTC when it names none). */
export function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** "2026-11-09T00:00:01.123456Z" -> "2026-11-09 00:00:01" on the display zone's clock. */
function local(iso) {
  if (displayZone === 'UTC') return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  if (!zoneFormat) {
    zoneFormat = new Intl.DateTimeFormat('en-CA', {
      timeZone: displayZone, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    });
  }
  const p = Object.fromEntries(zoneFormat.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** "2026-11-09T00:00:01.123456Z" -> "2026-11-09 00:00" in the display zone. */
export function formatTs(iso) {
  if (typeof iso !== 'string' || iso.length < 16) return NULL_TEXT;
  return local(iso).slice(0, 16);
}

/** "2026-11-09T00:00:01.123456Z" -> "2026-11-09 00:00:01" in the display zone. */
export function formatTsSeconds(iso) {
  if (typeof iso !== 'string' || iso.length < 19) return NULL_TEXT;
  return local(iso);
}

/** Raw value for a data-value attribute: the number as JS prints it, "" for null. */
export function rawValue(v) {
  return isNum(v) ? String(v) : '';
}
