/**
 * Text from a graph (its name, labels, file names) written into generated Markdown and shell
 * commands: a name is data, never markup or code. Pure.
 */

/** One line of Markdown text: line breaks and controls become spaces; markup characters are escaped. */
export function mdText(s: string): string {
  return s
    .replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ')
    .replace(/[\\`*_{}[\]()<>#+\-.!|~&]/g, (c) => `\\${c}`)
    .trim();
}

/** An inline code span that holds `s` literally, whatever backticks it contains (CommonMark). */
export function mdCode(s: string): string {
  const flat = s.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ');
  let longest = 0;
  for (const m of flat.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || /^ .* $/.test(flat) ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * A POSIX shell word that stands for `s` exactly: left bare when it is only safe characters,
 * otherwise single-quoted (no expansion of $(), backticks, globs or spaces inside).
 */
export function shQuote(s: string): string {
  if (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) && !s.startsWith('-')) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
