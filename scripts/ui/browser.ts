/**
 * The browser for the UI checks: Debian's Chromium (installed with apt-get when it is missing, as
 * root or through `sudo -n`) driven by playwright-core, which uses that system browser and downloads
 * nothing. Collects the page's console errors and uncaught exceptions so that a check can fail on
 * the ones raised while it ran.
 */
import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM_PATH = process.env.KIRIN_UI_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Installs Debian's `chromium` with apt-get when {@link CHROMIUM_PATH} is missing.
 *
 * @returns whether it installed the package
 * @throws Error when apt-get fails
 */
export function ensureChromium(): boolean {
	if (existsSync(CHROMIUM_PATH)) return false;
	const prefix = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
	const run = (args: string[]) => {
		const [command, ...rest] = [...prefix, ...args];
		const result = spawnSync(command, rest, {
			stdio: ['ignore', 'inherit', 'inherit'],
			env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
			timeout: 900_000,
		});
		if (result.status !== 0)
			throw new Error(`${args.join(' ')} failed (exit ${result.status}); install chromium by hand`);
	};
	console.log('  installing chromium with apt-get');
	run(['apt-get', 'update', '-q']);
	run(['apt-get', 'install', '-y', '-q', '--no-install-recommends', 'chromium']);
	if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed no ${CHROMIUM_PATH}`);
	return true;
}

/** Starts the system Chromium headless, without network features that would reach outside. */
export async function launchChromium(): Promise<Browser> {
	return await chromium.launch({
		executablePath: CHROMIUM_PATH,
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
	});
}

/** A console error or uncaught exception of the page. */
export interface ConsoleProblem {
	at: number;
	text: string;
}

/**
 * Records a page's console errors and uncaught exceptions. Failed loads of resources on other hosts
 * than `origin` are left out: the editor asks n8n's own services on the internet for news and
 * templates, which this offline machine cannot reach.
 */
export class ConsoleWatch {
	readonly problems: ConsoleProblem[] = [];

	constructor(page: Page, origin: string) {
		page.on('console', (message) => {
			if (message.type() !== 'error') return;
			const location = message.location()?.url ?? '';
			if (
				location &&
				!location.startsWith(origin) &&
				/Failed to load resource/.test(message.text())
			)
				return;
			this.problems.push({ at: Date.now(), text: `console: ${message.text()}` });
		});
		page.on('pageerror', (error) => {
			this.problems.push({ at: Date.now(), text: `exception: ${error.message}` });
		});
	}

	/** The problems recorded since `from` (a `Date.now()` value). */
	since(from: number): ConsoleProblem[] {
		return this.problems.filter((problem) => problem.at >= from);
	}
}
