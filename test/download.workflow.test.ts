import { expectedVideoSha256, startFakeKirin, type FakeKirin } from './fake-kirin/server';
import { makePng } from './fixtures/images';
import { binaryBytes, sha256Hex as sha256, useFilesystemBinaryData } from './harness/binary';
import { errorOf, outputOf, runWorkflow } from './harness/harness';
import {
	generateFromPrompts,
	imageItem,
	kirinCredentials,
	kirinWorkflow,
	promptItems,
} from './harness/workflows';

let fake: FakeKirin;
let credentials: ReturnType<typeof kirinCredentials>;

beforeAll(async () => {
	await useFilesystemBinaryData();
	fake = await startFakeKirin({ generationMs: 80 });
	credentials = kirinCredentials(fake);
});
afterAll(async () => fake.close());
beforeEach(() => {
	fake.ledger.reset();
	fake.clearFaults();
});

/** Fast polling and retries for every Generate Video run here. */
const FAST = { pollInterval: 0.03, retryDelay: 0.01 };

describe('Download Video', () => {
	test('the downloaded bytes equal the served bytes, for several videos and sizes', async () => {
		const sizes = [1, 70_000, 1_500_000, 5_000_000];
		const run = await runWorkflow(
			kirinWorkflow(
				generateFromPrompts({ downloadVideo: true }, FAST),
				sizes.map((size) => ({ json: { prompt: `clip [size:${size}]` } })),
			),
			credentials,
		);
		expect(errorOf(run, 'Kirin')).toBeUndefined();
		const items = outputOf(run, 'Kirin');
		expect(items).toHaveLength(sizes.length);
		for (const [index, item] of items.entries()) {
			const taskId = String(item.json.taskId);
			const binary = item.binary!.data;
			expect(binary.fileName).toBe(`${taskId}.mp4`);
			expect(binary.mimeType).toBe('video/mp4');
			// Stored on disk by n8n's filesystem mode, not inline.
			expect(binary.id).toMatch(/^filesystem/);
			const bytes = await binaryBytes(binary);
			expect(bytes.length).toBe(sizes[index]);
			expect(sha256(bytes)).toBe(expectedVideoSha256(taskId, 0, sizes[index]));
			// The URL-only fields stay.
			expect(item.json.videoUrl).toBe(`${fake.url}/files/${taskId}.mp4`);
		}
	});

	test('a task with several videos fills data, data_1, data_2', async () => {
		const run = await runWorkflow(
			kirinWorkflow(
				generateFromPrompts(
					{ prompt: 'three takes [videos:3] [size:20000]', downloadVideo: true },
					FAST,
				),
			),
			credentials,
		);
		const [item] = outputOf(run, 'Kirin');
		const taskId = String(item.json.taskId);
		expect(Object.keys(item.binary!)).toEqual(['data', 'data_1', 'data_2']);
		expect(item.binary!.data_2.fileName).toBe(`${taskId}_2.mp4`);
		expect(item.json.videos).toHaveLength(3);
		for (const [index, name] of ['data', 'data_1', 'data_2'].entries()) {
			expect(sha256(await binaryBytes(item.binary![name]))).toBe(
				expectedVideoSha256(taskId, index, 20000),
			);
		}
	});

	test('a download that fails once is retried and completes', async () => {
		fake.setFaults({ downloadFail: { count: 1, mode: 'reset' } });
		const run = await runWorkflow(
			kirinWorkflow(
				generateFromPrompts({ prompt: 'clip [size:400000]', downloadVideo: true }, FAST),
			),
			credentials,
		);
		const [item] = outputOf(run, 'Kirin');
		const taskId = String(item.json.taskId);
		expect(sha256(await binaryBytes(item.binary!.data))).toBe(
			expectedVideoSha256(taskId, 0, 400000),
		);
		expect(fake.ledger.downloads(taskId).length).toBe(2);
	});

	test('the output binary field option names the property', async () => {
		const run = await runWorkflow(
			kirinWorkflow(
				generateFromPrompts(
					{ prompt: 'clip', downloadVideo: true, options: { binaryPropertyOutput: 'video' } },
					FAST,
				),
			),
			credentials,
		);
		const [item] = outputOf(run, 'Kirin');
		expect(Object.keys(item.binary!)).toEqual(['video']);
	});

	test('a failed download names the task id and says Get Task can fetch the video again', async () => {
		fake.setFaults({ downloadFail: { count: 3, mode: 'reset' } });
		const run = await runWorkflow(
			kirinWorkflow(
				generateFromPrompts(
					{ prompt: 'clip [size:300000]', downloadVideo: true, options: { maxRetries: 2 } },
					FAST,
				),
			),
			credentials,
		);
		const error = errorOf(run, 'Kirin')!;
		const taskId = fake.ledger.creates()[0].createdTaskId!;
		expect(error.message).toContain(`task ${taskId}`);
		expect(String(error.description)).toContain('Get Task');

		// Get Task downloads it afterwards, without creating a new task.
		const again = await runWorkflow(
			kirinWorkflow({ operation: 'getTask', lookupBy: 'taskId', taskId, downloadVideo: true }),
			credentials,
		);
		const [item] = outputOf(again, 'Kirin');
		expect(sha256(await binaryBytes(item.binary!.data))).toBe(
			expectedVideoSha256(taskId, 0, 300000),
		);
		expect(fake.ledger.creates()).toHaveLength(1);
	});

	test('with Continue On Fail a failed download leaves an error item and the other items keep their files', async () => {
		fake.setFaults({ downloadFail: { count: 2, mode: 'status' } });
		const run = await runWorkflow(
			kirinWorkflow(
				generateFromPrompts({ downloadVideo: true, options: { maxRetries: 1 } }, FAST),
				promptItems('first [ms:30]', 'second [ms:400]'),
				{ continueOnFail: true },
			),
			credentials,
		);
		const items = outputOf(run, 'Kirin');
		expect((items[0].json.error as Record<string, string>).taskId).toBe(
			fake.ledger.creates()[0].createdTaskId,
		);
		expect(items[1].binary!.data.fileSize).toBeDefined();
	});

	test('an image given as binary input still works, and the video comes out as binary', async () => {
		const image = makePng(640, 480);
		const run = await runWorkflow(
			kirinWorkflow(
				{
					operation: 'generate',
					model: 'kirin_v2_master_i2v',
					imageSource: 'binary',
					binaryPropertyName: 'data',
					downloadVideo: true,
					options: { pollInterval: 0.03, binaryPropertyOutput: 'video' },
				},
				[imageItem(image, 'p.png')],
			),
			credentials,
		);
		expect(errorOf(run, 'Kirin')).toBeUndefined();
		const [item] = outputOf(run, 'Kirin');
		expect((fake.ledger.creates()[0].body as { image: string }).image).toBe(
			image.toString('base64'),
		);
		expect(item.binary!.video.mimeType).toBe('video/mp4');
	});
});
