/**
 * `npm run release -- <patch|minor|major|x.y.z>`: the release flow of n8n's `n8n-node release`,
 * with a Keep a Changelog CHANGELOG.md. In the repository it is run from, on a clean `main` with an
 * upstream branch:
 *   1. refuses when the working tree has changes, the branch is not main, the tag exists, or
 *      CHANGELOG.md's `## [Unreleased]` section is empty;
 *   2. runs `npm run lint` and `npm run build`;
 *   3. sets the new version in package.json and package-lock.json, moves the Unreleased entries
 *      under `## [x.y.z] - <today>` and updates the comparison links;
 *   4. commits "Release x.y.z", makes the annotated tag `x.y.z` and pushes both (the tag starts
 *      .github/workflows/publish.yml, which publishes with provenance).
 * Options: `--dry-run` prints what it would do and changes nothing; `--no-push` stops before the
 * push; `--skip-checks` skips step 2. A version equal to package.json's is accepted while no tag
 * exists for it (the first release).
 */
import { spawnSync } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';

import { repositorySlug, type PackageMetadata } from './release-check';

/** How to change the version: a semver part, or the exact new version. */
export type Bump = 'patch' | 'minor' | 'major' | string;

const VERSION = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/;

/**
 * The version after `bump`: `patch` 1.2.3 -> 1.2.4, `minor` -> 1.3.0, `major` -> 2.0.0; from a
 * prerelease (1.3.0-rc.1) `patch`/`minor`/`major` give the release it leads to where that is the
 * same part (1.3.0). An exact version is returned as is.
 *
 * @throws Error when `current` or an exact `bump` is not a version, or an exact one is lower
 */
export function nextVersion(current: string, bump: Bump): string {
	const parsed = VERSION.exec(current);
	if (!parsed) throw new Error(`package.json's version ${current} is not x.y.z`);
	const [major, minor, patch] = parsed.slice(1, 4).map(Number);
	const pre = parsed[4];
	switch (bump) {
		case 'major':
			return pre && minor === 0 && patch === 0 ? `${major}.0.0` : `${major + 1}.0.0`;
		case 'minor':
			return pre && patch === 0 ? `${major}.${minor}.0` : `${major}.${minor + 1}.0`;
		case 'patch':
			return pre ? `${major}.${minor}.${patch}` : `${major}.${minor}.${patch + 1}`;
		default: {
			const wanted = VERSION.exec(bump);
			if (!wanted) throw new Error(`${bump} is neither patch, minor, major nor a version x.y.z`);
			const order = (m: RegExpExecArray) => m.slice(1, 4).map(Number);
			const [a, b] = [order(wanted), [major, minor, patch]];
			const cmp =
				a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || (wanted[4] ? -1 : 0) - (pre ? -1 : 0);
			if (cmp < 0) throw new Error(`${bump} is lower than the current version ${current}`);
			return bump;
		}
	}
}

/**
 * CHANGELOG.md with the `## [Unreleased]` entries moved under `## [version] - date`, an empty
 * Unreleased section left above, and the link references at the bottom updated: Unreleased
 * compares the new tag with HEAD, the new version compares the previous tag with the new one (or
 * links the tag's release page for a first release).
 *
 * @param date `YYYY-MM-DD`
 * @param repositoryUrl `https://github.com/owner/name`
 * @throws Error when there is no Unreleased section, it holds no entry, or the version has one already
 */
export function releaseChangelog(
	changelog: string,
	version: string,
	date: string,
	repositoryUrl: string,
): string {
	const heading = /^## \[Unreleased\][^\n]*\n/im.exec(changelog);
	if (!heading) throw new Error('CHANGELOG.md has no "## [Unreleased]" section');
	const bodyStart = heading.index + heading[0].length;
	const nextHeading = /^## \[/m.exec(changelog.slice(bodyStart));
	const linksStart = /^\[[^\]]+\]: /m.exec(changelog.slice(bodyStart));
	const bodyEnd =
		bodyStart +
		Math.min(
			nextHeading?.index ?? Infinity,
			linksStart?.index ?? Infinity,
			changelog.length - bodyStart,
		);
	const body = changelog.slice(bodyStart, bodyEnd).trim();
	if (!/^\s*[-*] /m.test(body))
		throw new Error('CHANGELOG.md: "## [Unreleased]" has no entries to release');
	if (new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\]`, 'm').test(changelog))
		throw new Error(`CHANGELOG.md already has a section for ${version}`);
	const previous = /^## \[(\d+\.\d+\.\d+[^\]]*)\]/m.exec(changelog.slice(bodyEnd))?.[1];

	let text =
		changelog.slice(0, bodyStart) +
		`\n## [${version}] - ${date}\n\n${body}\n\n` +
		changelog.slice(bodyEnd).replace(/^\n+/, '');
	const links = [
		`[Unreleased]: ${repositoryUrl}/compare/${version}...HEAD`,
		previous
			? `[${version}]: ${repositoryUrl}/compare/${previous}...${version}`
			: `[${version}]: ${repositoryUrl}/releases/tag/${version}`,
	];
	text = text.replace(/^\[Unreleased\]: .*\n?/im, '');
	const firstLink = /^\[[^\]]+\]: /m.exec(text);
	text = firstLink
		? `${text.slice(0, firstLink.index)}${links.join('\n')}\n${text.slice(firstLink.index)}`
		: `${text.trimEnd()}\n\n${links.join('\n')}\n`;
	return text.replace(/\n{3,}/g, '\n\n');
}

/**
 * package.json's text with its top-level `"version"` set, changing nothing else (others' edits and
 * the formatting stay).
 *
 * @throws Error when there is no top-level version line
 */
export function setPackageVersion(text: string, version: string): string {
	const line = /^(  "version": )"[^"]*"/m;
	if (!line.test(text)) throw new Error('package.json has no top-level "version"');
	return text.replace(line, `$1"${version}"`);
}

/** package-lock.json's text with the root package's version set (both places npm keeps it). */
export function setLockVersion(text: string, version: string): string {
	const lock = JSON.parse(text) as {
		version?: string;
		packages?: Record<string, { version?: string }>;
	};
	lock.version = version;
	if (lock.packages?.['']) lock.packages[''].version = version;
	return `${JSON.stringify(lock, null, 2)}\n`;
}

/** Runs a command in `cwd`; returns its trimmed stdout. @throws Error with its output when it fails */
function run(cwd: string, command: string, args: string[], quiet = true): string {
	const result = spawnSync(command, args, {
		cwd,
		encoding: 'utf8',
		stdio: ['ignore', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'],
	});
	if (result.status !== 0)
		throw new Error(
			`${command} ${args.join(' ')} failed (exit ${result.status}): ${result.stderr ?? ''}${result.stdout ?? ''}`.trim(),
		);
	return (result.stdout ?? '').trim();
}

function main(argv: string[]): void {
	const flags = new Set(argv.filter((arg) => arg.startsWith('--')));
	const [bump] = argv.filter((arg) => !arg.startsWith('--'));
	for (const flag of flags)
		if (!['--dry-run', '--no-push', '--skip-checks'].includes(flag))
			throw new Error(`unknown option ${flag}`);
	if (!bump)
		throw new Error(
			'usage: npm run release -- <patch|minor|major|x.y.z> [--dry-run] [--no-push] [--skip-checks]',
		);
	const dryRun = flags.has('--dry-run');
	const root = process.cwd();
	const git = (...args: string[]) => run(root, 'git', args);

	const branch = git('rev-parse', '--abbrev-ref', 'HEAD');
	if (branch !== 'main') throw new Error(`releases are made from main, not ${branch}`);
	const dirty = git('status', '--porcelain');
	if (dirty)
		throw new Error(`the working tree has changes; commit or remove them first:\n${dirty}`);
	const push = !flags.has('--no-push');
	let remote = '';
	if (push) {
		try {
			remote = git('config', 'branch.main.remote');
		} catch {
			throw new Error('main has no upstream branch to push to (git push -u <remote> main)');
		}
	}

	const packagePath = join(root, 'package.json');
	const lockPath = join(root, 'package-lock.json');
	const changelogPath = join(root, 'CHANGELOG.md');
	const packageText = readFileSync(packagePath, 'utf8');
	const pkg = JSON.parse(packageText) as PackageMetadata;
	const version = nextVersion(pkg.version ?? '', bump);
	const tags = git('tag', '--list', version, `v${version}`);
	if (tags) throw new Error(`the tag ${tags.split('\n')[0]} exists already`);
	const repositoryUrl = `https://github.com/${repositorySlug(typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url) ?? ''}`;
	const date = new Date().toISOString().slice(0, 10);
	const changelog = releaseChangelog(
		readFileSync(changelogPath, 'utf8'),
		version,
		date,
		repositoryUrl,
	);

	console.log(`release ${pkg.name} ${pkg.version} -> ${version} (${date})`);
	if (dryRun) {
		console.log('dry run: nothing changed; the new CHANGELOG.md would start with:');
		console.log(changelog.split('\n').slice(0, 20).join('\n'));
		return;
	}
	if (!flags.has('--skip-checks')) {
		run(root, 'npm', ['run', 'lint'], false);
		run(root, 'npm', ['run', 'build'], false);
	}
	writeFileSync(packagePath, setPackageVersion(packageText, version));
	const files = ['package.json', 'CHANGELOG.md'];
	try {
		writeFileSync(lockPath, setLockVersion(readFileSync(lockPath, 'utf8'), version));
		files.push('package-lock.json');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
	}
	writeFileSync(changelogPath, changelog);
	git('add', '--', ...files);
	git('commit', '-m', `Release ${version}`, '--', ...files);
	git('tag', '-a', version, '-m', `Release ${version}`);
	console.log(`committed "Release ${version}" and tagged ${version}`);
	if (!push) {
		console.log(`not pushed: git push --atomic <remote> main ${version}`);
		return;
	}
	git('push', '--atomic', remote, `HEAD:refs/heads/main`, `refs/tags/${version}`);
	console.log(`pushed main and ${version} to ${remote}: the publish workflow takes it from here`);
}

if (require.main === module) {
	try {
		main(process.argv.slice(2));
	} catch (error) {
		console.error(`release: ${error instanceof Error ? error.message : String(error)}`);
		process.exitCode = 1;
	}
}
