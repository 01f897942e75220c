/**
 * Saves text as a file from the page itself: a Blob behind a temporary link. Works the same in
 * Electron (which shows its save dialog) and in the browser host, with no extra call to the core.
 */
export function downloadText(fileName: string, text: string, type = 'text/csv;charset=utf-8'): void {
  // A BOM so spreadsheet programs read the export as UTF-8 (names with accents stay intact).
  const blob = new Blob([text.startsWith('\ufeff') ? '' : '\ufeff', text], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The click has started the download; give the browser a moment before the URL goes away.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
