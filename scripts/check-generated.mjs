#!/usr/bin/env node
// The TypeScript layouts in src/decode/generated/ are regenerated from the compiled objects'
// BTF by every build; a difference from what is committed means a C struct changed without
// its layout being committed (or the other way round).
import { spawnSync } from 'node:child_process';

const inRepo = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { encoding: 'utf8' });
if (inRepo.status !== 0) {
  console.log('check-generated: not a git checkout, skipping the diff');
  process.exit(0);
}
const diff = spawnSync('git', ['diff', '--exit-code', '--stat', '--', 'src/decode/generated'], { encoding: 'utf8' });
if (diff.status !== 0) {
  console.error('check-generated: src/decode/generated differs from the BTF of bpf/build/*.bpf.o:');
  console.error(diff.stdout);
  console.error('run `npm run build` and commit the regenerated files');
  process.exit(1);
}
const untracked = spawnSync('git', ['ls-files', '--others', '--exclude-standard', '--', 'src/decode/generated'], { encoding: 'utf8' });
if (untracked.stdout.trim() !== '') {
  console.error(`check-generated: uncommitted generated layouts: ${untracked.stdout.trim()}`);
  process.exit(1);
}
console.log('check-generated: layouts match the compiled objects');
