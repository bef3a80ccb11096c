/**
 * Checks that guard a release:
 *
 *   tsx scripts/release-check.ts tag <tag>   the publish workflow's gate: exits 1, saying why,
 *       unless <tag> (`1.2.3` or `v1.2.3`) is package.json's version, CHANGELOG.md has a section
 *       for it, package.json's repository, homepage, bugs and author point at one GitHub
 *       repository, and, on GitHub Actions, that repository is the one running the workflow
 *       (npm refuses a provenance statement from another repository).
 *   tsx scripts/release-check.ts guard       package.json's `prepublishOnly`: refuses `npm publish`
 *       unless RELEASE_MODE=true, which only the publish workflow sets, so that every published
 *       version has a provenance statement.
 */
import { readFileSync } from 'fs';
import { join } from 'path';

/** The parts of package.json a release reads. */
export interface PackageMetadata {
	name?: string;
	version?: string;
	homepage?: string;
	repository?: string | { type?: string; url?: string; directory?: string };
	bugs?: string | { url?: string; email?: string };
	author?: string | { name?: string; email?: string; url?: string };
}

/**
 * The version a release tag stands for: `1.2.3` and `v1.2.3` (with an optional prerelease such as
 * `-rc.1`) give `1.2.3`; anything else gives undefined.
 */
export function versionOfTag(tag: string): string | undefined {
	const match = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/.exec(tag.trim());
	return match?.[1];
}

/**
 * `owner/name` of a GitHub repository from the forms package.json uses: `git+https://github.com/o/n.git`,
 * `https://github.com/o/n#readme`, `https://github.com/o/n/issues`, `git@github.com:o/n.git`,
 * `github:o/n` and the bare `o/n`. Lower case, as GitHub compares them. Undefined for other hosts.
 */
export function repositorySlug(url: string | undefined): string | undefined {
	if (!url) return undefined;
	const match =
		/^(?:git\+)?(?:https?|git|ssh):\/\/(?:[^@/]+@)?github\.com\/([\w.-]+)\/([\w.-]+?)(?:\.git)?(?:[/#?].*)?$/.exec(
			url,
		) ??
		/^git@github\.com:([\w.-]+)\/([\w.-]+?)(?:\.git)?$/.exec(url) ??
		/^(?:github:)?([\w.-]+)\/([\w.-]+)$/.exec(url);
	return match ? `${match[1]}/${match[2]}`.toLowerCase() : undefined;
}

/**
 * What is wrong with package.json's links for a provenance release: the repository must be a GitHub
 * repository, and homepage, bugs and the author's URL (when given) must point at the same one
 * (the author's URL may also be the repository's owner); the author needs a name and an email (n8n's
 * scanner rule). Empty when all is well.
 */
export function metadataProblems(pkg: PackageMetadata): string[] {
	const problems: string[] = [];
	const repositoryUrl = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
	const slug = repositorySlug(repositoryUrl);
	if (!slug) {
		problems.push(`repository ${JSON.stringify(repositoryUrl ?? null)} is not a GitHub repository`);
		return problems;
	}
	const sameRepository = (what: string, url: string | undefined) => {
		if (!url) problems.push(`${what} is missing`);
		else if (repositorySlug(url) !== slug)
			problems.push(`${what} ${url} is not the repository ${slug}`);
	};
	sameRepository('homepage', pkg.homepage);
	sameRepository('bugs', typeof pkg.bugs === 'string' ? pkg.bugs : pkg.bugs?.url);
	const author = typeof pkg.author === 'string' ? { name: pkg.author } : pkg.author;
	if (!author?.name) problems.push('author.name is missing');
	if (!author?.email) problems.push('author.email is missing');
	if (author?.url) {
		const owner = /^https:\/\/github\.com\/([\w.-]+)\/?$/.exec(author.url)?.[1]?.toLowerCase();
		if (owner !== slug.split('/')[0] && repositorySlug(author.url) !== slug)
			problems.push(`author.url ${author.url} is neither the repository ${slug} nor its owner`);
	}
	return problems;
}

/** Whether CHANGELOG.md has a `## [version]` section (Keep a Changelog). */
export function changelogHasVersion(changelog: string, version: string): boolean {
	const escaped = version.replace(/[.+-]/g, (char) => `\\${char}`);
	return new RegExp(`^## \\[${escaped}\\]( - \\d{4}-\\d{2}-\\d{2})?\\s*$`, 'm').test(changelog);
}

/**
 * Why a tag must not be published (empty when it may): see the file's description.
 *
 * @param githubRepository `owner/name` running the workflow (GITHUB_REPOSITORY), when known
 */
export function tagProblems(
	tag: string,
	pkg: PackageMetadata,
	changelog: string,
	githubRepository?: string,
): string[] {
	const problems: string[] = [];
	const version = versionOfTag(tag);
	if (!version) problems.push(`tag ${tag} is not a version (1.2.3 or v1.2.3)`);
	else if (version !== pkg.version)
		problems.push(`tag ${tag} is version ${version}, but package.json says ${pkg.version}`);
	else if (!changelogHasVersion(changelog, version))
		problems.push(`CHANGELOG.md has no section "## [${version}]"`);
	problems.push(...metadataProblems(pkg));
	const repositoryUrl = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
	if (githubRepository && repositorySlug(repositoryUrl) !== githubRepository.toLowerCase())
		problems.push(
			`package.json's repository is ${repositorySlug(repositoryUrl)}, but this is ${githubRepository}: npm would refuse the provenance statement`,
		);
	return problems;
}

function main(argv: string[]): number {
	const [command, tag] = argv;
	if (command === 'guard') {
		if (process.env.RELEASE_MODE === 'true') return 0;
		console.error(
			'Not publishing by hand: run `npm run release`. The version tag it pushes publishes the package from GitHub Actions with a provenance statement, which n8n requires.',
		);
		return 1;
	}
	if (command === 'tag' && tag) {
		const root = process.cwd();
		const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageMetadata;
		const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
		const problems = tagProblems(tag, pkg, changelog, process.env.GITHUB_REPOSITORY);
		for (const problem of problems) console.error(`release check: ${problem}`);
		if (problems.length === 0) console.log(`release check: ${tag} is ${pkg.name}@${pkg.version}`);
		return problems.length ? 1 : 0;
	}
	console.error('usage: release-check.ts tag <tag> | guard');
	return 2;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
