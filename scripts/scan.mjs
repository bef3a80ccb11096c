/**
 * n8n's package scan, run on what npm would publish: `npm pack`, unpack into a temporary folder,
 * check that the tarball holds only dist/, README.md, LICENSE and package.json, then run
 * `analyzePackage` of `@n8n/scan-community-package` as its CLI does for a published package: over the
 * compiled `.js` and package.json of the tarball, and over the package's sources.
 * Exits non-zero when anything fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

import {
	analyzePackage,
	SOURCE_FILE_PATTERNS,
} from '@n8n/scan-community-package/scanner/scanner.mjs';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'kirin-scan-'));
let failed = false;

try {
	const [packed] = JSON.parse(
		execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
			cwd: root,
			encoding: 'utf8',
		}),
	);
	const unpacked = join(work, 'package');
	execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', work]);

	const files = [];
	const walk = (dir) => {
		for (const entry of readdirSync(dir, { withFileTypes: true })) {
			const path = join(dir, entry.name);
			if (entry.isDirectory()) walk(path);
			else files.push(relative(unpacked, path));
		}
	};
	walk(unpacked);
	const allowed = (file) =>
		['package.json', 'README.md', 'LICENSE'].includes(file) ||
		(file.startsWith('dist/') && !file.endsWith('.map') && !/\btest\b/.test(file));
	const unexpected = files.filter((file) => !allowed(file));
	console.log(
		`tarball ${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(1)} KiB`,
	);
	if (unexpected.length) {
		failed = true;
		console.log(`unexpected files in the tarball:\n  ${unexpected.join('\n  ')}`);
	}
	for (const required of [
		'package.json',
		'README.md',
		'LICENSE',
		'dist/icons/kirin.svg',
		'dist/nodes/Kirin/Kirin.node.js',
	]) {
		if (!files.includes(required)) {
			failed = true;
			console.log(`missing from the tarball: ${required}`);
		}
	}

	const legs = [
		['compiled package (tarball)', unpacked, ['**/*.js', 'package.json']],
		['sources', root, SOURCE_FILE_PATTERNS],
	];
	for (const [label, dir, patterns] of legs) {
		const result = await analyzePackage(dir, patterns);
		console.log(
			`${result.passed ? 'passed' : 'FAILED'}: ${label}${result.message ? ` (${result.message})` : ''}`,
		);
		if (!result.passed) {
			failed = true;
			if (result.details) console.log(result.details);
		}
	}
} finally {
	rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
