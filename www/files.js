// Where files come from: drop anywhere on the page, the file picker, the demo button (whose
// file the page fetches itself, so that it holds every loaded file as a Blob). Several
// files dropped or picked together are one import.

const DEMO_URL = './demo.jsonl';

function hasFiles(e) {
  const types = e.dataTransfer && e.dataTransfer.types;
  return !!types && Array.from(types).includes('Files');
}

/**
 * Wires the sources. `load({files})` or `load({url, name})` is called for each choice.
 */
export function initFiles(load) {
  const input = document.getElementById('file-input');
  input.addEventListener('change', () => {
    const files = input.files ? Array.from(input.files) : [];
    if (files.length > 0) load({ files });
    // Let the same file be chosen again later.
    input.value = '';
  });

  document.getElementById('demo-button').addEventListener('click', () => {
    load({ url: DEMO_URL, name: 'demo data (demo.jsonl)' });
  });

  // Drop anywhere. dragenter/dragleave fire for every child, so count them.
  let depth = 0;
  const body = document.body;
  window.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth += 1;
    body.classList.add('dragging');
  });
  window.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  });
  window.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) body.classList.remove('dragging');
  });
  window.addEventListener('drop', (e) => {
    // Always stop the browser from navigating to the dropped file.
    e.preventDefault();
    depth = 0;
    body.classList.remove('dragging');
    const files = e.dataTransfer ? Array.from(e.dataTransfer.files || []) : [];
    if (files.length > 0) load({ files });
  });
}
