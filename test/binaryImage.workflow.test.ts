/**
 * Binary images are read when their item's task is created, not when the batch is planned: planning
 * streams each file through once (size in bytes, format, pixel size, fingerprint) and keeps none of
 * it, and the create streams it again into its request, so a batch of large images holds only the
 * requests in flight. Real workflow executions in n8n's filesystem binary data mode (as an n8n server
 * runs), with spies on n8n-core's binary data service: `getAsStream` is what
 * `helpers.getBinaryStream` uses, `getAsBuffer` what `helpers.getBinaryDataBuffer` uses.
 */
import { Container } from '@n8n/di';
import { BinaryDataService } from 'n8n-core';

import { startFakeKirin, type FakeKirin } from './fake-kirin/server';
import { makePng } from './fixtures/images';
import { useFilesystemBinaryData } from './harness/binary';
import { imageItem, runGenerate } from './harness/workflows';

let fake: FakeKirin;
let service: BinaryDataService;

beforeAll(async () => {
	await useFilesystemBinaryData();
	service = Container.get(BinaryDataService);
	fake = await startFakeKirin({ generationMs: 50 });
});
afterAll(async () => fake.close());
beforeEach(() => {
	fake.ledger.reset();
	fake.clearFaults();
});
afterEach(() => jest.restoreAllMocks());

/** Image to video from each item's binary field `data`; fast retries. */
const I2V = { model: 'kirin_v2_master_i2v', imageSource: 'binary', options: { retryDelay: 0.01 } };

/** A PNG whose width tells the item it belongs to (640 + item index). */
const imageOf = (itemIndex: number) => makePng(640 + itemIndex, 480);

/** Create requests the fake has answered so far (a slow answer counts once it was sent). */
const answeredCreates = () => fake.ledger.createAttempts().filter((entry) => entry.status !== 0);

/** One read of a binary file: whose it was, and how far creating had got when it started. */
interface Read {
	item: number;
	createsReceived: number;
	createsAnswered: number;
}

/**
 * Records every read of a stored binary file: `planned` are the first read of each file (planning
 * streams it through), `sent` the later ones (a create reads it again). Files are numbered in the
 * order first read, which is item order within a run. `whole` counts whole-file reads
 * (`getBinaryDataBuffer`), which neither planning nor creating needs in filesystem mode.
 */
function spyOnReads(): { planned: Read[]; sent: Read[]; whole: () => number } {
	const planned: Read[] = [];
	const sent: Read[] = [];
	const files: string[] = [];
	const getAsStream = service.getAsStream.bind(service);
	jest.spyOn(service, 'getAsStream').mockImplementation(async (id: string, chunkSize?: number) => {
		const first = !files.includes(id);
		if (first) files.push(id);
		(first ? planned : sent).push({
			item: files.indexOf(id),
			createsReceived: fake.ledger.createAttempts().length,
			createsAnswered: answeredCreates().length,
		});
		return await getAsStream(id, chunkSize);
	});
	const getAsBuffer = jest.spyOn(service, 'getAsBuffer');
	return { planned, sent, whole: () => getAsBuffer.mock.calls.length };
}

describe('binary images are read when their task is created', () => {
	it('with Max Concurrency 1 and slow creates, image N is read only after task N-1 was created', async () => {
		const reads = spyOnReads();
		fake.setFaults({ slow: { count: 3, delayMs: 150, on: 'create' } });
		const { output, error } = await runGenerate(
			fake,
			{ ...I2V, options: { ...I2V.options, maxConcurrency: 1 } },
			[0, 1, 2].map((index) => imageItem(imageOf(index))),
		);
		expect(error).toBeUndefined();
		expect(output).toHaveLength(3);
		// Planning streamed every file through, in item order, before the first create.
		expect(reads.planned).toEqual(
			[0, 1, 2].map((item) => ({ item, createsReceived: 0, createsAnswered: 0 })),
		);
		// Then each file was read once more, in item order, after the previous task had been created
		// and its (slow) answer received: never two images at once with Max Concurrency 1.
		expect(reads.sent).toEqual([
			{ item: 0, createsReceived: 0, createsAnswered: 0 },
			{ item: 1, createsReceived: 1, createsAnswered: 1 },
			{ item: 2, createsReceived: 2, createsAnswered: 2 },
		]);
		expect(reads.whole()).toBe(0);
		// And what was sent is each item's own file.
		const sent = fake.ledger.creates().map((entry) => (entry.body as { image: string }).image);
		expect(sent).toEqual([0, 1, 2].map((index) => imageOf(index).toString('base64')));
	});

	it('an oversized binary image still fails the node before any create, unread', async () => {
		const reads = spyOnReads();
		const { error } = await runGenerate(fake, I2V, [
			imageItem(imageOf(0)),
			imageItem(makePng(800, 600, 10_000_001)),
			imageItem(imageOf(2)),
		]);
		expect(error?.message).toMatch(
			/10,000,001 bytes \(10\.0 MB\); it must be smaller than 10 MB \(10,000,000 bytes\) \[item 1\]/,
		);
		expect(fake.ledger.createAttempts()).toHaveLength(0);
		expect(reads.sent).toHaveLength(0);
		expect(reads.whole()).toBe(0);
	});

	it('a file that is no image fails before any create, judged by its content', async () => {
		const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(500_000)]);
		const { error } = await runGenerate(fake, I2V, [
			imageItem(imageOf(0)),
			imageItem(gif, 'photo.png', 'image/png'),
		]);
		expect(error?.message).toMatch(
			/must be a JPG or PNG file \(judged by its content\) \[item 1\]/,
		);
		expect(fake.ledger.createAttempts()).toHaveLength(0);
	});

	it('retried creates read the file once: 5xx answers, and a lost answer adopted by look-up', async () => {
		const reads = spyOnReads();
		fake.setFaults({ serverErrors: { count: 2, on: 'create' }, resetAfterCreate: 1 });
		const { output, error } = await runGenerate(
			fake,
			{ ...I2V, options: { ...I2V.options, maxConcurrency: 1 } },
			[imageItem(imageOf(0)), imageItem(imageOf(1))],
		);
		expect(error).toBeUndefined();
		expect(output).toHaveLength(2);
		expect(fake.ledger.createAttempts().length).toBeGreaterThanOrEqual(4);
		expect(fake.ledger.creates()).toHaveLength(2);
		expect(reads.sent.map((read) => read.item)).toEqual([0, 1]);
	});

	it('the same image in a new execution is reused by content (the stored file is a new one)', async () => {
		const reads = spyOnReads();
		const parameters = { ...I2V, options: { ...I2V.options, reuseWithinHours: 1 } };
		const first = await runGenerate(fake, parameters, [imageItem(imageOf(7))]);
		const second = await runGenerate(fake, parameters, [imageItem(imageOf(7))]);
		const other = await runGenerate(fake, parameters, [imageItem(imageOf(8))]);
		expect(second.output[0].json.taskId).toBe(first.output[0].json.taskId);
		expect(other.output[0].json.taskId).not.toBe(first.output[0].json.taskId);
		expect(fake.ledger.creates()).toHaveLength(2);
		// Each run streamed its file through when planning; only the two creates read theirs again,
		// not the run that got the earlier task back.
		expect(reads.planned.map((read) => read.item)).toEqual([0, 1, 2]);
		expect(reads.sent.map((read) => read.item)).toEqual([0, 2]);
	});
});
