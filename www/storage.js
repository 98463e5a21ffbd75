// Text the page keeps in this browser (the rules, the prices): localStorage, where an empty
// text means "none" and a browser that refuses storage (private mode) keeps it for this page
// only.

/** The text saved under `key`, or '' when there is none. */
export function savedText(key) {
  try {
    return localStorage.getItem(key) || '';
  } catch {
    return '';
  }
}

/** Saves `text` under `key`; blank text forgets it. */
export function saveText(key, text) {
  try {
    if (text.trim()) localStorage.setItem(key, text);
    else localStorage.removeItem(key);
  } catch {
    // Private mode: the text lasts for this page only.
  }
}
