import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

export interface CodeBlock {
  /** Path relative to the repository, and the line of the opening fence: names the block in test titles. */
  where: string;
  /** The nearest heading above the block. */
  heading: string;
  lang: string;
  code: string;
}

/** Every fenced TypeScript block (```ts, ```typescript) of a Markdown file, in order. */
export function typescriptBlocks(root: string, path: string): CodeBlock[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^```(\w*)\s*$/.exec(line);
    if (!fence) {
      const title = /^#{1,6}\s+(.*)$/.exec(line);
      if (title) heading = title[1]!.trim();
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    const lang = fence[1]!;
    if (lang === 'ts' || lang === 'typescript') {
      blocks.push({ where: `${relative(root, path)}:${start + 1}`, heading, lang, code: `${body.join('\n')}\n` });
    }
  }
  return blocks;
}
