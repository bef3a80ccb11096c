import { createHash } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { inspectImage, type ImageInfo } from './image';
import { InputRuleError } from './inputRuleError';

/**
 * Binary images (an input item's file) are read twice and never held between the two reads: once
 * when the batch is planned, streamed through to check the page's rules and to fingerprint the
 * file, and once when the item's task is created, streamed into the request's bytes. So a batch of
 * a hundred large images holds only the requests in flight (at most Max Concurrency), each with
 * one copy of its image as Base64.
 */

/** An input item's binary file, read only when asked; nothing of it is kept. */
export interface BinaryFile {
	/** The item's binary field that holds the file, for messages. */
	property: string;
	/** Reads the file from its start, chunk by chunk; each call reads it again. */
	chunks(): Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array>>;
	/** Reads the whole file into one buffer. */
	read(): Promise<Buffer>;
}

/** What one pass over an image file tells about it, without keeping the file. */
export interface ImageProbe {
	/** The file's size in bytes, counted while reading (not taken from the binary's metadata). */
	sizeBytes: number;
	/** Format and pixel size from the file's header; undefined when it is neither PNG nor JPEG. */
	info: ImageInfo | undefined;
	/** Hex SHA-256 of the file's bytes. */
	sha256: string;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_SIGNATURE = Buffer.from([0xff, 0xd8, 0xff]);

/** Whether a file's start (at least 8 bytes) can be a PNG or a JPEG. */
function mayBeImage(start: Buffer): boolean {
	const matches = (signature: Buffer) => start.subarray(0, signature.length).equals(signature);
	return matches(PNG_SIGNATURE) || matches(JPEG_SIGNATURE);
}

/**
 * Reads a file through once: counts its bytes, hashes them, and keeps only as much of its start as
 * {@link inspectImage} needs (the PNG header, or a JPEG's segments up to its frame header).
 *
 * @param chunks the file's bytes in order, e.g. a binary data stream
 * @param headerLimitBytes the most bytes of the file's start kept to find its format and size (a
 *   JPEG's frame header can follow large metadata segments); the page's size limit, as a file
 *   whose header ends beyond it is too large anyway
 */
export async function probeImage(
	chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
	headerLimitBytes: number,
): Promise<ImageProbe> {
	const hash = createHash('sha256');
	let sizeBytes = 0;
	let head: Uint8Array[] = [];
	let headBytes = 0;
	let inspectedAt = 0;
	let info: ImageInfo | undefined;
	let looking = true;
	for await (const chunk of chunks) {
		hash.update(chunk);
		sizeBytes += chunk.length;
		if (!looking) continue;
		head.push(chunk);
		headBytes += chunk.length;
		// Inspect again only once the kept start has doubled, so that a long run of JPEG metadata
		// segments is not scanned over and over; stop keeping it once it tells what the file is.
		if (headBytes >= 64 && headBytes >= inspectedAt * 2) {
			const start = Buffer.concat(head);
			head = [start];
			inspectedAt = headBytes;
			info = inspectImage(start);
			if (info || !mayBeImage(start) || headBytes >= headerLimitBytes) {
				looking = false;
				head = [];
			}
		}
	}
	if (looking && headBytes > 0) info = inspectImage(Buffer.concat(head));
	return { sizeBytes, info, sha256: hash.digest('hex') };
}

/** Bytes of a file encoded per piece: a multiple of 3, so pieces join into one Base64 text. */
const ENCODE_PIECE_BYTES = 3 * 16_384;

/** Length in bytes of the padded Base64 of `bytes` bytes. */
function base64Length(bytes: number): number {
	return Math.ceil(bytes / 3) * 4;
}

/**
 * A binary image that passed the page's rules when the batch was planned, sent when its item's task
 * is created. The planned request body holds it under `image` in place of the Base64 text until
 * {@link encodeBody} reads the file; in JSON it stands as `binary:<bytes>:<sha256>`, so ids derived
 * from the body tell images apart by their content without holding them.
 */
export class BinaryImage {
	constructor(
		private readonly file: BinaryFile,
		readonly probe: ImageProbe,
	) {}

	/** Length in bytes of the image as padded Base64 (about 4/3 of the file's size). */
	get base64Bytes(): number {
		return base64Length(this.probe.sizeBytes);
	}

	/**
	 * Reads the file again and writes it as Base64 into `target` at `offset`, piece by piece, so that
	 * neither the whole file nor its Base64 text is ever held besides `target`.
	 *
	 * @returns the offset after the Base64 ({@link base64Bytes} further)
	 * @throws InputRuleError when the file is no longer the one that was checked
	 */
	async encodeInto(target: Buffer, offset: number): Promise<number> {
		const hash = createHash('sha256');
		let read = 0;
		let position = offset;
		let carry: Buffer = Buffer.alloc(0);
		const changed = () =>
			new InputRuleError(
				'Input Binary Field',
				`The file in binary field "${this.file.property}" changed after it was checked; nothing was sent for it`,
			);
		for await (const chunk of await this.file.chunks()) {
			read += chunk.length;
			if (read > this.probe.sizeBytes) throw changed();
			hash.update(chunk);
			const bytes = carry.length
				? Buffer.concat([carry, chunk])
				: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
			const whole = bytes.length - (bytes.length % 3);
			for (let start = 0; start < whole; start += ENCODE_PIECE_BYTES) {
				const piece = bytes.subarray(start, Math.min(start + ENCODE_PIECE_BYTES, whole));
				position += target.write(piece.toString('base64'), position, 'latin1');
			}
			carry = Buffer.from(bytes.subarray(whole));
		}
		if (carry.length) position += target.write(carry.toString('base64'), position, 'latin1');
		if (read !== this.probe.sizeBytes || hash.digest('hex') !== this.probe.sha256) throw changed();
		return position;
	}

	toJSON(): string {
		return `binary:${this.probe.sizeBytes}:${this.probe.sha256}`;
	}
}

/** A request body serialized as JSON ahead of sending, and the external task id it carries. */
export interface SerializedBody {
	serialized: Buffer;
	externalTaskId: string;
}

/**
 * The request to send for a planned body. Without a {@link BinaryImage} in it, the body itself.
 * With one, its JSON text as bytes, each image read now and written into them as Base64: one
 * buffer of the exact size, the only holder of the encoded image, freed with it. (Sending the body
 * as an object would hold the image three times more: its Base64 text, the JSON text the HTTP
 * client makes of the body, and the bytes it sends.)
 *
 * @throws InputRuleError when an image's file changed since it was checked
 */
export async function encodeBody(body: IDataObject): Promise<IDataObject | SerializedBody> {
	const entries = Object.entries(body).filter(([, value]) => value !== undefined);
	if (!entries.some(([, value]) => (value as unknown) instanceof BinaryImage)) return body;
	// JSON.stringify's text of the object, with each image's Base64 in place of its placeholder.
	const parts: Array<string | BinaryImage> = [];
	let text = '{';
	for (const [index, [key, value]] of entries.entries()) {
		text += `${index ? ',' : ''}${JSON.stringify(key)}:`;
		if ((value as unknown) instanceof BinaryImage) {
			parts.push(`${text}"`, value as unknown as BinaryImage);
			text = '"';
		} else {
			text += JSON.stringify(value);
		}
	}
	parts.push(`${text}}`);
	const size = parts.reduce(
		(sum, part) => sum + (typeof part === 'string' ? Buffer.byteLength(part) : part.base64Bytes),
		0,
	);
	const serialized = Buffer.allocUnsafe(size);
	let offset = 0;
	for (const part of parts) {
		offset =
			typeof part === 'string'
				? offset + serialized.write(part, offset, 'utf8')
				: await part.encodeInto(serialized, offset);
	}
	return { serialized, externalTaskId: String(body.external_task_id) };
}
