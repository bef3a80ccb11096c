/**
 * `inspectImage` reads an image's format and pixel size from its bytes (not its name), as the image
 * rules of the provider's kirin_v2_master_i2v model page need: JPG/PNG only, width and height at
 * least 300 px.
 */
import { createHash } from 'crypto';

import { BinaryImage, encodeBody, probeImage } from '../nodes/Kirin/catalog/binaryImage';
import { inspectImage } from '../nodes/Kirin/catalog/image';
import { makeJpegHeader, makePng } from './fixtures/images';

/** A JPEG segment: marker, big-endian length (including itself), payload. */
function segment(marker: number, payload: Buffer): Buffer {
	const length = Buffer.alloc(2);
	length.writeUInt16BE(payload.length + 2);
	return Buffer.concat([Buffer.from([0xff, marker]), length, payload]);
}

/** A frame header payload (precision, height, width, 3 components). */
function frame(width: number, height: number): Buffer {
	return Buffer.from([
		8,
		height >> 8,
		height & 0xff,
		width >> 8,
		width & 0xff,
		3,
		1,
		0x22,
		0,
		2,
		0x11,
		1,
		3,
		0x11,
		1,
	]);
}

const SOI = Buffer.from([0xff, 0xd8]);
const EOI = Buffer.from([0xff, 0xd9]);

describe('PNG', () => {
	it('reads width and height from IHDR (not swapped)', () => {
		expect(inspectImage(makePng(1280, 720))).toEqual({ format: 'png', width: 1280, height: 720 });
		expect(inspectImage(makePng(300, 750))).toEqual({ format: 'png', width: 300, height: 750 });
	});

	it('reads a PNG inside a larger buffer (a Buffer slice with an offset)', () => {
		const pool = Buffer.concat([Buffer.alloc(13, 0xaa), makePng(640, 480)]);
		expect(inspectImage(pool.subarray(13))).toEqual({ format: 'png', width: 640, height: 480 });
	});

	it('returns nothing for a PNG cut before its size', () => {
		expect(inspectImage(makePng(640, 480).subarray(0, 20))).toBeUndefined();
	});
});

describe('JPEG', () => {
	it('reads width and height from the frame header after an APP0 segment', () => {
		expect(inspectImage(makeJpegHeader(1920, 1080))).toEqual({
			format: 'jpeg',
			width: 1920,
			height: 1080,
		});
		expect(inspectImage(makeJpegHeader(720, 1280))).toEqual({
			format: 'jpeg',
			width: 720,
			height: 1280,
		});
	});

	it('skips EXIF, quantisation and Huffman tables (DHT is C4, not a frame) before the frame', () => {
		const bytes = Buffer.concat([
			SOI,
			segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0'), Buffer.alloc(300, 0x11)])),
			segment(0xdb, Buffer.alloc(65, 0x01)),
			segment(0xc4, Buffer.alloc(30, 0x02)),
			segment(0xc0, frame(800, 600)),
			EOI,
		]);
		expect(inspectImage(bytes)).toEqual({ format: 'jpeg', width: 800, height: 600 });
	});

	it('reads progressive JPEGs (SOF2)', () => {
		const bytes = Buffer.concat([
			SOI,
			segment(0xe0, Buffer.alloc(14)),
			segment(0xc2, frame(1024, 512)),
			EOI,
		]);
		expect(inspectImage(bytes)).toEqual({ format: 'jpeg', width: 1024, height: 512 });
	});

	it('skips fill bytes between segments', () => {
		const bytes = Buffer.concat([
			SOI,
			segment(0xe0, Buffer.alloc(14)),
			Buffer.from([0xff, 0xff]),
			segment(0xc0, frame(400, 300)),
			EOI,
		]);
		expect(inspectImage(bytes)).toEqual({ format: 'jpeg', width: 400, height: 300 });
	});

	it('returns nothing for a JPEG without a frame header', () => {
		expect(
			inspectImage(Buffer.concat([SOI, segment(0xe0, Buffer.alloc(14)), EOI])),
		).toBeUndefined();
		expect(
			inspectImage(
				Buffer.concat([
					SOI,
					Buffer.from([0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99]),
				]),
			),
		).toBeUndefined();
	});
});

describe('other files', () => {
	it.each<[string, Buffer]>([
		[
			'GIF',
			Buffer.concat([
				Buffer.from('GIF89a'),
				Buffer.from([0x20, 0x03, 0x58, 0x02]),
				Buffer.alloc(40),
			]),
		],
		[
			'WebP',
			Buffer.concat([
				Buffer.from('RIFF'),
				Buffer.alloc(4),
				Buffer.from('WEBPVP8 '),
				Buffer.alloc(40),
			]),
		],
		['BMP', Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)])],
		['text', Buffer.from('this is not an image at all, just text')],
		['empty', Buffer.alloc(0)],
		['a PNG signature with a wrong byte', Buffer.from(makePng(640, 480)).fill(0x00, 7, 8)],
	])('%s is neither PNG nor JPEG', (_name, bytes) => {
		expect(inspectImage(bytes)).toBeUndefined();
	});
});

/** `bytes` cut into chunks of `size` bytes, as a stream gives them. */
function* chunksOf(bytes: Buffer, size: number): Generator<Buffer> {
	for (let offset = 0; offset < bytes.length; offset += size)
		yield bytes.subarray(offset, offset + size);
}

describe('probeImage (one pass over a binary file, nothing kept)', () => {
	const LIMIT = 10_000_000;

	it('counts the bytes, hashes them and reads the header across chunk boundaries', async () => {
		const png = makePng(640, 480, 300_000);
		for (const size of [1, 7, 64, 65_536]) {
			const probe = await probeImage(chunksOf(png, size), LIMIT);
			expect(probe).toEqual({
				sizeBytes: 300_000,
				info: { format: 'png', width: 640, height: 480 },
				sha256: createHash('sha256').update(png).digest('hex'),
			});
		}
	});

	it('finds a JPEG frame header behind large metadata segments', async () => {
		const jpeg = Buffer.concat([
			SOI,
			segment(0xe1, Buffer.alloc(65_000, 1)),
			segment(0xe2, Buffer.alloc(65_000, 2)),
			segment(0xc0, frame(1920, 1080)),
			EOI,
		]);
		const probe = await probeImage(chunksOf(jpeg, 4096), LIMIT);
		expect(probe.info).toEqual({ format: 'jpeg', width: 1920, height: 1080 });
		expect(probe.sizeBytes).toBe(jpeg.length);
	});

	it('tells a file that is no image, whatever its size', async () => {
		const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(200_000)]);
		const probe = await probeImage(chunksOf(gif, 65_536), LIMIT);
		expect(probe.info).toBeUndefined();
		expect(probe.sizeBytes).toBe(200_000 + 6);
	});
});

describe('BinaryImage and encodeBody', () => {
	const png = makePng(640, 480, 200_001);
	const fileOf = (bytes: Buffer, chunkSize = 65_536) => ({
		property: 'photo',
		chunks: async () => chunksOf(bytes, chunkSize),
		read: async () => bytes,
	});

	it('stands in JSON as its fingerprint and reads nothing until the body is encoded', async () => {
		const chunks = jest.fn(async () => chunksOf(png, 65_536));
		const image = new BinaryImage(
			{ property: 'photo', chunks, read: async () => png },
			await probeImage([png], 10_000_000),
		);
		const body = { model: 'm', image, external_task_id: 'x' };
		expect(JSON.parse(JSON.stringify(body)).image).toBe(
			`binary:${png.length}:${createHash('sha256').update(png).digest('hex')}`,
		);
		expect(chunks).not.toHaveBeenCalled();
		await encodeBody(body as never);
		expect(chunks).toHaveBeenCalledTimes(1);
		expect(body.image).toBe(image);
	});

	it.each([1, 2, 3, 1000, 65_536, 1_000_000])(
		'encodes into exactly the JSON of the body with the Base64 in place (chunks of %s bytes)',
		async (chunkSize) => {
			const image = new BinaryImage(fileOf(png, chunkSize), await probeImage([png], 10_000_000));
			const body = {
				model: 'kirin_v2_master_i2v',
				prompt: 'a "quoted" fox, ünïcödé 🦊\n',
				image,
				skipped: undefined,
				duration: '5',
				cfg_scale: 0.5,
				watermark_info: { enabled: false },
				external_task_id: 'ext-1',
			};
			const encoded = await encodeBody(body as never);
			expect(encoded).toEqual({ serialized: expect.any(Buffer), externalTaskId: 'ext-1' });
			const { serialized } = encoded as { serialized: Buffer };
			expect(serialized.toString('utf8')).toBe(
				JSON.stringify({ ...body, image: png.toString('base64') }),
			);
		},
	);

	it('leaves a body without a binary image as it is', async () => {
		const body = { model: 'm', image: 'https://example.com/a.png', external_task_id: 'x' };
		expect(await encodeBody(body)).toBe(body);
	});

	it('refuses to send a file that changed after it was checked', async () => {
		const probe = await probeImage([png], 10_000_000);
		for (const other of [makePng(640, 481, 200_001), png.subarray(1), Buffer.concat([png, png])]) {
			await expect(
				encodeBody({
					image: new BinaryImage(fileOf(other), probe) as never,
					external_task_id: 'x',
				}),
			).rejects.toThrow(/binary field "photo" changed after it was checked; nothing was sent/);
		}
	});
});
