/**
 * Download memory benchmark: a real n8n workflow execution of the built Kirin node that generates 10
 * videos of 50 MB each on the fake Kirin server and downloads them (Download Video on), run twice in
 * fresh processes: once in n8n's filesystem binary data mode (the file streams to disk) and once in
 * the in-memory mode (the whole file is buffered). Prints the peak growth of each process's resident
 * memory (RSS) over its level before the run.
 *
 *   npm run bench:download
 *   npm run bench:download -- --videos 4 --size 20MB
 */
import '../test/harness/setup';

import { spawnSync } from 'child_process';
import { cpus } from 'os';

import { startFakeKirin } from '../test/fake-kirin/server';
import { binaryBytes, useFilesystemBinaryData } from '../test/harness/binary';
import { errorOf, outputOf, runWorkflow } from '../test/harness/harness';
import { kirinWorkflow } from '../test/harness/workflows';

function argument(name: string, fallback: string): string {
	const index = process.argv.indexOf(`--${name}`);
	return index >= 0 ? process.argv[index + 1] : fallback;
}

const VIDEOS = Number(argument('videos', '10'));
const SIZE = argument('size', '50MB');

interface ChildResult {
	mode: string;
	peakGrowthMb: number;
	wallMs: number;
	downloadedMb: number;
}

async function child(mode: 'filesystem' | 'memory'): Promise<void> {
	if (mode === 'filesystem') await useFilesystemBinaryData();
	const fake = await startFakeKirin({ generationMs: 200 });
	const credentials = { kirinApi: { apiKey: fake.apiKey, baseUrl: fake.url } };
	const workflow = (count: number, size: string) =>
		kirinWorkflow(
			{
				operation: 'generate',
				model: 'kirin_v2_6_t2v',
				prompt: '={{ $json.prompt }}',
				downloadVideo: true,
				options: { pollInterval: 0.05 },
			},
			Array.from({ length: count }, (_, index) => ({
				json: { prompt: `clip ${index} [size:${size}]` },
			})),
		);
	// Warm-up with a small file, so that loading n8n-core does not count as growth.
	await runWorkflow(workflow(1, '10KB'), credentials);
	global.gc?.();
	const before = process.memoryUsage().rss;
	let peak = before;
	const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
	const started = performance.now();
	const run = await runWorkflow(workflow(VIDEOS, SIZE), credentials);
	const wallMs = performance.now() - started;
	peak = Math.max(peak, process.memoryUsage().rss);
	clearInterval(sampler);
	const error = errorOf(run, 'Kirin');
	if (error) throw new Error(error.message);
	let downloaded = 0;
	for (const item of outputOf(run, 'Kirin'))
		downloaded += item.binary?.data ? (await binaryBytes(item.binary.data)).length : 0;
	await fake.close();
	const result: ChildResult = {
		mode,
		peakGrowthMb: (peak - before) / 1e6,
		wallMs,
		downloadedMb: downloaded / 1e6,
	};
	process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

function runChild(mode: string): ChildResult {
	const result = spawnSync(
		process.execPath,
		[
			'--expose-gc',
			'--import',
			'tsx',
			__filename,
			'--child',
			mode,
			'--videos',
			String(VIDEOS),
			'--size',
			SIZE,
		],
		{ encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
	);
	const line = result.stdout.split('\n').find((entry) => entry.startsWith('RESULT '));
	if (!line) throw new Error(`the ${mode} run failed:\n${result.stdout}\n${result.stderr}`);
	return JSON.parse(line.slice('RESULT '.length)) as ChildResult;
}

function parent(): void {
	const streamed = runChild('filesystem');
	const buffered = runChild('memory');
	console.log(`\nKirin node download benchmark (${new Date().toISOString().slice(0, 10)})`);
	console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
	console.log(`${VIDEOS} videos of ${SIZE} each, downloaded in one workflow execution\n`);
	console.log('| binary data mode | downloaded (MB) | peak RSS growth (MB) | wall time (s) |');
	console.log('|---|---:|---:|---:|');
	for (const row of [streamed, buffered]) {
		const label =
			row.mode === 'filesystem'
				? 'filesystem (streamed to disk)'
				: 'in memory (whole file buffered)';
		console.log(
			`| ${label} | ${row.downloadedMb.toFixed(0)} | ${row.peakGrowthMb.toFixed(0)} | ${(row.wallMs / 1000).toFixed(2)} |`,
		);
	}
	console.log('');
	console.log(
		`streamed peak growth: ${streamed.peakGrowthMb.toFixed(0)} MB (goal < 100 MB), ${(buffered.peakGrowthMb / Math.max(1, streamed.peakGrowthMb)).toFixed(1)}x less than buffered`,
	);
}

const childIndex = process.argv.indexOf('--child');
if (childIndex >= 0) {
	child(process.argv[childIndex + 1] as 'filesystem' | 'memory').catch((error: unknown) => {
		console.error(error);
		process.exitCode = 1;
	});
} else {
	parent();
}
