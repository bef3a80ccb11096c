/**
 * Image batch memory benchmark: one real n8n workflow execution (n8n-core WorkflowExecute) of the
 * built Kirin node, image to video for 100 items that each carry a 9 MB PNG as binary data in n8n's
 * filesystem binary data mode (as an n8n server runs), Wait and Poll completion, against the fake
 * Kirin server. Prints the peak growth of the process's resident memory (RSS) over its level before
 * the run, sampled every 20 ms.
 *
 * The execution runs in a fresh child process; the fake server runs in this one (its ledger keeps
 * every request, so it would count the sent images as the node's memory), and the image files are
 * written here before the child starts, so that making them does not count either.
 *
 *   npm run bench:memory
 *   npm run bench:memory -- --items 20 --bytes 5000000 --concurrency 4
 */
import '../test/harness/setup';

import { spawn } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { cpus, tmpdir } from 'os';
import { join } from 'path';

import { startFakeKirin } from '../test/fake-kirin/server';
import { makePng } from '../test/fixtures/images';
import { useFilesystemBinaryData } from '../test/harness/binary';
import { errorOf, outputOf, runWorkflow } from '../test/harness/harness';
import { kirinWorkflow, type TestItem } from '../test/harness/workflows';

function argument(name: string, fallback: string): string {
	const index = process.argv.indexOf(`--${name}`);
	return index >= 0 ? process.argv[index + 1] : fallback;
}

const ITEMS = Number(argument('items', '100'));
/** Size of each image file in bytes. */
const IMAGE_BYTES = Number(argument('bytes', '9000000'));
/** Max Concurrency of the node; the node's default is 10. */
const CONCURRENCY = Number(argument('concurrency', '10'));
/** Time the fake takes per video, in ms, so that tasks wait while later ones are created. */
const GENERATION_MS = 3000;
const SAMPLE_MS = 20;
const GOAL_MB = 200;

interface ChildResult {
	baselineMb: number;
	peakGrowthMb: number;
	wallMs: number;
	items: number;
}

function imageItems(dir: string, count: number): TestItem[] {
	return Array.from({ length: count }, (_, index) => ({
		json: { prompt: `product shot ${index}` },
		binary: { data: { path: join(dir, `image-${index}.png`), mimeType: 'image/png' } },
	}));
}

async function child(baseUrl: string, apiKey: string, dir: string): Promise<void> {
	const storage = await useFilesystemBinaryData(mkdtempSync(join(tmpdir(), 'kirin-bench-binary-')));
	const credentials = { kirinApi: { apiKey, baseUrl } };
	const workflow = (items: TestItem[]) =>
		kirinWorkflow(
			{
				operation: 'generate',
				model: 'kirin_v2_master_i2v',
				imageSource: 'binary',
				prompt: '={{ $json.prompt }}',
				options: { pollInterval: 0.2, maxConcurrency: CONCURRENCY },
			},
			items,
		);
	// Warm-up with one small image, so that loading n8n-core and the node does not count as growth.
	await runWorkflow(workflow([warmUpItem(dir)]), credentials);
	global.gc?.();
	await new Promise((resolve) => setTimeout(resolve, 200));
	global.gc?.();
	const before = process.memoryUsage().rss;
	let peak = before;
	const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), SAMPLE_MS);
	const started = performance.now();
	const run = await runWorkflow(workflow(imageItems(dir, ITEMS)), credentials);
	const wallMs = performance.now() - started;
	peak = Math.max(peak, process.memoryUsage().rss);
	clearInterval(sampler);
	const error = errorOf(run, 'Kirin');
	if (error) throw new Error(error.message);
	const output = outputOf(run, 'Kirin');
	rmSync(storage, { recursive: true, force: true });
	const done = output.filter((item) => item.json.status === 'completed').length;
	if (done !== ITEMS) throw new Error(`${done} of ${ITEMS} videos succeeded`);
	const result: ChildResult = {
		baselineMb: before / 1e6,
		peakGrowthMb: (peak - before) / 1e6,
		wallMs,
		items: output.length,
	};
	process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

function warmUpItem(dir: string): TestItem {
	const path = join(dir, 'warm-up.png');
	writeFileSync(path, makePng(640, 480));
	return { json: { prompt: 'warm-up' }, binary: { data: { path, mimeType: 'image/png' } } };
}

async function runChild(baseUrl: string, apiKey: string, dir: string): Promise<ChildResult> {
	const args = ['--expose-gc', '--import', 'tsx', __filename, '--child', baseUrl, apiKey, dir];
	args.push('--items', String(ITEMS), '--bytes', String(IMAGE_BYTES));
	args.push('--concurrency', String(CONCURRENCY));
	const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	let stdout = '';
	let stderr = '';
	proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	await new Promise<void>((resolve) => proc.on('close', () => resolve()));
	const line = stdout.split('\n').find((entry) => entry.startsWith('RESULT '));
	if (!line) throw new Error(`the measured run failed:\n${stdout}\n${stderr}`);
	return JSON.parse(line.slice('RESULT '.length)) as ChildResult;
}

async function parent(): Promise<void> {
	const dir = mkdtempSync(join(tmpdir(), 'kirin-bench-images-'));
	try {
		// Distinct images (their width differs), each padded to IMAGE_BYTES.
		for (let index = 0; index < ITEMS; index++) {
			writeFileSync(join(dir, `image-${index}.png`), makePng(1280 + index, 720, IMAGE_BYTES));
		}
		const fake = await startFakeKirin({ generationMs: GENERATION_MS });
		// The ledger keeps each request body: drop the images from it as they arrive.
		const strip = setInterval(() => {
			for (const entry of fake.ledger.entries) {
				const body = entry.body as { image?: unknown } | undefined;
				if (entry.status !== 0 && typeof body?.image === 'string' && body.image.length > 100) {
					body.image = `(${body.image.length} characters)`;
				}
			}
		}, 100);
		let result: ChildResult;
		try {
			result = await runChild(fake.url, fake.apiKey, dir);
		} finally {
			clearInterval(strip);
			await fake.close();
		}
		const totalMb = (ITEMS * IMAGE_BYTES) / 1e6;
		const base64Mb = (ITEMS * Math.ceil(IMAGE_BYTES / 3) * 4) / 1e6;
		console.log(
			`\nKirin node image batch memory benchmark (${new Date().toISOString().slice(0, 10)})`,
		);
		console.log(
			`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
		);
		console.log(
			`${ITEMS} items, each with a ${(IMAGE_BYTES / 1e6).toFixed(1)} MB PNG as binary data (n8n filesystem mode), image to video, Wait and Poll, Max Concurrency ${CONCURRENCY}, ${GENERATION_MS / 1000} s per video`,
		);
		console.log(
			`total image bytes: ${totalMb.toFixed(0)} MB (${base64Mb.toFixed(0)} MB as Base64)\n`,
		);
		console.log(
			`peak RSS growth: ${result.peakGrowthMb.toFixed(0)} MB (goal < ${GOAL_MB} MB) over a baseline of ${result.baselineMb.toFixed(0)} MB, RSS sampled every ${SAMPLE_MS} ms`,
		);
		console.log(`wall time: ${(result.wallMs / 1000).toFixed(1)} s for ${result.items} videos`);
		if (result.peakGrowthMb >= GOAL_MB) process.exitCode = 1;
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

const childIndex = process.argv.indexOf('--child');
if (childIndex >= 0) {
	const [baseUrl, apiKey, dir] = process.argv.slice(childIndex + 1, childIndex + 4);
	child(baseUrl, apiKey, dir).catch((error: unknown) => {
		console.error(error);
		process.exitCode = 1;
	});
} else {
	parent().catch((error: unknown) => {
		console.error(error);
		process.exitCode = 1;
	});
}
