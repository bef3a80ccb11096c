/**
 * `npm run dev`: try the package in n8n's editor, offline. Starts the pinned n8n (installed once by
 * `scripts/e2e/install-n8n.sh`) with this package linked in, and the bundled fake Kirin API; imports
 * a ready "Kirin (local fake)" credential pointed at the fake server and the workflows of
 * `examples/` (the Kirin Trigger and image upload examples published, the callback example's
 * Callback URL pointed at this n8n); creates the owner; prints the editor URL and the sign-in. Then
 * it watches the sources (`nodes/`, `credentials/`, `icons/`): a change rebuilds the package and,
 * when the build passes, restarts n8n so the editor shows the change (reload the page). Ctrl+C (or
 * SIGTERM) stops n8n and the fake server by their pids and removes the temporary n8n folder.
 *
 *   npm run dev [-- --generation-ms 5000]
 *
 * Each run starts from a fresh n8n: export workflows you want to keep.
 */
import { spawn } from 'child_process';
import { watch, type FSWatcher } from 'fs';
import { join } from 'path';

import { startFakeKirin, type FakeKirin } from '../../test/fake-kirin/server';
import { installN8n, N8nInstance, PACKAGE_ROOT } from '../e2e/n8n';
import { createOwner, OWNER } from '../ui/owner';
import { exampleWorkflows, type WorkflowJson } from '../ui/workflows';

/** The credential the dev n8n starts with. */
export const DEV_CREDENTIAL = { id: 'kirinLocalFake', name: 'Kirin (local fake)' };

/** The folders whose changes rebuild the package. */
const WATCHED = ['nodes', 'credentials', 'icons'];

/** Parsed command line of `npm run dev`. */
export interface DevArgs {
	/** Time the fake server takes to finish a task, in ms. */
	generationMs: number;
}

/**
 * Parses `--generation-ms <ms>`.
 *
 * @throws Error naming the argument when it is unknown or not a non-negative integer
 */
export function parseDevArgs(argv: string[]): DevArgs {
	const args: DevArgs = { generationMs: 5000 };
	for (let i = 0; i < argv.length; i++) {
		const match = /^--generation-ms(?:=(.*))?$/.exec(argv[i]);
		if (!match) throw new Error(`unknown argument ${JSON.stringify(argv[i])}`);
		const value = match[1] ?? argv[++i];
		if (!/^\d+$/.test(value ?? ''))
			throw new Error(
				`--generation-ms needs a number of milliseconds, got ${JSON.stringify(value)}`,
			);
		args.generationMs = Number(value);
	}
	return args;
}

/**
 * The examples for the dev n8n: every Kirin credential is the local fake one, and a Callback URL
 * that points at a `/webhook/<id>/callback` address of another n8n points at this one.
 */
export function devWorkflows(n8nUrl: string): WorkflowJson[] {
	const workflows = exampleWorkflows(DEV_CREDENTIAL);
	for (const workflow of workflows) {
		for (const node of workflow.nodes) {
			const options = (node.parameters as Record<string, unknown> | undefined)?.options as
				Record<string, unknown> | undefined;
			const callbackUrl = options?.callbackUrl;
			if (typeof callbackUrl !== 'string') continue;
			const path = /\/webhook\/[^/?#]+\/callback.*$/.exec(callbackUrl)?.[0];
			if (path) options!.callbackUrl = `${n8nUrl}${path}`;
		}
	}
	return workflows;
}

/** Whether a workflow starts from a trigger or webhook node (and so is worth publishing). */
function hasTrigger(workflow: WorkflowJson): boolean {
	return workflow.nodes.some(
		(node) =>
			/trigger$|\.webhook$/i.test(String(node.type)) && !/manualTrigger$/.test(String(node.type)),
	);
}

/** Runs `npm run build` quietly; resolves with its exit code and output. */
async function build(): Promise<{ ok: boolean; output: string }> {
	return await new Promise((resolve) => {
		const child = spawn('npm', ['run', '--silent', 'build'], {
			cwd: PACKAGE_ROOT,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.once('close', (code) => resolve({ ok: code === 0, output }));
	});
}

function time(): string {
	return new Date().toTimeString().slice(0, 8);
}

async function main(): Promise<void> {
	let args: DevArgs;
	try {
		args = parseDevArgs(process.argv.slice(2));
	} catch (error) {
		console.error(`dev: ${(error as Error).message}`);
		process.exitCode = 2;
		return;
	}
	const install = installN8n();
	const fake: FakeKirin = await startFakeKirin({ generationMs: args.generationMs });
	const n8n = await N8nInstance.create(install);
	const watchers: FSWatcher[] = [];
	let stopping = false;
	const stop = async (why: string) => {
		if (stopping) return;
		stopping = true;
		console.log(`\n${why}: stopping n8n and the fake Kirin API`);
		for (const watcher of watchers) watcher.close();
		await n8n.stop().catch(() => undefined);
		await fake.close().catch(() => undefined);
		n8n.remove();
		process.exit(0);
	};
	process.on('SIGINT', () => void stop('Ctrl+C'));
	process.on('SIGTERM', () => void stop('SIGTERM'));

	console.log(`Starting n8n ${install.version} with n8n-nodes-kirin linked (about a minute)...`);
	await n8n.import('credentials', [
		{ ...DEV_CREDENTIAL, type: 'kirinApi', data: { apiKey: fake.apiKey, baseUrl: fake.url } },
	]);
	const workflows = devWorkflows(n8n.url);
	await n8n.import('workflow', workflows);
	for (const workflow of workflows.filter(hasTrigger)) await n8n.publish(workflow.id);
	await n8n.start(300_000);
	await createOwner(n8n.url);
	console.log(
		[
			'',
			`n8n ${install.version} is ready, with this package linked in:`,
			`  Editor:      ${n8n.url}`,
			`  Sign in:     ${OWNER.email} / ${OWNER.password}`,
			`  Credential:  "${DEV_CREDENTIAL.name}" -> fake Kirin API at ${fake.url} (key ${fake.apiKey}, ${args.generationMs} ms per video)`,
			`  Workflows:   ${workflows.map((workflow) => workflow.name).join('; ')}`,
			`Watching ${WATCHED.map((folder) => `${folder}/`).join(', ')}: a change rebuilds the package and restarts n8n.`,
			'Ctrl+C stops everything.',
			'',
		].join('\n'),
	);

	let timer: NodeJS.Timeout | undefined;
	let running: Promise<void> | undefined;
	let again = false;
	const rebuild = async () => {
		console.log(`${time()} change seen: rebuilding`);
		const result = await build();
		if (!result.ok) {
			console.log(
				`${time()} the build failed; n8n keeps the previous build:\n${result.output.trim()}`,
			);
			return;
		}
		console.log(`${time()} built; restarting n8n`);
		await n8n.stop();
		if (stopping) return;
		await n8n.start(300_000);
		console.log(`${time()} n8n is back at ${n8n.url}: reload the editor`);
	};
	const schedule = () => {
		if (stopping) return;
		if (timer) clearTimeout(timer);
		timer = setTimeout(() => {
			if (running) {
				again = true;
				return;
			}
			running = rebuild()
				.catch((error: unknown) => console.log(`${time()} restart failed: ${String(error)}`))
				.finally(() => {
					running = undefined;
					if (again) {
						again = false;
						schedule();
					}
				});
		}, 400);
	};
	for (const folder of WATCHED) {
		watchers.push(watch(join(PACKAGE_ROOT, folder), { recursive: true }, schedule));
	}
}

if (require.main === module) {
	main().catch((error: unknown) => {
		console.error(error);
		process.exit(1);
	});
}
