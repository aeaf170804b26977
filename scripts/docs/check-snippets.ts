/**
 * `npm run docs:check`: every TypeScript block of the hand-written docs compiles under the
 * workspace's strict settings against the packages' sources, and every block marked `fails` does
 * not. Each block is written to a folder of its own under `.build/docs-check/` (so
 * `npx tsc -p .build/docs-check` reproduces a failure) and all are checked in one program.
 * Markers are described in docs/contributing/documentation.md.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { extractSnippets, type Snippet } from './extract-snippets.js';
import { findDocPages } from './find-doc-pages.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = join(root, '.build/docs-check');

const pagesChecked = findDocPages(root);
const snippets = pagesChecked.flatMap((page) =>
  extractSnippets(page, readFileSync(join(root, page), 'utf8')),
);

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
for (const declarations of ['snippet-globals.d.ts', 'snippet-ambient-modules.d.ts']) {
  copyFileSync(join(root, 'scripts/docs', declarations), join(outDir, declarations));
}
writeFileSync(
  join(outDir, 'tsconfig.json'),
  `${JSON.stringify({ extends: '../../tsconfig.base.json', include: ['**/*.ts'] }, null, 2)}\n`,
);

const moduleFiles = new Map<string, Snippet>();
const besideFiles = new Map<string, string>(); // path -> where it is declared
snippets.forEach((snippet, index) => {
  const folder = join(
    outDir,
    `${String(index).padStart(3, '0')}-${snippet.file.replace(/[^\w]+/g, '-')}-L${snippet.line}`,
  );
  const path = join(folder, 'example.ts');
  for (const [file, text] of Object.entries(snippet.files)) {
    mkdirSync(dirname(join(folder, file)), { recursive: true });
    writeFileSync(join(folder, file), `${text}\nexport {};\n`);
    besideFiles.set(join(folder, file), `${snippet.file}:${snippet.line} (in its docs:file ${file})`);
  }
  mkdirSync(folder, { recursive: true });
  // The setup comes first on lines of its own; `export {}` keeps each block a module of its own.
  writeFileSync(path, `${snippet.setup}\n${snippet.code}\nexport {};\n`);
  moduleFiles.set(path, snippet);
});

const config = ts.getParsedCommandLineOfConfigFile(
  join(outDir, 'tsconfig.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  },
);
if (!config) throw new Error('docs:check: cannot read the snippet tsconfig');
const program = ts.createProgram({
  rootNames: config.fileNames,
  options: { ...config.options, noEmit: true },
});

const problems: string[] = [];
for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
  if (!diagnostic.file)
    problems.push(`tsconfig: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
}
for (const [path, where] of besideFiles) {
  for (const diagnostic of program.getSemanticDiagnostics(program.getSourceFile(path))) {
    problems.push(
      `${where}: TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`,
    );
  }
}
for (const [path, snippet] of moduleFiles) {
  const source = program.getSourceFile(path);
  if (!source) throw new Error(`docs:check: ${path} is not in the program`);
  const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
  const where = `${snippet.file}:${snippet.line}`;
  if (snippet.fails) {
    const codes = diagnostics.map((diagnostic) => `TS${diagnostic.code}`);
    if (diagnostics.length === 0) problems.push(`${where}: marked \`fails\` but compiles`);
    for (const expected of snippet.fails) {
      if (!codes.includes(expected))
        problems.push(`${where}: marked \`fails ${expected}\` but reports ${codes.join(', ') || 'nothing'}`);
    }
    continue;
  }
  const setupLines = snippet.setup.split('\n').length;
  for (const diagnostic of diagnostics) {
    const { line } = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const at =
      line < setupLines
        ? `${where} (in its docs:setup)`
        : `${snippet.file}:${snippet.line + line - setupLines}`;
    problems.push(`${at}: TS${diagnostic.code}: ${message}`);
  }
}

const pages = `${pagesChecked.length} pages`;
if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(
    `docs:check: ${problems.length} problem(s) in ${snippets.length} TypeScript blocks of ${pages}`,
  );
  process.exit(1);
}
console.log(`docs:check: ${snippets.length} TypeScript blocks of ${pages} compile as documented`);
