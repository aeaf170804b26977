/**
 * Finds the TypeScript blocks of a Markdown page, with what `docs:check` needs to know about each.
 *
 * A block opens with a fence whose language is `ts` or `typescript`. Words after the language are
 * flags: `fails` marks a block that must NOT compile (`fails TS2322` also names the error code it
 * must produce). Comments right before a block, not shown to readers, give it what the prose has
 * already introduced: `<!-- docs:setup ... -->` is compiled in front of the block (for
 * `declare const order: Order;`), and `<!-- docs:file consumers.ts ... -->` is a module beside it
 * (for `import { reserveStock } from './consumers.js'`).
 */
export interface Snippet {
  /** The page, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the block's first code line in the page. */
  readonly line: number;
  /** The code as a reader sees it. */
  readonly code: string;
  /** Hidden code compiled before `code` (empty when the block has no setup comment). */
  readonly setup: string;
  /** Modules written beside the block, by path relative to it. */
  readonly files: Readonly<Record<string, string>>;
  /** Set when the block is marked as an example that must not compile; `[]` accepts any error. */
  readonly fails?: readonly string[];
}

const TYPESCRIPT_LANGUAGES = new Set(['ts', 'typescript', 'mts']);
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)(.*)$/;
const HIDDEN_COMMENT = /^<!--\s*docs:(setup|file)\b\s*(\S*)/;

export function extractSnippets(file: string, markdown: string): Snippet[] {
  const lines = markdown.split(/\r?\n/);
  const snippets: Snippet[] = [];
  let pendingSetup = '';
  let pendingFiles: Record<string, string> = {};
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const hidden = HIDDEN_COMMENT.exec(line.trim());
    if (hidden) {
      const body: string[] = [line.trim().slice(hidden[0].length)];
      while (!body.at(-1)!.includes('-->') && index + 1 < lines.length) body.push(lines[++index]!);
      const text = body.join('\n').replace(/-->\s*$/, '');
      if (hidden[1] === 'file') pendingFiles[hidden[2]!] = text;
      else pendingSetup += text;
      continue;
    }
    const fence = FENCE.exec(line);
    if (!fence) {
      if (line.trim() !== '') {
        pendingSetup = '';
        pendingFiles = {};
      }
      continue;
    }
    const [, indent = '', marker = '', language = '', rest = ''] = fence;
    const start = index + 1;
    const body: string[] = [];
    for (index++; index < lines.length; index++) {
      const inner = lines[index]!;
      if (inner.trim().startsWith(marker) && inner.trim().replace(/[`~]/g, '') === '') break;
      body.push(inner.startsWith(indent) ? inner.slice(indent.length) : inner);
    }
    if (TYPESCRIPT_LANGUAGES.has(language.toLowerCase())) {
      const flags = rest.trim().split(/\s+/).filter(Boolean);
      const failsAt = flags.indexOf('fails');
      snippets.push({
        file,
        line: start + 1,
        code: body.join('\n'),
        setup: pendingSetup,
        files: pendingFiles,
        ...(failsAt === -1 ? {} : { fails: flags.slice(failsAt + 1).filter((flag) => /^TS\d+$/.test(flag)) }),
      });
    }
    pendingSetup = '';
    pendingFiles = {};
  }
  return snippets;
}
